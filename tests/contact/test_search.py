"""Knowledge-base and place search fold case and Vietnamese diacritics on both sides."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.contact.models import KnowledgeArticle, Place
from backend.contact.selectors import article_search, place_search
from backend.incidents.services.changes import incident_change
from tests.incidents.factories import BEN_THANH, make_incident

from .helpers import operator, signed_in

pytestmark = pytest.mark.django_db


def article(question: str, keywords: str = "", **extra: object) -> KnowledgeArticle:
    return KnowledgeArticle.objects.create(
        question=question, answer="…", keywords=keywords, **extra
    )


@pytest.mark.parametrize("query", ["giay khai sinh", "GIẤY KHAI SINH", "khai sinh giấy", "Khai"])
def test_articles_are_found_with_or_without_diacritics(query: str) -> None:
    wanted = article("Làm giấy khai sinh cho con ở đâu?", "hộ tịch")
    article("Đăng ký tạm trú", "cư trú")
    assert [a.pk for a in article_search(query=query)] == [wanted.pk]


def test_d_with_stroke_folds_to_d() -> None:
    wanted = article("Đổ rác đúng giờ", "rác thải")
    assert [a.pk for a in article_search(query="do rac dung gio")] == [wanted.pk]


def test_keywords_are_searched_and_expired_articles_left_out() -> None:
    today = dt.date(2026, 12, 4)
    valid = article("Thủ tục cấp phép", "xây dựng nhà ở", valid_to=today)
    article("Thủ tục cũ", "xây dựng", valid_to=today - dt.timedelta(days=1))
    article("Thủ tục sắp có", "xây dựng", valid_from=today + dt.timedelta(days=1))
    assert [a.pk for a in article_search(query="xay dung", today=today)] == [valid.pk]


def test_a_query_of_symbols_finds_nothing() -> None:
    article("50% phí")
    assert article_search(query="%%% ___") == []


def test_ben_thanh_finds_the_ward_and_addresses_of_earlier_reports() -> None:
    make_incident(BEN_THANH, address="Chợ Bến Thành, cửa Nam")
    places = place_search(query="ben thanh")
    kinds = [(p.kind, p.name) for p in places]
    assert kinds[0][0] == "ward" and "Bến Thành" in kinds[0][1]
    assert ("address", "Chợ Bến Thành, cửa Nam") in kinds
    address = next(p for p in places if p.kind == "address")
    assert address.lon is not None and address.ward_name.endswith("Bến Thành")


def test_search_endpoints_answer_operators() -> None:
    article("Cấp đổi căn cước", "CCCD")
    client = signed_in(operator())
    found = client.get("/api/contact/v1/articles", {"q": "can cuoc"}).json()["results"]
    places = client.get("/api/contact/v1/places", {"q": "Bến Thành"}).json()["results"]
    assert [a["question"] for a in found] == ["Cấp đổi căn cước"]
    assert places[0]["kind"] == "ward"
    assert client.get("/api/contact/v1/articles").status_code == 400


def test_places_are_kept_by_the_database_one_per_address_with_the_newest_point() -> None:
    first = make_incident(BEN_THANH, address="  Chợ Bến Thành, cửa Nam ")
    newest = make_incident(BEN_THANH, address="chợ bến thành, CỬA NAM")
    (place,) = Place.objects.all()
    assert (place.folded, place.uses) == ("cho ben thanh, cua nam", 2)
    assert place.name == "chợ bến thành, CỬA NAM" and place.location == newest.location
    # a report's address corrected (the service path staff use): a new place appears
    incident_change(first, actor=None, fields={"address": "Nhà thờ Đức Bà"})
    assert place_search(query="nha tho duc ba")[0].name == "Nhà thờ Đức Bà"
    assert Place.objects.get(folded="nha tho duc ba").uses == 1
