"""A contact's life: opened (by the telephone system or the operator), taken by one operator,
hung up, closed with an outcome.

Invariants:
- A call id opens one contact: a repeated ring (the PBX retrying, a replayed event) returns the
  contact it opened (`call_id` is unique in the database; the loser of a race reads the winner).
- One operator holds a contact: taking it is `UPDATE … WHERE operator IS NULL`; the second
  operator gets `Conflict` (409) naming who took it, and nothing changes.
- A closed contact (an outcome set) is not changed again; closing without a linked report or
  article (out of scope, not reachable, prank) needs a reason (also a database constraint).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.common.errors import Conflict, DomainError

from ..models import CLOSING_OUTCOMES, Contact, ContactChannel


class ContactNotFound(DomainError):
    status_code = 404
    code = "contact_not_found"
    default_message = _("Không tìm thấy cuộc gọi.")


class ContactClosed(Conflict):
    code = "contact_closed"
    default_message = _("Cuộc liên hệ này đã kết thúc.")


def _caller_of(phone: str) -> User | None:
    return User.objects.filter(phone=phone).first()


def contact_open(
    *,
    caller_phone: str,
    call_id: str = "",
    channel: str = ContactChannel.PHONE,
    operator: User | None = None,
    started_at: dt.datetime | None = None,
) -> tuple[Contact, bool]:
    """Open a call card for `caller_phone` (E.164, already checked); (contact, created)."""
    if call_id:
        existing = Contact.objects.filter(call_id=call_id).first()
        if existing is not None:
            return existing, False
    contact = Contact(
        channel=channel,
        call_id=call_id,
        caller_phone=caller_phone,
        caller=_caller_of(caller_phone),
        operator=operator,
        started_at=started_at or timezone.now(),
    )
    contact.full_clean(
        exclude=["caller", "operator"], validate_unique=False, validate_constraints=False
    )
    try:
        with transaction.atomic():
            contact.save(force_insert=True)
    except IntegrityError:
        winner = Contact.objects.filter(call_id=call_id).first() if call_id else None
        if winner is None:
            raise
        return winner, False
    return contact, True


def contact_hang_up(*, call_id: str, ended_at: dt.datetime | None = None) -> Contact:
    """The telephone system says the call ended; an unknown call id → 404."""
    contact = Contact.objects.filter(call_id=call_id).first() if call_id else None
    if contact is None:
        raise ContactNotFound(details={"call_id": call_id})
    if contact.ended_at is None:
        contact.ended_at = ended_at or timezone.now()
        Contact.objects.filter(pk=contact.pk, ended_at__isnull=True).update(
            ended_at=contact.ended_at
        )
    return contact


def _taken_by(contact: Contact) -> dict[str, Any]:
    holder = contact.operator
    if holder is None:
        return {"operator_id": None, "operator": None}
    return {"operator_id": holder.pk, "operator": holder.get_full_name() or holder.username}


def contact_take(*, contact: Contact, operator: User) -> Contact:
    """`operator` picks up the call card; if another operator was first → 409 naming them."""
    if contact.operator_id == operator.pk:
        return contact
    updated = Contact.objects.filter(pk=contact.pk, operator__isnull=True, outcome="").update(
        operator=operator
    )
    if updated == 0:
        contact.refresh_from_db()
        if contact.operator_id == operator.pk:
            return contact
        if not contact.is_open:
            raise ContactClosed()
        raise Conflict(
            _("Cuộc gọi đã có điện thoại viên khác nhận."),
            code="contact_taken",
            details=_taken_by(contact),
        )
    contact.operator = operator
    return contact


def held_by(contact: Contact, operator: User) -> Contact:
    """The open contact, taken by `operator` now if nobody holds it (see `contact_take`)."""
    if not contact.is_open:
        raise ContactClosed()
    return contact_take(contact=contact, operator=operator)


def contact_finish(contact: Contact, **fields: Any) -> Contact:
    """Set the outcome (and links) of an open contact once: `UPDATE … WHERE outcome = ''`."""
    fields.setdefault("ended_at", contact.ended_at or timezone.now())
    for name, value in fields.items():
        setattr(contact, name, value)
    # constraints are the database's (each CheckConstraint.validate would be a query)
    contact.full_clean(
        exclude=["caller", "operator", "incident", "article"],
        validate_unique=False,
        validate_constraints=False,
    )
    updated = Contact.objects.filter(pk=contact.pk, outcome="").update(**fields)
    if updated == 0:
        raise ContactClosed()
    return contact


def contact_close(*, contact: Contact, operator: User, outcome: str, reason: str) -> Contact:
    """Close as out of scope / not reachable / prank, with a reason."""
    if outcome not in CLOSING_OUTCOMES:
        raise DomainError(
            _("Kết quả không hợp lệ."),
            code="invalid_outcome",
            details={"outcome": [str(o) for o in CLOSING_OUTCOMES]},
        )
    if not reason.strip():
        raise DomainError(
            _("Cần ghi rõ lý do."), code="reason_required", details={"reason": ["required"]}
        )
    with transaction.atomic():
        contact = held_by(contact, operator)
        return contact_finish(contact, outcome=outcome, reason=reason.strip())
