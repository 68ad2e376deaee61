import pytest

from backend.units.models import Role, Unit
from backend.units.selectors import staff_scope
from tests.incidents.factories import SAIGON, make_staff, make_user, ward_unit

pytestmark = pytest.mark.django_db


def test_role_in_a_parent_unit_reaches_its_sub_units() -> None:
    office = Unit.objects.get(code="vp-ubnd-tp")
    scope = staff_scope(make_staff(Role.LEADER, office))
    assert scope.sees_unit(ward_unit(SAIGON).pk)
    assert Role.LEADER in scope.roles_for(ward_unit(SAIGON).pk)


def test_ward_staff_see_only_their_ward() -> None:
    scope = staff_scope(make_staff(Role.OPERATOR, ward_unit(SAIGON)))
    assert scope.unit_ids == {ward_unit(SAIGON).pk}
    assert not scope.is_global


def test_supervisor_is_global_and_resident_is_nobody() -> None:
    assert staff_scope(make_staff(Role.SUPERVISOR, "vp-ubnd-tp")).is_global
    assert not staff_scope(make_user()).is_staff
