"""Reading what a mail is about: category words, a place, the report it answers."""

from __future__ import annotations

from typing import Any

import pytest

from backend.mailbox.classify import (
    area_in_text,
    category_for,
    fold,
    point_in_text,
    reference_in,
    without_quote,
)
from backend.mailbox.parse import parse_mail

from .mails import mail

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Đường có ổ gà rất to trước trường", "road-damage"),
        ("duong co o ga rat to", "road-damage"),  # typed without diacritics
        ("Karaoke ồn ào đến nửa đêm", "noise"),
        ("Nhà bên cạnh xây dựng không phép", "illegal-construction"),
        ("Kẹt xe kéo dài ở vòng xoay", "traffic-congestion"),
        ("Xin hỏi về thủ tục hành chính cấp giấy phép", "administrative"),
        ("Gửi #trees để kiểm tra", "trees"),
        ("Xin chào, tôi có góp ý", None),
        ("Rác và tiếng ồn", None),  # a tie: an operator decides
    ],
)
def test_category_from_words(text: str, code: str | None) -> None:
    found = category_for(text)
    assert (found.code if found else None) == code


def test_fold_drops_diacritics_and_d_stroke() -> None:
    assert fold("Đường Nguyễn Huệ, Q.1!") == "duong nguyen hue q.1"


def test_point_from_coordinates_or_map_link() -> None:
    p = point_in_text("Vị trí: https://maps.google.com/?q=10.7769,106.7009 ạ")
    assert p is not None and (p.x, p.y) == (106.7009, 10.7769)
    assert point_in_text("Số nhà 12, 3.5 mét") is None
    assert point_in_text("toạ độ 95.1234, 106.7009") is None  # no latitude of 95


def test_ward_named_in_text() -> None:
    area = area_in_text("Sự việc ở phuong Ben Thanh, gần chợ")
    assert area is not None and area.name == "Phường Bến Thành"
    assert area_in_text("Không nói ở đâu") is None


def test_reference_from_our_ids_first_then_subject(settings: Any) -> None:
    settings.MAIL_MESSAGE_ID_DOMAIN = "1022.test"
    ours = mail(
        "Re: về 1022-2026-000001",
        headers={"In-Reply-To": "<1022-2026-000777.e12@1022.test>"},
    )
    assert reference_in(parse_mail(ours.as_bytes())) == "1022-2026-000777"
    forged = mail("hi", headers={"In-Reply-To": "<1022-2026-000777.e12@elsewhere.example>"})
    assert reference_in(parse_mail(forged.as_bytes())) is None
    subject = mail("Re: [1022] Phản ánh 1022-2026-000123")
    assert reference_in(parse_mail(subject.as_bytes())) == "1022-2026-000123"


def test_quoted_reply_is_dropped() -> None:
    text = "Mới thêm.\nDòng hai.\n\nVào Th 2, 1 thg 12, 2026 lúc 10:00 1022 đã viết:\n> cũ\n> cũ"
    assert without_quote(text) == "Mới thêm.\nDòng hai."
    assert without_quote("Trả lời\n> trích\nsau") == "Trả lời\nsau"
