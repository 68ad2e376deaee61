"""Schemathesis over the whole OpenAPI schema, in process (WSGI), as a resident and as staff.

Every operation gets a bounded number of generated requests; path ids point at real objects of
the caller, so the answers are real ones (details, transitions, refusals), not only 404s. The
checks: no server error, every status code documented, every JSON body as documented.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from backend.accounts.api_keys import api_client_create
from backend.accounts.services import token_issue
from backend.contact.services.calls import contact_open
from backend.contact.services.inbox import inbox_add
from backend.incidents.models import Channel
from backend.incidents.services.handling import incident_add_direction
from backend.open311.views import token_for
from backend.units.models import Role, Unit
from tests.incidents.factories import SAIGON, make_incident, make_staff, make_user

pytestmark = pytest.mark.django_db
EXAMPLES = 8  # per operation: ~50 operations, 10–40 s on two busy cores
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
CSRF = "a" * 32


@pytest.fixture
def in_process_requests() -> Iterator[None]:
    """As Django's test client does: a request's end must not close the test's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(db: Any, in_process_requests: None) -> dict[str, Any]:
    resident = make_user(phone="+84901112233")
    supervisor = make_staff(Role.SUPERVISOR, Unit.objects.get(code="vp-ubnd-tp"))
    report = make_incident(SAIGON, reporter=resident)
    direction = incident_add_direction(actor=supervisor, incident=report, text="Chỉ đạo")
    call, _created = contact_open(caller_phone="+84901112233")
    item, _created = inbox_add(reporter=resident, channel=Channel.WEB, description="Cây đổ")
    browser = Client()
    browser.force_login(supervisor)
    return {
        "bearer": {"Authorization": f"Bearer {token_issue(user=resident).access}"},
        "session": {"sessionid": browser.cookies["sessionid"].value, "csrftoken": CSRF},
        "ids": {
            "id": report.pk,
            "direction_id": direction.pk,
            "z": 14,
            "x": 13055,
            "y": 7718,
            "request_id": report.reference,
            "token": token_for(report.pk),
            "code": report.category.code,
            "reference": report.reference,
        },
        "contact_ids": {"/api/contact/v1/calls/": call.pk, "/api/contact/v1/inbox/": item.pk},
        "api_key": api_client_create(name="contract", contact_email="", rate_limit="6000/hour").key,
        "unit": report.unit_id,
        "seen": {},
        "resident": resident,
    }


def _auth(path: str, world: dict[str, Any]) -> dict[str, Any]:
    if path == "/api/mobile/v1/auth/sign-out":  # revokes what it is sent: a token of its own
        return {
            "headers": {"Authorization": f"Bearer {token_issue(user=world['resident']).access}"}
        }
    if path.startswith("/api/mobile/"):
        return {"headers": world["bearer"]}
    if path.startswith("/open311/"):
        return {"params": {"api_key": world["api_key"]}}
    if path.startswith(("/api/staff/", "/api/contact/")):  # the supervisor uses the console too
        return {"headers": {"X-CSRFToken": CSRF}, "cookies": world["session"]}
    return {}


def _exercise(operation: Any, world: dict[str, Any]) -> Callable[[], None]:
    path = operation.path
    ids = {k: v for k, v in world["ids"].items() if "{" + k + "}" in path}
    if path.startswith("/api/staff/v1/units/"):
        ids["id"] = world["unit"]
    for prefix, pk in world["contact_ids"].items():
        if path.startswith(prefix):
            ids["id"] = pk

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(path_parameters=ids or None))
    def run(case: Any) -> None:
        response = case.call_and_validate(checks=CHECKS, **_auth(path, world))
        world["seen"].setdefault(f"{operation.method.upper()} {path}", set()).add(
            response.status_code
        )

    return run


def test_every_operation_keeps_its_contract(world: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    failures = []
    results = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results)  # every operation is well-formed
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) > 40
    for operation in operations:
        if operation.path == "/api/schema/":
            continue
        try:
            _exercise(operation, world)()
        except (Exception, BaseExceptionGroup) as exc:  # every operation's failures, together
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
    assert failures == [], "\n\n".join(itertools.islice(failures, 40))
    # signed in for real: the resident's and the supervisor's reads succeeded
    seen = world["seen"]
    assert 200 in seen["GET /api/mobile/v1/reports/{id}"]
    assert 200 in seen["GET /api/staff/v1/incidents/{id}"]
    assert 201 in seen["POST /api/staff/v1/incidents/{id}/comments"]  # CSRF and session accepted
    assert 200 in seen["GET /api/contact/v1/calls/{id}"]  # the console, signed in
