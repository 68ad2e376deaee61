"""E-mails about a report form one thread in the resident's mail program, with the mail that
opened it (if it came by e-mail).

- Every update mail of a report has a Message-ID derived from the report and its history entry,
  `<REFERENCE.eEVENT@MAIL_MESSAGE_ID_DOMAIN>`, so no table keeps them: the first entry's mail
  (the acknowledgement "we received your report") is the thread's root on our side, and a
  resident's reply naming any of our ids in In-Reply-To/References finds its report again
  (`reference_from_message_ids`).
- Later updates answer the acknowledgement (In-Reply-To) and list the resident's original mail
  and the acknowledgement in References (RFC 5322 §3.6.4).
- Every mail we send automatically says so (`Auto-Submitted: auto-replied`, RFC 3834), so that
  a well-behaved autoresponder on the other side never answers it: no mail loops.
- Each carries the reference and the link to the public report page (common/links.py).
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from backend.common.links import public_report_url
from backend.incidents.models import EventKind, Incident, IncidentEvent

# what the intake of a mail keeps on the first history entry (status_data / intake)
ORIGINAL_MESSAGE_ID = "mail_message_id"
ORIGINAL_SUBJECT = "mail_subject"

_OUR_ID = re.compile(r"<(?P<reference>\d{4}-\d{4}-\d{6,})\.e(?P<event>\d+)@(?P<domain>[^>\s]+)>")


def message_id(reference: str, event_id: int) -> str:
    return f"<{reference}.e{event_id}@{settings.MAIL_MESSAGE_ID_DOMAIN}>"


def reference_from_message_ids(*headers: str) -> str | None:
    """The reference of the report one of our ids in these header values belongs to."""
    for value in headers:
        for found in _OUR_ID.finditer(value or ""):
            if found["domain"].lower() == settings.MAIL_MESSAGE_ID_DOMAIN.lower():
                return found["reference"]
    return None


def _first_entry(incident: Incident) -> tuple[int, dict[str, str]] | None:
    row = (
        IncidentEvent.objects.filter(incident=incident, kind=EventKind.STATUS, from_status="")
        .values_list("pk", "data")
        .first()
    )
    return (row[0], row[1] or {}) if row else None


def thread_headers(incident: Incident, event_id: int) -> dict[str, str]:
    """Message-ID, In-Reply-To, References and Auto-Submitted of the update mail of `event_id`."""
    headers = {"Message-ID": message_id(incident.reference, event_id)}
    headers["Auto-Submitted"] = "auto-replied"
    first = _first_entry(incident)
    if first is None:
        return headers
    first_id, data = first
    chain = [str(data[ORIGINAL_MESSAGE_ID])] if data.get(ORIGINAL_MESSAGE_ID) else []
    if first_id != event_id:
        chain.append(message_id(incident.reference, first_id))
    if chain:
        headers["In-Reply-To"] = chain[-1]
        headers["References"] = " ".join(chain)
    return headers


def update_mail(
    incident: Incident, event_id: int, title: str, body: str, language: str
) -> dict[str, Any]:
    """Subject, body and headers of the update mail of `event_id` (for notices.deliver)."""
    with translation.override(language):
        footer = _(
            "Mã phản ánh: %(reference)s\nTheo dõi phản ánh: %(url)s\n"
            "Trả lời thư này để bổ sung thông tin cho phản ánh."
        ) % {"reference": incident.reference, "url": public_report_url(incident.reference)}
    return {
        "subject": f"[1022] {title}",
        "body": f"{body}\n\n{footer}\n",
        "headers": thread_headers(incident, event_id),
    }
