"""Vietnamese mail in every common encoding, delivered over IMAP, read the same."""

from __future__ import annotations

import pytest
from imapclient import IMAPClient

from backend.contact.models import InboxItem
from backend.incidents.models import Incident
from backend.mailbox.imap import mailbox_poll
from backend.mailbox.models import MailMessage

from .mails import deliver, gps_photo, legacy_mail, mail

pytestmark = pytest.mark.django_db

SUBJECT = "Ngập nước đường Lê Lợi"
TEXT = "Đường ngập sâu 30 cm sau cơn mưa, xe máy chết máy hàng loạt. Tọa độ 10.7769, 106.7009"


@pytest.mark.parametrize(
    ("charset", "transfer"),
    [
        ("utf-8", "quoted-printable"),
        ("utf-8", "base64"),
        ("windows-1258", "quoted-printable"),
        ("windows-1258", "base64"),
    ],
)
def test_charsets_and_transfer_encodings_read_the_same(
    imap: IMAPClient, charset: str, transfer: str
) -> None:
    raw = legacy_mail(SUBJECT, TEXT, charset, transfer)
    assert SUBJECT.encode() not in raw and b"=?" in raw  # really encoded on the wire
    deliver(imap, raw)

    assert mailbox_poll().taken == 1

    incident = Incident.objects.get()
    assert incident.description == f"{SUBJECT}\n\n{TEXT}"  # NFC, whatever the source
    assert incident.category.code == "flooding"
    assert (round(incident.location.x, 4), round(incident.location.y, 4)) == (106.7009, 10.7769)


def test_html_only_mail_is_converted_to_text(imap: IMAPClient) -> None:
    html = (
        "<html><head><style>p{color:red}</style></head><body><p>Đèn đường&nbsp;không sáng "
        "<b>ba đêm</b> liền.</p><div>Hẻm 45 &amp; 47</div><script>x()</script></body></html>"
    )
    deliver(imap, mail("Đèn chiếu sáng hỏng", None, html=html, photos=[gps_photo()]))

    mailbox_poll()

    incident = Incident.objects.get()
    assert incident.category.code == "street-lighting"
    assert incident.description == (
        "Đèn chiếu sáng hỏng\n\nĐèn đường không sáng ba đêm liền.\n\nHẻm 45 & 47"
    )


def test_plain_part_wins_over_html_alternative(imap: IMAPClient) -> None:
    deliver(imap, mail("Tiếng ồn", "Karaoke đến 2 giờ sáng.", html="<p>HTML copy</p>"))

    mailbox_poll()

    item = InboxItem.objects.get()  # no place: waits for an operator
    assert item.description == "Tiếng ồn\n\nKaraoke đến 2 giờ sáng."
    assert item.category is not None and item.category.code == "noise"
    assert MailMessage.objects.get().reason == "location_required"
