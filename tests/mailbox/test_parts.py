"""A mail read part by part (its photos fetched on their own, BODY.PEEK[n]) reads exactly as the
whole mail, over the real server; when the parts cannot stand for the mail, the whole mail is
read instead (a forwarded mail, no Message-ID, base64 that is not clean, parts that disagree)."""

from __future__ import annotations

import base64
import quopri
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest
from imapclient import IMAPClient

from backend.contact.models import InboxItem
from backend.incidents.models import Incident, LocationSource
from backend.mailbox.imap import mailbox_poll
from backend.mailbox.models import MailMessage, Outcome
from backend.mailbox.parse import parse_light, parse_mail, source_key
from backend.mailbox.parts import LightMail, PartsUnusable, Plan, light_mail, plan

from .mails import CITY_BOX, deliver, folder_uids, gps_photo, mail, noisy_photo, windows_1258

pytestmark = pytest.mark.django_db


def _server_view(imap: IMAPClient) -> tuple[bytes, Plan | None, LightMail | None]:
    """The one mail of INBOX: whole, its plan, and its light copy fetched from the server."""
    (uid,) = folder_uids(imap, "INBOX")
    info = imap.fetch([uid], ["BODY.PEEK[]", "BODYSTRUCTURE"])[uid]
    mail_plan = plan(info[b"BODYSTRUCTURE"])
    if mail_plan is None:
        return info[b"BODY[]"], None, None
    parts = imap.fetch([uid], list(mail_plan.items))[uid]
    return info[b"BODY[]"], mail_plan, light_mail(mail_plan, parts)


def _legacy_with_photo(photo: bytes) -> bytes:
    """Windows-1258 quoted-printable text, a base64 encoded-word subject, a JPEG attachment."""
    subject = base64.b64encode(windows_1258("Cây đổ chắn đường")).decode()
    text = quopri.encodestring(windows_1258("Cây xanh ngã đè lên dây điện."))
    return (
        (
            "From: =?utf-8?B?VHLhuqduIFRo4buLIELDrG5o?= <binh@example.vn>\r\n"
            f"To: {CITY_BOX}\r\nSubject: =?windows-1258?B?{subject}?=\r\n"
            f"Message-ID: {make_msgid('legacy-photo', domain='example.vn')}\r\n"
            "In-Reply-To: <ack.1@1022.test>\r\n"
            "References: <orig.1@example.vn> <ack.1@1022.test>\r\n"
            'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="=_b1"\r\n\r\n'
            "preamble nobody reads\r\n--=_b1\r\n"
            'Content-Type: text/plain; charset="windows-1258"\r\n'
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        ).encode()
        + text
        + (
            b'\r\n--=_b1\r\nContent-Type: image/jpeg; name="a.jpg"\r\n'
            b"Content-Transfer-Encoding: base64\r\nContent-Disposition: inline\r\n\r\n"
            + base64.encodebytes(photo).replace(b"\n", b"\r\n")
            + b"--=_b1--\r\nepilogue\r\n"
        )
    )


def _nested_with_inline_image() -> EmailMessage:
    """mixed(alternative(plain, related(html, JPEG)), GIF in quoted-printable, JPEG): photos at
    three depths, and an image part that is not base64 (read by the parser as before)."""
    msg = mail("Ổ gà giữa đường", "Ổ gà rất sâu.", html='<p>Ổ gà <img src="cid:o1@x"></p>')
    html = msg.get_body(preferencelist=("html",))
    assert html is not None
    html.add_related(gps_photo(), "image", "jpeg", cid="<o1@x>")
    msg.add_attachment(b"GIF89a\x01\x00=\xff", "image", "gif", cte="quoted-printable")
    msg.add_attachment(gps_photo((640, 480)), "image", "jpeg", filename="ảnh 2.jpg")
    return msg


@pytest.mark.parametrize(
    "make",
    [
        lambda: mail(photos=[gps_photo()]),
        lambda: mail("Đèn hỏng", None, html="<p>Đèn&nbsp;không sáng</p>", photos=[gps_photo()]),
        lambda: mail(photos=[gps_photo(), noisy_photo((400, 300)), gps_photo((320, 240))]),
        lambda: mail(photos=[gps_photo()] * 7),  # more than MAX_PHOTOS: the rest counted
        _nested_with_inline_image,
        lambda: _legacy_with_photo(gps_photo()),
    ],
    ids=["text+photo", "html-only+photo", "three", "seven", "nested", "windows-1258-qp"],
)
def test_parts_read_as_the_whole_mail(
    imap: IMAPClient, make: Callable[[], EmailMessage | bytes]
) -> None:
    deliver(imap, make())

    whole, mail_plan, light = _server_view(imap)

    assert mail_plan is not None and light is not None
    assert len(light.raw) < len(whole) / 10  # the photos' base64 is not in it
    from_parts, from_whole = parse_light(light), parse_mail(whole)
    assert from_parts == from_whole
    assert from_parts.photos
    assert all(p.data.startswith((b"\xff\xd8", b"GIF89a")) for p in from_parts.photos)


