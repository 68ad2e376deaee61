"""Operators open a kept mail from the admin; nobody else gets it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from backend.mailbox.intake import mail_take
from tests.incidents.factories import make_user

pytestmark = pytest.mark.django_db

RAW = b"From: an@example.vn\r\nMessage-ID: <k1@e.vn>\r\nSubject: Hello\r\n\r\nNo place here.\r\n"


def test_raw_mail_is_streamed_to_staff_only(media: Any) -> None:
    row = mail_take(raw=RAW).mail
    url = f"/admin/mailbox/mailmessage/{row.pk}/raw/"
    staff = Client()
    staff.force_login(make_user(is_staff=True, is_superuser=True))

    response = staff.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert b"".join(response.streaming_content) == RAW  # type: ignore[attr-defined]
    assert staff.get(f"/admin/mailbox/mailmessage/{row.pk}/change/").status_code == 200

    resident = Client()
    resident.force_login(make_user())
    assert resident.get(url).status_code == 302  # to the admin login
