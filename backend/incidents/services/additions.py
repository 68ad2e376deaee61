"""What a reporter adds to their own report by a later message on the channel they used (a reply
to our e-mail, a chat message): the unit reads it in the report's history.

Invariants:
- Only the report's own reporter adds to it (anyone else: `NotYourReport`, 404), in any status:
  an addition to a closed report stays on the record for the unit to see.
- The addition is an internal NOTE (`data.from_reporter`, the channel, the message id): the unit
  sees it, the reporter is not notified of their own words and the public page never shows it.
- `source_key` (the channel's message id) makes a redelivered message one addition: the row is
  locked and the key looked for before the entry is written.
Written by `changes.incident_change` (history only, no version bump).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.common.errors import DomainError

from ..models import EventKind, IncidentEvent
from .changes import history_entry, incident_change
from .reporter import _locked

MAX_ADDITION_CHARS = 4000


def incident_add_from_reporter(
    *, reporter: User, incident_id: int, text: str, channel: str, source_key: str = ""
) -> tuple[IncidentEvent, bool]:
    """Add `text` from the reporter to their report; (entry, created) — a message seen before
    (same `source_key`) returns its entry and adds nothing."""
    text = text.strip()
    if not text:
        raise DomainError(_("Nội dung bổ sung trống."), code="text_required")
    with transaction.atomic():
        incident = _locked(incident_id, reporter)
        if source_key:
            seen = incident.events.filter(
                kind=EventKind.NOTE, data__from_reporter=True, data__source_key=source_key
            ).first()
            if seen is not None:
                return seen, False
        entry = history_entry(
            incident,
            reporter,
            EventKind.NOTE,
            note=text[:MAX_ADDITION_CHARS],
            is_internal=True,
            data={"from_reporter": True, "channel": channel, "source_key": source_key},
        )
        entry.full_clean(exclude=["incident", "actor", "unit"])
        incident_change(incident, actor=reporter, events=[entry])
    return entry, True