def test_photo_fetched_by_part_gives_the_same_report(imap: IMAPClient) -> None:
    photo = gps_photo()
    deliver(imap, _legacy_with_photo(photo))

    assert (mailbox_poll().taken, MailMessage.objects.get().outcome) == (1, Outcome.FILED)

    incident = Incident.objects.get()
    assert incident.location_source == LocationSource.PHOTO  # the EXIF GPS of the part
    assert incident.description.startswith("Cây đổ chắn đường\n\nCây xanh ngã đè lên dây điện.")
    assert incident.photos.count() == 1
    assert folder_uids(imap, "Processed") and not folder_uids(imap, "INBOX")


def test_forwarded_mail_is_read_whole(imap: IMAPClient) -> None:
    inner = mail(photos=[gps_photo()])
    outer = mail("Fwd: Rác thải tồn đọng", "Chuyển tiếp thư của hàng xóm.")
    outer.add_attachment(inner)
    deliver(imap, outer)

    whole, mail_plan, _light = _server_view(imap)

    assert mail_plan is None  # message/rfc822 inside: the parser walks into it
    assert len(parse_mail(whole).photos) == 1


def test_mail_without_message_id_is_keyed_by_the_whole_mail(imap: IMAPClient) -> None:
    msg = mail(photos=[gps_photo()])
    del msg["Message-ID"]
    deliver(imap, msg)
    whole, _plan, light = _server_view(imap)
    assert light is not None
    with pytest.raises(PartsUnusable):
        parse_light(light)

    assert mailbox_poll().taken == 1

    assert MailMessage.objects.get().source_key == source_key("", whole)
    assert Incident.objects.get().idempotency_key == source_key("", whole)


def test_unclean_base64_is_read_whole(imap: IMAPClient) -> None:
    photo = gps_photo()
    photo += b"\0" * (-len(photo) % 3)  # base64 without padding: one more letter is an error
    raw = _legacy_with_photo(photo).replace(b"--=_b1--", b"Q\r\n--=_b1--")
    deliver(imap, raw)
    (uid,) = folder_uids(imap, "INBOX")
    info = imap.fetch([uid], ["BODY.PEEK[]", "BODYSTRUCTURE"])[uid]
    whole, mail_plan = info[b"BODY[]"], plan(info[b"BODYSTRUCTURE"])
    assert mail_plan is not None
    with pytest.raises(PartsUnusable):
        light_mail(mail_plan, imap.fetch([uid], list(mail_plan.items))[uid])

    assert mailbox_poll().taken == 1

    assert len(parse_mail(whole).photos) == 1  # what the stdlib makes of it, as before
    row = MailMessage.objects.get()
    assert (row.outcome, row.reason) == (Outcome.INBOX, "photo_unsupported")
    with row.raw.open("rb") as stored:
        assert stored.read() == whole


def test_parts_that_disagree_with_the_parser_are_refused() -> None:
    whole = mail(photos=[gps_photo()]).as_bytes()
    with pytest.raises(PartsUnusable):  # the image part still has its body
        parse_light(LightMail(raw=whole, photos={0: b"x"}, images=1))
    with pytest.raises(PartsUnusable):  # the server counted another image part
        parse_light(LightMail(raw=whole, photos={}, images=2))


def test_triaged_mail_keeps_the_whole_mail_as_its_raw_copy(imap: IMAPClient) -> None:
    deliver(imap, mail("Xin chào", "Tôi muốn hỏi một việc.", photos=[gps_photo()]))
    whole, _plan, _light = _server_view(imap)

    assert mailbox_poll().taken == 1

    row = MailMessage.objects.get()
    assert (row.outcome, row.reason) == (Outcome.INBOX, "no_category")
    assert InboxItem.objects.count() == 1
    with row.raw.open("rb") as stored:
        assert stored.read() == whole


def test_a_full_photo_store_leaves_the_mail_for_the_next_poll(
    imap: IMAPClient, settings: Any
) -> None:
    """Not the mail's fault: nothing is filed, triaged or moved, and the next poll files it."""
    from tests.incidents.full_disk import FullDiskStorage, full_disk

    deliver(imap, _legacy_with_photo(gps_photo()))
    full_disk(settings, 0)
    with pytest.raises(Exception) as failed:
        mailbox_poll()
    assert "No space left on device" in repr(failed.value.__cause__ or failed.value)
    assert not Incident.objects.exists() and not InboxItem.objects.exists()
    assert folder_uids(imap, "INBOX") and not folder_uids(imap, "Processed")

    FullDiskStorage.free = 10**9  # space was freed
    assert mailbox_poll().taken == 1
    assert MailMessage.objects.get().outcome == Outcome.FILED and Incident.objects.count() == 1
    assert folder_uids(imap, "Processed") and not folder_uids(imap, "INBOX")
