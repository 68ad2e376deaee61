"""POST/DELETE /api/mobile/v1/reports/{id}/follow: residents follow someone else's report."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from backend.accounts.models import User
from backend.incidents.models import Incident, Status
from backend.incidents.services.workflow import incident_transition
from backend.notifications.deliveries import recipients_of
from backend.notifications.models import Follow
from backend.units.models import Role
from tests.incidents.factories import SAIGON, make_incident, make_staff, make_user, ward_unit

pytestmark = pytest.mark.django_db


def url(pk: int) -> str:
    return f"/api/mobile/v1/reports/{pk}/follow"


def test_follow_is_idempotent_and_adds_the_follower_to_the_recipients(
    app: APIClient, resident: User
) -> None:
    incident = make_incident(reporter=make_user())
    for _ in range(2):
        response = app.post(url(incident.pk))
        assert response.status_code == 200
        assert response.json() == {
            "id": incident.pk,
            "reference": incident.reference,
            "following": True,
        }
    assert Follow.objects.filter(incident=incident, user=resident).count() == 1
    assert resident.pk in recipients_of(incident)


def test_unfollow(app: APIClient, resident: User) -> None:
    incident = make_incident(reporter=make_user())
    app.post(url(incident.pk))
    assert app.delete(url(incident.pk)).status_code == 204
    assert app.delete(url(incident.pk)).status_code == 204  # again: still fine
    assert not Follow.objects.exists()
    assert resident.pk not in recipients_of(incident)


def test_hidden_or_missing_reports_cannot_be_followed(app: APIClient) -> None:
    hidden = make_incident(reporter=make_user(), is_public=False)
    rejected = make_incident(reporter=make_user())
    operator = make_staff(Role.OPERATOR, ward_unit(SAIGON))
    incident_transition(actor=operator, incident=rejected, to_status=Status.REJECTED, note="spam")
    for pk in (hidden.pk, rejected.pk, 999_999_999):
        response = app.post(url(pk))
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert not Follow.objects.exists()


def test_requires_sign_in(api: APIClient) -> None:
    incident = make_incident()
    assert api.post(url(incident.pk)).status_code in (401, 403)
    assert not Follow.objects.exists()


def test_a_report_hidden_after_following_can_still_be_unfollowed(
    app: APIClient, resident: User
) -> None:
    incident = make_incident(reporter=make_user())
    app.post(url(incident.pk))
    Incident.objects.filter(pk=incident.pk).update(is_public=False)
    assert app.post(url(incident.pk)).status_code == 404
    assert app.delete(url(incident.pk)).status_code == 204
    assert not Follow.objects.filter(user=resident).exists()
