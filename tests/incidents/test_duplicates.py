"""'Already reported?' and duplicate candidates: the selectors, the photo hash, demand, merging."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from backend.common.errors import DomainError
from backend.incidents.models import Incident, Status
from backend.incidents.photos import clean_photo, dhash, hamming
from backend.incidents.selectors.duplicates import duplicate_candidates, similar_open
from backend.notifications.deliveries import recipients_of
from backend.notifications.demand import demand_of, report_merge
from backend.notifications.models import Follow
from backend.notifications.services import report_follow
from backend.units.models import Category, Role
from tests.incidents.factories import SAIGON, make_incident, make_staff, make_user, ward_unit

pytestmark = pytest.mark.django_db
METRE = 1 / 111_320  # a metre of latitude in degrees


def scene(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A picture with structure (shapes at places chosen by `seed`)."""
    im = Image.new("RGB", size, (120, 120, 120))
    draw = ImageDraw.Draw(im)
    for i in range(6):
        x = (seed * 97 + i * 131) % size[0]
        y = (seed * 53 + i * 71) % size[1]
        shade = (seed * 37 + i * 50) % 255
        draw.ellipse((x - 60, y - 40, x + 60, y + 40), fill=(shade, 255 - shade, (shade * 3) % 255))
    return im


def jpeg_of(im: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    im.save(out, "JPEG", quality=quality)
    return out.getvalue()


def moved(incident: Incident, metres_north: float) -> Point:
    return Point(incident.location.x, incident.location.y + metres_north * METRE, srid=4326)


# ---- the photo hash ----


def test_the_same_scene_resized_and_re_encoded_hashes_alike_another_scene_does_not() -> None:
    first = dhash(scene(1))
    again = dhash(Image.open(io.BytesIO(jpeg_of(scene(1).resize((320, 240)), quality=40))))
    other = dhash(scene(7))
    assert hamming(first, again) <= 6
    assert hamming(first, other) >= 16
    assert -(2**63) <= first < 2**63  # fits a PostgreSQL bigint


def test_cleaning_a_photo_computes_its_hash_from_the_clean_copy() -> None:
    upload = SimpleUploadedFile("p.jpg", jpeg_of(scene(3)), content_type="image/jpeg")
    clean = clean_photo(upload)
    assert clean.dhash is not None
    assert hamming(clean.dhash, dhash(scene(3))) <= 6


# ---- "already reported?" ----


@pytest.fixture
def road() -> Category:
    return Category.objects.get(code="road-damage")  # 100 m, 30 days (fixtures/categories.json)


def test_similar_open_finds_open_public_reports_of_the_category_within_radius_and_window(
    road: Category,
) -> None:
    near = make_incident(category="road-damage", status=Status.IN_PROGRESS)
    point = moved(near, 60)  # 60 m north of it
    make_incident(category="rubbish")  # another category, same place
    make_incident(category="road-damage", status=Status.RESOLVED)  # no longer open
    make_incident(category="road-damage", is_public=False)  # not shown publicly
    old = make_incident(category="road-damage")
    Incident.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    far = make_incident(category="road-damage")
    Incident.objects.filter(pk=far.pk).update(location=moved(near, 170))  # 110 m from `point`

    found = similar_open(point=point, category=road)

    assert [i.id for i in found] == [near.pk]
    assert 55 <= found[0].distance_m <= 65 and found[0].reference == near.reference


def test_similar_open_is_nearest_first_and_follows_the_category_settings(road: Category) -> None:
    a = make_incident(category="road-damage")
    b = make_incident(category="road-damage")
    Incident.objects.filter(pk=b.pk).update(location=moved(a, 30))
    point = moved(a, 25)
    assert [i.id for i in similar_open(point=point, category=road)] == [b.pk, a.pk]
    road.duplicate_radius_m = 10
    assert [i.id for i in similar_open(point=point, category=road)] == [b.pk]
    road.duplicate_window_days = 1
    later = timezone.now() + dt.timedelta(days=2)
    assert similar_open(point=point, category=road, now=later) == []


# ---- staff candidates ----


def test_candidates_rank_the_same_text_in_the_same_category_first() -> None:
    text = "Ổ gà rất lớn giữa đường Lê Lợi trước số 40"
    mine = make_incident(category="road-damage", description=text)
    same = make_incident(category="road-damage", description=text + ", nguy hiểm")
    Incident.objects.filter(pk=same.pk).update(location=moved(mine, 40))
    other = make_incident(category="street-lighting", description="Đèn đường không sáng")
    Incident.objects.filter(pk=other.pk).update(location=moved(mine, 20))
    unrelated = make_incident(category="noise", description="Karaoke ồn ào lúc nửa đêm")
    Incident.objects.filter(pk=unrelated.pk).update(location=moved(mine, 10))
    merged_one = make_incident(category="road-damage", description=text)
    Incident.objects.filter(pk=merged_one.pk).update(status=Status.MERGED)  # never a master

    found = duplicate_candidates(incident=mine, among=Incident.objects.all())

    ids = [c.incident.pk for c in found]
    assert ids[0] == same.pk and mine.pk not in ids and merged_one.pk not in ids
    best = found[0]
    assert best.signals["category"] == 1.0 and (best.signals["text"] or 0) > 0.6
    assert best.signals["photo"] is None  # no photos: weighted out, not counted as 0
    by_id = {c.incident.pk: c for c in found}
    assert by_id[other.pk].signals["category"] == 0.5  # same field (infrastructure)
    assert by_id[unrelated.pk].signals["category"] == 0.0
    assert best.score > by_id[other.pk].score > by_id[unrelated.pk].score
    assert 35 <= best.distance_m <= 45
    # only among the reports given (the staff member's scope)
    scoped = duplicate_candidates(incident=mine, among=Incident.objects.exclude(pk=same.pk))
    assert same.pk not in [c.incident.pk for c in scoped]


# ---- demand and merging ----


def test_demand_counts_reporter_followers_and_merged_reporters_once_each() -> None:
    leader = make_staff(Role.LEADER, ward_unit(SAIGON))
    reporter, fan, both = make_user(), make_user(), make_user()
    master = make_incident(reporter=reporter)
    report_follow(user=fan, incident=master)
    report_follow(user=both, incident=master)
    duplicate = make_incident(reporter=both)  # a follower who also reported it again
    anonymous = make_incident(reporter=None)  # a caller without an account
    assert demand_of([master.pk]) == {master.pk: 3}
    report_merge(actor=leader, incident=duplicate, master=master)
    report_merge(actor=leader, incident=anonymous, master=master)
    assert demand_of([master.pk, duplicate.pk]) == {master.pk: 4, duplicate.pk: 1}
    assert demand_of([]) == {}


def test_merging_makes_the_duplicates_reporter_and_followers_followers_of_the_master() -> None:
    leader = make_staff(Role.LEADER, ward_unit(SAIGON))
    master_reporter, dup_reporter, dup_fan = make_user(), make_user(), make_user()
    master = make_incident(reporter=master_reporter)
    duplicate = make_incident(reporter=dup_reporter)
    report_follow(user=dup_fan, incident=duplicate)

    merged = report_merge(actor=leader, incident=duplicate, master=master, note="trùng")

    assert merged.status == Status.MERGED and merged.merged_into_id == master.pk
    followers = set(Follow.objects.filter(incident=master).values_list("user_id", flat=True))
    assert followers == {dup_reporter.pk, dup_fan.pk}  # not the master's own reporter
    assert {dup_reporter.pk, dup_fan.pk, master_reporter.pk} <= set(recipients_of(master))


def test_a_refused_merge_adds_no_follower() -> None:
    leader = make_staff(Role.LEADER, ward_unit(SAIGON))
    master = make_incident(reporter=make_user())
    duplicate = make_incident(reporter=make_user())
    with pytest.raises(DomainError):
        report_merge(actor=leader, incident=duplicate, master=duplicate)
    assert not Follow.objects.exists()
    duplicate.refresh_from_db()
    assert duplicate.status == Status.NEW and master is not None
