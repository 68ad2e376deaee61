"""What an operator does for a caller, each closing the contact with its outcome.

- `contact_create_report`: the caller becomes the reporter (a resident found or created by phone
  number, as the SMS sign-in does) and the report is filed through `incident_submit` — the one
  intake path — with channel `hotline`; the operator who took it and the caller's SMS consent
  are kept on the first history entry (`intake`). The contact's id is the idempotency key, so a
  retried request returns the same report. The reporter hears back by SMS through the
  notifications app's fallback (a caller has no app), only with consent.
  Without a usable place (no point, no photo that could carry one), or flagged by the operator
  for verification (`verify`: why), the report is not routed: it waits in the triage inbox
  (`inbox_add`, keyed by the contact so a retry is one item) and the contact links the item;
  completing the item later files it through the same intake path and links the report.
- `contact_answer`: an information request answered from the knowledge base (no incident);
  the answer is sent to the caller by SMS after commit by a deferred job (retried by the queue).
- `contact_add_to_report`: the caller's words added to a report as an internal note, and/or
  the caller made a follower of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from procrastinate.contrib.django import app as jobs

from backend.accounts.models import User
from backend.accounts.services import resident_for_phone
from backend.common.errors import DomainError
from backend.incidents.models import Channel, Incident
from backend.incidents.services.emergency import incident_mark_emergency
from backend.incidents.services.handling import incident_add_caller_note
from backend.incidents.services.submit import incident_submit
from backend.notifications.services import report_follow
from backend.units.models import Category

from ..models import Contact, InboxItem, KnowledgeArticle, Outcome
from .calls import contact_finish, held_by
from .inbox import inbox_add

ANSWER_TASK = "contact_send_answer"
ANSWER_QUEUE = "notifications"


def contact_create_report(
    *,
    contact: Contact,
    operator: User,
    category: Category,
    description: str,
    location: Point | None,
    address: str = "",
    photos: Sequence[IO[bytes]] = (),
    sms_consent: bool = True,
    emergency: bool = False,
    verify: str = "",
) -> Incident | InboxItem:
    """File a report for the caller of `contact` (see the module docstring); `emergency`: the
    operator marks it an emergency at once (`incident_mark_emergency`). Returns the incident,
    or the inbox item when the report waits for a place or a check."""
    contact = held_by(contact, operator)
    caller = contact.caller or resident_for_phone(phone=contact.caller_phone)
    if verify.strip() or (location is None and not photos):
        if photos:
            raise DomainError(
                _("Phản ánh cần xác minh không kèm ảnh được."),
                code="photos_with_verify",
                details={"photos": ["not_allowed"]},
            )
        return _to_inbox(
            contact, caller, category=category, description=description, location=location,
            address=address, verify=verify.strip(), sms_consent=sms_consent,
        )  # fmt: skip
    result = incident_submit(
        reporter=caller,
        category=category,
        description=description,
        address=address,
        location=location,
        photos=photos,
        idempotency_key=f"contact:{contact.pk}",
        channel=Channel.HOTLINE,
        intake={"taken_by": operator.pk, "contact": contact.pk, "sms_consent": sms_consent},
    )
    # incident_submit commits on its own (durable: its photo files); a failure here leaves the
    # contact open, and the retry finds the report by its idempotency key.
    contact_finish(
        contact,
        outcome=Outcome.REPORT_CREATED,
        incident=result.incident,
        caller=caller,
        sms_consent=sms_consent,
    )
    incident = result.incident
    if emergency and not incident.is_emergency:
        incident_mark_emergency(actor=operator, incident=incident)
    return incident


def _to_inbox(
    contact: Contact,
    caller: User,
    *,
    category: Category,
    description: str,
    location: Point | None,
    address: str,
    verify: str,
    sms_consent: bool,
) -> InboxItem:
    with transaction.atomic():
        item, _created = inbox_add(
            reporter=caller,
            channel=Channel.HOTLINE,
            description=description,
            location=location,
            category=category,
            address=address,
            flag=verify,
            source_key=f"contact:{contact.pk}",
        )
        contact_finish(
            contact,
            outcome=Outcome.REPORT_CREATED,
            inbox_item=item,
            caller=caller,
            sms_consent=sms_consent,
        )
    return item


def contact_mark_emergency(*, operator: User, incident: Incident, note: str = "") -> Incident:
    """An operator marks a report an emergency (deadline in hours, alerts, escalation)."""
    return incident_mark_emergency(actor=operator, incident=incident, note=note)


def contact_answer(
    *, contact: Contact, operator: User, article: KnowledgeArticle, send_sms: bool = False
) -> Contact:
    """Record the answer given from `article`; SMS it to the caller after commit if asked."""
    today = timezone.localdate()
    if (article.valid_from and article.valid_from > today) or (
        article.valid_to and article.valid_to < today
    ):
        raise DomainError(
            _("Bài hỏi đáp không còn hiệu lực."),
            code="article_not_valid",
            details={"article": ["not_valid"]},
        )
    with transaction.atomic():
        contact = held_by(contact, operator)
        contact_finish(contact, outcome=Outcome.INFORMATION_GIVEN, article=article)
        if send_sms:
            jobs.configure_task(ANSWER_TASK, queue=ANSWER_QUEUE).defer(contact_id=contact.pk)
    return contact


def contact_add_to_report(
    *, contact: Contact, operator: User, incident: Incident, note: str = "", follow: bool = False
) -> Contact:
    """Add what the caller says to `incident` (internal note) and/or make them a follower."""
    if not note.strip() and not follow:
        raise DomainError(
            _("Cần ghi nội dung bổ sung hoặc chọn theo dõi."),
            code="nothing_to_add",
            details={"note": ["required"]},
        )
    with transaction.atomic():
        contact = held_by(contact, operator)
        caller = contact.caller or resident_for_phone(phone=contact.caller_phone)
        if note.strip():
            incident_add_caller_note(operator=operator, incident=incident, text=note)
        if follow and incident.reporter_id != caller.pk:
            report_follow(user=caller, incident=incident)
        return contact_finish(
            contact, outcome=Outcome.ADDED_TO_REPORT, incident=incident, caller=caller
        )
