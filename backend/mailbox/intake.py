"""One mail → its outcome: a new report, an addition to the resident's report, an item of the
triage inbox, kept for an operator, or ignored (a machine's mail). Through the services only.

Invariants:
- One `MailMessage` per mail (`source_key`); a mail seen before is not taken again. A new report
  is filed with the mail's key as its idempotency key (`incident_submit` owns its transaction),
  then recorded: a crash between the two files nothing twice on the next poll.
- A mail from a machine (parse.automatic_reason) is recorded as ignored: no report, no answer.
- A reply to one of our mails (In-Reply-To/References, or the reference in the subject) from the
  report's own reporter adds its new words to that report (`incident_add_from_reporter`).
- A new report needs a category (from the text) and a place (a point in the text, else the GPS
  of a photo): without either, or when the place is outside the city or a photo is refused, the
  mail goes to the triage inbox with its raw copy (`raw`), a ward named in the text pre-filled,
  and the sender gets an acknowledgement (replies.py) once the row is committed.
- A mail too big or unreadable is kept (its raw copy when there is one, the triage inbox when it
  has a sender), and left on the mail server for an operator (imap.py).
Side effects: reports/history through incidents services, inbox items, raw copies in storage.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from backend.accounts.models import User
from backend.accounts.services import resident_for_email
from backend.common.errors import DomainError
from backend.contact.services.inbox import inbox_add
from backend.incidents.models import Channel, Incident
from backend.incidents.photo_store import StorageUnavailable
from backend.incidents.services.additions import incident_add_from_reporter
from backend.incidents.services.submit import incident_submit
from backend.notifications.mail_thread import ORIGINAL_MESSAGE_ID, ORIGINAL_SUBJECT
from backend.units.models import Category

from .classify import area_in_text, category_for, point_in_text, reference_in, without_quote
from .models import MailMessage, Outcome, ReplyStatus
from .parse import Malformed, ParsedMail, parse_mail, source_key

logger = logging.getLogger(__name__)

DESCRIPTION_MAX = 4000


@dataclass(frozen=True)
class Taken:
    mail: MailMessage
    keep_on_server: bool  # leave it in the folder for an operator (flagged), do not move it


def _known(key: str) -> MailMessage | None:
    return MailMessage.objects.filter(source_key=key).first()


def _record(mail: MailMessage) -> MailMessage:
    """Insert `mail` unless a parallel poll recorded the same mail first (then that one)."""
    mail.full_clean(exclude=["reporter", "incident", "inbox_item", "raw"], validate_unique=False)
    try:
        with transaction.atomic():
            mail.save(force_insert=True)
    except IntegrityError:
        found = _known(mail.source_key)
        if found is None:
            raise
        return found
    return mail


def _description(mail: ParsedMail, text: str) -> str:
    parts = [mail.subject, text]
    if mail.photos_left_out:
        parts.append(_("(%(n)s ảnh khác còn trong thư gốc)") % {"n": mail.photos_left_out})
    return "\n\n".join(p for p in parts if p).strip()[:DESCRIPTION_MAX]


def _base(mail: ParsedMail, size: int) -> MailMessage:
    return MailMessage(
        source_key=mail.key,
        message_id=mail.message_id[:998],
        sender=mail.sender[:254],
        subject=mail.subject[:500],
        size=size,
    )


def mail_take(*, raw: bytes, size: int | None = None) -> Taken:
    """Take one received mail (see the module docstring)."""
    size = len(raw) if size is None else size
    try:
        parsed = parse_mail(raw)
    except Malformed as exc:
        return mail_keep(raw=raw, headers=raw, size=size, reason=f"malformed: {exc}")
    return mail_take_parsed(parsed=parsed, size=size, raw=lambda: raw)


def mail_take_parsed(*, parsed: ParsedMail, size: int, raw: Callable[[], bytes]) -> Taken:
    """Take one mail already read (parse.py); `raw()` gives the whole mail, called only when
    its raw copy is stored (the triage inbox): a mail read part by part (imap.py) is then
    fetched whole."""
    known = _known(parsed.key)
    if known is not None:
        return Taken(known, keep_on_server=known.outcome == Outcome.KEPT)
    base = _base(parsed, size)
    if parsed.automatic:
        base.outcome, base.reason = Outcome.IGNORED, parsed.automatic
        return Taken(_record(base), keep_on_server=False)
    reporter = resident_for_email(email=parsed.sender)
    base.reporter = reporter
    reference = reference_in(parsed)
    if reference:
        added = _add_to_report(parsed, base, reporter, reference)
        if added is not None:
            return Taken(added, keep_on_server=False)
    return Taken(_file_or_triage(parsed, base, reporter, raw), keep_on_server=False)


def _add_to_report(
    mail: ParsedMail, base: MailMessage, reporter: User, reference: str
) -> MailMessage | None:
    incident_id = (
        Incident.objects.filter(reference=reference, reporter=reporter)
        .values_list("pk", flat=True)
        .first()
    )
    if incident_id is None:  # not theirs, or no such report: a new mail like any other
        return None
    text = without_quote(mail.text) or mail.subject
    if mail.photos:
        text += "\n" + _("(kèm %(n)s ảnh trong thư gốc)") % {"n": len(mail.photos)}
    with transaction.atomic():
        incident_add_from_reporter(
            reporter=reporter,
            incident_id=incident_id,
            text=text,
            channel=Channel.EMAIL,
            source_key=mail.key,
        )
        base.outcome, base.incident_id = Outcome.ADDED, incident_id
        return _record(base)


def _file_or_triage(
    mail: ParsedMail, base: MailMessage, reporter: User, raw: Callable[[], bytes]
) -> MailMessage:
    text = f"{mail.subject}\n{mail.text}"
    category = category_for(text)
    location = point_in_text(text)
    description = _description(mail, mail.text)
    if category is None:
        return _triage(mail, base, reporter, raw, description, "no_category", location)
    try:
        result = incident_submit(
            reporter=reporter,
            category=category,
            description=description,
            location=location,
            photos=[io.BytesIO(p.data) for p in mail.photos],
            idempotency_key=mail.key,
            channel=Channel.EMAIL,
            intake={ORIGINAL_MESSAGE_ID: mail.message_id, ORIGINAL_SUBJECT: mail.subject[:200]},
        )
    except StorageUnavailable:  # the store, not the report: the job runs again
        raise
    except DomainError as exc:  # no place, outside the city, a photo refused, a reused id
        return _triage(mail, base, reporter, raw, description, exc.code, location, category)
    base.outcome, base.incident = Outcome.FILED, result.incident
    return _record(base)


def _triage(
    mail: ParsedMail,
    base: MailMessage,
    reporter: User,
    raw: Callable[[], bytes],
    description: str,
    reason: str,
    location: Point | None = None,
    category: Category | None = None,
) -> MailMessage:
    area = area_in_text(f"{mail.subject}\n{mail.text}") if location is None else None
    base.raw.save(f"{_file_name(mail.key)}.eml", ContentFile(raw()), save=False)
    try:
        with transaction.atomic():
            item, _created = inbox_add(
                reporter=reporter,
                channel=Channel.EMAIL,
                description=description or _("(thư không có nội dung)"),
                location=location if location is not None else (area.point if area else None),
                category=category,
                address=area.name if area else "",
                source_key=mail.key,
            )
            base.outcome, base.reason, base.inbox_item = Outcome.INBOX, reason[:200], item
            base.reply_status = ReplyStatus.PENDING
            recorded = _record(base)
    except BaseException:
        base.raw.delete(save=False)
        raise
    if recorded.raw.name != base.raw.name:  # a parallel poll recorded it first
        base.raw.delete(save=False)
    return recorded


def _file_name(key: str) -> str:
    return source_key("", key.encode())[len("sha256:") :][:32]


def mail_keep(*, raw: bytes, headers: bytes, size: int, reason: str) -> Taken:
    """Keep a mail for an operator: too big to take (`raw` empty: only its `headers` were read) or
    unreadable. Recorded once, its raw copy stored when there is one, listed in the triage inbox
    when it has a sender, never answered; it stays on the mail server."""
    try:
        parsed: ParsedMail | None = parse_mail(headers + (b"\r\n" if raw else b"\r\n(...)\r\n"))
    except Exception:  # whatever the parser trips on, the mail is kept
        parsed = None
    key = parsed.key if parsed and parsed.message_id else source_key("", raw or headers)
    known = _known(key)
    if known is not None:
        return Taken(known, keep_on_server=True)
    base = MailMessage(
        source_key=key,
        size=size,
        outcome=Outcome.KEPT,
        reason=reason[:200],
        message_id=parsed.message_id[:998] if parsed else "",
        sender=parsed.sender[:254] if parsed else "",
        subject=parsed.subject[:500] if parsed else "",
    )
    if raw:
        base.raw.save(f"{_file_name(key)}.eml", ContentFile(raw), save=False)
    with transaction.atomic():
        if parsed and parsed.sender and not parsed.automatic:
            base.reporter = resident_for_email(email=parsed.sender)
            base.inbox_item, _created = inbox_add(
                reporter=base.reporter,
                channel=Channel.EMAIL,
                description=_("Thư không đọc được tự động (%(reason)s): %(subject)s")
                % {"reason": reason[:100], "subject": parsed.subject[:300]},
                flag=_("Xem thư gốc trong hộp thư 1022."),
                source_key=key,
            )
        return Taken(_record(base), keep_on_server=True)
