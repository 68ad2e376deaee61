import datetime as dt
import json
import random

import pytest
from shapely import unary_union
from shapely.geometry import Polygon, shape

from geo.locate import locate, locate_many
from geo.points import InvalidCoordinates

from .wards import WARDS_FILE, covering_codes, wards

pytestmark = pytest.mark.django_db

SAI_GON = (106.7009, 10.7769)


def test_known_point_is_phuong_sai_gon_in_the_city() -> None:
    area = locate(*SAI_GON)
    assert area is not None
    assert (area.code, area.name, area.level) == ("26740", "Phường Sài Gòn", "ward")
    assert area.parent is not None and area.parent.code == "79"
    assert area.full_name == "Phường Sài Gòn, Thành phố Hồ Chí Minh"
    assert area.former_district == "Quận 1"


def test_every_ward_is_found_at_its_own_interior_point() -> None:
    for code, polygon in wards().items():
        point = polygon.representative_point()
        expected = covering_codes(point.x, point.y)[0]
        area = locate(point.x, point.y)
        assert area is not None and area.code == expected, code


@pytest.mark.parametrize(
    ("name", "code_prefix"),
    [("Đặc khu Côn Đảo", "26732"), ("Xã Cần Giờ", None), ("Xã Dầu Tiếng", None)],
)
def test_far_corners_of_the_merged_city(name: str, code_prefix: str | None) -> None:

    features = json.loads(WARDS_FILE.read_text(encoding="utf-8"))["features"]
    feature = next(f for f in features if f["properties"]["name"] == name)

    point = shape(feature["geometry"]).representative_point()
    area = locate(point.x, point.y)
    assert area is not None and area.name == name
    if code_prefix:
        assert area.code == code_prefix


def test_agrees_with_shapely_on_thousands_of_random_points() -> None:
    rng = random.Random(1022)
    minx, miny, maxx, maxy = unary_union(list(wards().values())).bounds
    points = [(rng.uniform(minx, maxx), rng.uniform(miny, maxy)) for _ in range(3000)]
    # and points near Sài Gòn, where wards are small and borders dense
    points += [(rng.uniform(106.60, 106.80), rng.uniform(10.70, 10.85)) for _ in range(2000)]
    inside = 0
    for lon, lat in points:
        expected = covering_codes(lon, lat)
        area = locate(lon, lat)
        if expected:
            inside += 1
            assert area is not None and area.code == expected[0], (lon, lat, expected)
        else:
            assert area is None, (lon, lat)
    assert inside > 2000  # the sample really exercised the wards


def test_locate_many_answers_as_locate_does_in_the_order_asked() -> None:
    rng = random.Random(22)
    points = [(rng.uniform(106.60, 106.80), rng.uniform(10.70, 10.85)) for _ in range(300)]
    points += [(107.3, 10.1), (105.0, 10.0)]  # the sea, another province
    many = locate_many(points)
    one_by_one = [locate(lon, lat) for lon, lat in points]
    assert [a.code if a else None for a in many] == [a.code if a else None for a in one_by_one]
    assert many[-2:] == [None, None] and sum(a is not None for a in many) > 250
    assert locate_many([]) == []


def test_point_on_a_shared_border_is_matched_deterministically() -> None:
    a, b = wards()["26740"], wards()["26743"]  # Sài Gòn and its neighbour Bến Thành
    border = a.boundary.intersection(b.boundary)
    assert not border.is_empty
    vertex = next(iter(getattr(border, "geoms", [border]))).coords[0]
    expected = covering_codes(*vertex)
    assert len(expected) >= 2
    results = {locate(*vertex).code for _ in range(5)}  # type: ignore[union-attr]
    assert results == {expected[0]}


def test_overlap_sliver_goes_to_the_smaller_code() -> None:
    overlap = wards()["25951"].intersection(wards()["26833"])
    assert overlap.area > 0
    point = overlap.representative_point()
    area = locate(point.x, point.y)
    assert area is not None and area.code == "25951"


def test_sliver_gap_between_wards_is_outside_the_service_area() -> None:
    union = unary_union(list(wards().values()))
    holes = [Polygon(ring) for poly in getattr(union, "geoms", [union]) for ring in poly.interiors]
    gap = next(
        h
        for h in sorted(holes, key=lambda h: -h.area)
        if not covering_codes(*h.representative_point().coords[0])
    )
    point = gap.representative_point()
    assert locate(point.x, point.y) is None


@pytest.mark.parametrize(("lon", "lat"), [(107.3, 10.1), (105.0, 10.0), (108.2, 16.05)])
def test_sea_and_other_provinces_are_outside(lon: float, lat: float) -> None:
    assert locate(lon, lat) is None


def test_swapped_lon_lat_is_rejected_not_guessed() -> None:
    lon, lat = SAI_GON
    with pytest.raises(InvalidCoordinates) as err:
        locate(lat, lon)
    assert err.value.code == "lat_out_of_range"


def test_before_the_boundary_set_took_effect_nothing_is_in_force() -> None:
    assert locate(*SAI_GON, at=dt.date(2025, 6, 30)) is None
    assert locate(*SAI_GON, at=dt.date(2025, 7, 1)) is not None
