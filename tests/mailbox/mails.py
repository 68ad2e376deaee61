"""Real MIME, built with the `email` package the way mail programs write it, and delivered into
the test mailbox with IMAP APPEND."""

from __future__ import annotations

import base64
import io
import itertools
import quopri
import random
import unicodedata
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.utils import timezone
from imapclient import IMAPClient
from PIL import Image

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


TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below


def windows_1258(text: str) -> bytes:
    """`text` as windows-1258 writes Vietnamese: the vowel (â, ơ, ư… are single bytes) followed
    by its tone as a combining mark, for the letters the code page has no precomposed byte for."""
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in parts if c in TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
        out += (base + tones).encode("cp1258")
    return bytes(out)


def legacy_mail(subject: str, text: str, charset: str, transfer: str) -> bytes:
    """A text mail in `charset` (utf-8 or windows-1258) with a `transfer`-encoded body
    (quoted-printable or base64) and a base64 encoded-word subject in the same charset, as older
    Vietnamese mail programs send."""
    encode = windows_1258 if charset == "windows-1258" else (lambda t: t.encode(charset))
    body = encode(text)
    payload = (
        quopri.encodestring(body) if transfer == "quoted-printable" else base64.encodebytes(body)
    )
    word = f"=?{charset}?B?{base64.b64encode(encode(subject)).decode()}?="
    head = (
        "From: Tran Thi Binh <binh@example.vn>\r\n"
        f"To: {CITY_BOX}\r\n"
        f"Subject: {word}\r\n"
        f"Message-ID: {make_msgid(f'legacy{next(_seq)}', domain='example.vn')}\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: text/plain; charset="{charset}"\r\n'
        f"Content-Transfer-Encoding: {transfer}\r\n\r\n"
    )
    return head.encode("ascii") + payload


def gps_photo(size: tuple[int, int] = (800, 600)) -> bytes:
    return jpeg_bytes(size=size, exif=exif_with())


def noisy_photo(size: tuple[int, int] = (1600, 1200), seed: int = 1022) -> bytes:
    """A photo that does not compress (noise): ~1.5 bytes a pixel at quality 95, GPS in EXIF."""
    pixels = random.Random(seed).randbytes(size[0] * size[1] * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(
        buffer, "JPEG", quality=95, exif=exif_with().tobytes()
    )
    return buffer.getvalue()


def deliver(imap: IMAPClient, message: EmailMessage | bytes, folder: str = "INBOX") -> None:
    raw = message if isinstance(message, bytes) else message.as_bytes()
    imap.append(folder, raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


def folder_uids(imap: IMAPClient, folder: str) -> list[int]:
    imap.select_folder(folder, readonly=True)
    return list(imap.search())
