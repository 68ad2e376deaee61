"""Residents by e-mail address; a reporter's addition to their report, once per message."""

from __future__ import annotations

import pytest

from backend.accounts.services import resident_for_email
from backend.incidents.models import EventKind
from backend.incidents.services.additions import incident_add_from_reporter
from backend.incidents.services.reporter import NotYourReport
from tests.incidents.factories import make_incident, make_user

pytestmark = pytest.mark.django_db


def test_resident_for_email_finds_without_case_or_creates_once() -> None:
    first = resident_for_email(email=" An.Nguyen@Example.VN ")
    assert first.email == "an.nguyen@example.vn" and not first.has_usable_password()
    assert resident_for_email(email="an.nguyen@example.vn") == first
    existing = make_user(email="Binh@Example.vn")
    assert resident_for_email(email="binh@example.vn") == existing


def test_addition_once_per_message_and_only_by_the_reporter() -> None:
    reporter = make_user(email="an@example.vn")
    incident = make_incident(reporter=reporter)
    version = incident.version

    entry, created = incident_add_from_reporter(
        reporter=reporter,
        incident_id=incident.pk,
        text=" Thêm ảnh ",
        channel="email",
        source_key="<m1@x>",
    )
    again, created_again = incident_add_from_reporter(
        reporter=reporter,
        incident_id=incident.pk,
        text="Thêm ảnh",
        channel="email",
        source_key="<m1@x>",
    )

    assert created and not created_again and again.pk == entry.pk
    assert (entry.kind, entry.note, entry.is_internal) == (EventKind.NOTE, "Thêm ảnh", True)
    incident.refresh_from_db()
    assert incident.version == version  # history only
    with pytest.raises(NotYourReport):
        incident_add_from_reporter(
            reporter=make_user(), incident_id=incident.pk, text="x", channel="email"
        )
