"""Real MIME, built with the `email` package the way mail programs write it, and delivered into
the test mailbox with IMAP APPEND."""

from __future__ import annotations

import itertools
from email import charset as email_charset
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, make_msgid

from django.utils import timezone
from imapclient import IMAPClient

from tests.mobile_api.images import exif_with, jpeg_bytes

_seq = itertools.count(1)
CITY_BOX = "1022@tphcm.gov.vn"


def mail(
    subject: str = "Rác thải tồn đọng",
    text: str | None = "Rác thải đổ trước nhà số 12 đã ba ngày chưa ai dọn.",
    *,
    sender: str = "Nguyễn Văn An <an.nguyen@example.vn>",
    html: str | None = None,
    photos: list[bytes] = (),  # type: ignore[assignment]
    headers: dict[str, str] | None = None,
    message_id: str | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = CITY_BOX
    msg["Subject"] = subject
    msg["Date"] = format_datetime(timezone.now())
    msg["Message-ID"] = message_id or make_msgid(f"t{next(_seq)}", domain="example.vn")
    for name, value in (headers or {}).items():
        msg[name] = value
    if text is not None:
        msg.set_content(text)
        if html is not None:
            msg.add_alternative(html, subtype="html")
    elif html is not None:
        msg.set_content(html, subtype="html")
    for n, data in enumerate(photos, 1):
        msg.add_attachment(data, maintype="image", subtype="jpeg", filename=f"anh-{n}.jpg")
    return msg


def legacy_mail(subject: str, text: str, charset: str, transfer: str) -> bytes:
    """A text mail in `charset` with `transfer` (quoted-printable or base64) body and an
    encoded-word subject in the same charset, as older Vietnamese mail programs send."""
    cs = email_charset.Charset(charset)
    cs.header_encoding = email_charset.BASE64
    cs.body_encoding = email_charset.QP if transfer == "quoted-printable" else email_charset.BASE64
    body = MIMEText(text, "plain", cs)  # type: ignore[arg-type]
    outer = MIMEMultipart("mixed")
    outer.attach(body)
    from email.header import Header

    outer["Subject"] = Header(subject, cs)
    outer["From"] = "Tran Thi Binh <binh@example.vn>"
    outer["To"] = CITY_BOX
    outer["Message-ID"] = make_msgid(f"legacy{next(_seq)}", domain="example.vn")
    return outer.as_bytes()


def gps_photo(size: tuple[int, int] = (800, 600)) -> bytes:
    return jpeg_bytes(size=size, exif=exif_with())


def deliver(imap: IMAPClient, message: EmailMessage | bytes, folder: str = "INBOX") -> None:
    raw = message if isinstance(message, bytes) else message.as_bytes()
    imap.append(folder, raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


def folder_uids(imap: IMAPClient, folder: str) -> list[int]:
    imap.select_folder(folder, readonly=True)
    return list(imap.search())
