from typing import Any

import pytest

from backend.units.models import Role, Unit
from tests.incidents.factories import BEN_THANH, SAIGON, make_staff, make_user, ward_unit


@pytest.fixture
def people(db: Any) -> dict[str, Any]:
    saigon = ward_unit(SAIGON)
    return {
        "operator": make_staff(Role.OPERATOR, saigon),
        "handler": make_staff(Role.HANDLER, saigon),
        "leader": make_staff(Role.LEADER, saigon),
        "supervisor": make_staff(Role.SUPERVISOR, Unit.objects.get(code="vp-ubnd-tp")),
        "other_ward": make_staff(Role.LEADER, ward_unit(BEN_THANH)),
        "resident": make_user(phone="+84901234567"),
        "anonymous": None,
    }
