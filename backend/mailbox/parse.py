"""A raw mail (RFC 5322 bytes) → what the intake needs: sender, subject, text, photos, thread.

- Decoding is the standard library's (`email`, policy `default`): encoded-word subjects, quoted-
  printable and base64 bodies, any charset Python knows (UTF-8, windows-1258, VISCII is not
  common enough to matter). Text is NFC-normalised: windows-1258 writes tones as combining marks,
  so "Hư hỏng" decoded from it and from UTF-8 compare equal afterwards.
- The text is the text/plain body, else the HTML body converted to text (`html_text`).
- Photos are the image/* parts (attachments or inline), at most `MAX_PHOTOS`, in order.
- A mail read part by part (parts.py: its photos fetched and decoded on their own) is read by
  `parse_light` the same way; the photos' bodies come from there instead of from the parser.
- `automatic` names why a mail must never be answered nor filed (RFC 3834 Auto-Submitted,
  Precedence bulk/junk/list, List-Id, a null or mailer-daemon sender, a delivery report, the
  vendor autoreply headers, our own address as sender): the mail-loop guard.
- A mail that cannot be read as a mail from someone raises `Malformed`.
"""

from __future__ import annotations

import binascii
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

from django.conf import settings

from backend.incidents.services.submit import MAX_PHOTOS

from .html_text import html_to_text
from .parts import LightMail, PartsUnusable

KEY_MAX = 128  # Incident.idempotency_key, InboxItem.source_key
AUTOMATIC_PRECEDENCE = ("bulk", "junk", "list", "auto_reply")
DAEMON = re.compile(r"^(mailer-daemon|postmaster|no-?reply|bounces?)@", re.IGNORECASE)


class Malformed(ValueError):
    """Not a mail we can take: kept for an operator."""


@dataclass(frozen=True)
class Photo:
    filename: str
    content_type: str
    data: bytes


@dataclass
class ParsedMail:
    key: str  # the Message-ID, or a digest of the mail when it has none (or a too long one)
    message_id: str
    sender: str  # the address, lower case
    sender_name: str
    subject: str
    text: str
    in_reply_to: str
    references: str
    automatic: str = ""  # why it must not be answered, "" for a person's mail
    photos: list[Photo] = field(default_factory=list)
    photos_left_out: int = 0


def source_key(message_id: str, raw: bytes) -> str:
    if message_id and len(message_id) <= KEY_MAX:
        return message_id
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
    except (ValueError, LookupError, IndexError) as exc:  # header the parser cannot decode
        raise Malformed(f"bad {name} header: {exc}") from exc
    return nfc(str(value)).strip() if value is not None else ""


def automatic_reason(msg: Message, sender: str) -> str:
    """Why `msg` was sent by a machine (never answer it, never file it), or ""."""
    auto = _header(msg, "Auto-Submitted").lower()
    if auto and auto != "no":
        return "auto_submitted"
    if _header(msg, "Precedence").lower() in AUTOMATIC_PRECEDENCE:
        return "precedence"
    if msg.get("List-Id") is not None or msg.get("List-Unsubscribe") is not None:
        return "mailing_list"
    if msg.get("X-Autoreply") is not None or msg.get("X-Autorespond") is not None:
        return "auto_reply"
    if _header(msg, "Return-Path") == "<>" or not sender or DAEMON.match(sender):
        return "null_sender"
    if msg.get_content_type() == "multipart/report":
        return "delivery_report"
    if sender == parseaddr(settings.MAILBOX_ADDRESS)[1].lower():
        return "own_address"
    return ""


def _decoded(part: Message) -> str:
    if not isinstance(part, EmailMessage):  # the default policy gives only these
        raise ValueError("not a MIME part of the default policy")
    try:
        content = part.get_content()
    except LookupError:  # an unknown charset: read it as Latin-1 rather than lose the mail
        payload = part.get_payload(decode=True)
        content = payload.decode("latin-1") if isinstance(payload, bytes) else str(payload)
    return nfc(content if isinstance(content, str) else content.decode("utf-8", "replace"))


def body_text(msg: EmailMessage) -> str:
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    text = _decoded(body)
    if body.get_content_type() == "text/html":
        text = html_to_text(text)
    return text.replace("\r\n", "\n").strip()


def _attachment_bytes(part: Message) -> bytes:
    """The decoded bytes of a part. Base64 (how photos travel) is decoded straight from the
    payload: `get_payload(decode=True)` first scans the whole text for undecodable bytes, which
    costs twice the decoding itself on a 4 MB photo."""
    payload = part.get_payload()
    if part.get("Content-Transfer-Encoding", "").strip().lower() == "base64" and isinstance(
        payload, str
    ):
        try:
            return binascii.a2b_base64(payload.encode("ascii"))
        except (UnicodeEncodeError, binascii.Error):
            pass  # not clean base64: the lenient path below
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _photos(msg: EmailMessage, light: LightMail | None) -> tuple[list[Photo], int]:
    photos: list[Photo] = []
    left_out = 0
    rank = 0
    for part in msg.walk():
        if part.get_content_maintype() != "image" or part.is_multipart():
            continue
        if light is not None and rank in light.photos:
            if part.get_payload():  # the parser and the server do not see the same parts
                raise PartsUnusable(f"image part {rank} has a body")
            data = light.photos[rank]
        else:
            data = _attachment_bytes(part)
        rank += 1
        if not data:
            continue
        if len(photos) >= MAX_PHOTOS:
            left_out += 1
            continue
        photos.append(Photo(part.get_filename() or "photo", part.get_content_type(), data))
    if light is not None and rank != light.images:
        raise PartsUnusable(f"{rank} image parts, the server counts {light.images}")
    return photos, left_out


def parse_mail(raw: bytes) -> ParsedMail:
    """Read `raw` (see the module docstring); `Malformed` if it is not a readable mail."""
    return _parse(raw, None)


def parse_light(light: LightMail) -> ParsedMail:
    """Read a mail fetched part by part (parts.py); `Malformed` as `parse_mail`, `PartsUnusable`
    when the parts do not add up or the key would need the whole mail (no usable Message-ID):
    then read the whole mail with `parse_mail`."""
    parsed = _parse(light.raw, light)
    if parsed.key != parsed.message_id:
        raise PartsUnusable("no usable Message-ID: the key is a digest of the whole mail")
    return parsed


def _parse(raw: bytes, light: LightMail | None) -> ParsedMail:
    if not raw.strip():
        raise Malformed("empty")
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # the parser is lenient; this is a last resort
        raise Malformed(f"unparsable: {exc}") from exc
    if not isinstance(msg, EmailMessage) or not msg.keys():
        raise Malformed("no headers")
    message_id = _header(msg, "Message-ID")
    senders = getaddresses([_header(msg, "From")])
    name, sender = senders[0] if senders else ("", "")
    sender = sender.strip().lower()
    if sender and "@" not in sender:
        sender = ""
    try:
        text = body_text(msg)
        photos, left_out = _photos(msg, light)
    except (ValueError, LookupError, UnicodeError) as exc:
        raise Malformed(f"unreadable body: {exc}") from exc
    parsed = ParsedMail(
        key=source_key(message_id, raw),
        message_id=message_id,
        sender=sender,
        sender_name=nfc(name),
        subject=_header(msg, "Subject"),
        text=text,
        in_reply_to=_header(msg, "In-Reply-To"),
        references=_header(msg, "References"),
        photos=photos,
        photos_left_out=left_out,
    )
    parsed.automatic = automatic_reason(msg, sender)
    if not parsed.automatic and not parsed.subject and not parsed.text and not parsed.photos:
        raise Malformed("nothing to read")
    return parsed
