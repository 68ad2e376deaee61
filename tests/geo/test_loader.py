import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from geo.loaders import BoundaryFileError, load_boundaries
from geo.models import AdminArea, AreaPiece, BoundarySet

from .wards import WARDS_FILE

pytestmark = pytest.mark.django_db

SQUARE = [[[106.0, 10.0], [106.1, 10.0], [106.1, 10.1], [106.0, 10.1], [106.0, 10.0]]]
BOWTIE = [[[106.2, 10.0], [106.3, 10.1], [106.3, 10.0], [106.2, 10.1], [106.2, 10.0]]]


def feature(code: str, coords: object, kind: str = "Polygon") -> dict[str, object]:
    return {
        "type": "Feature",
        "properties": {
            "code": code,
            "name": f"Phường {code}",
            "level": "ward",
            "province_code": "99",
            "province_name": "Tỉnh Thử",
        },
        "geometry": {"type": kind, "coordinates": coords},
    }


def write(tmp_path: Path, *features: dict[str, object]) -> Path:
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}))
    return path


def load(path: Path, **kw: object) -> object:
    return load_boundaries(path, slug="test-set", name="Test", valid_from=dt.date(2030, 1, 1), **kw)  # type: ignore[arg-type]


def snapshot() -> list[tuple[object, ...]]:
    return list(
        AdminArea.objects.filter(boundary_set__slug="test-set")
        .order_by("code")
        .values_list("id", "code", "name", "parent_id", "geom")
    )


def test_loading_twice_gives_the_same_rows(tmp_path: Path) -> None:
    path = write(tmp_path, feature("001", SQUARE), feature("002", BOWTIE))
    first = load(path)
    before = snapshot()
    second = load(path, force=True)
    assert (first.created, second.created, second.unchanged) == (2, 0, 2)  # type: ignore[attr-defined]
    assert snapshot() == before
    assert AreaPiece.objects.filter(boundary_set__slug="test-set").count() >= 2


def test_unchanged_file_is_skipped_without_reading(tmp_path: Path) -> None:
    path = write(tmp_path, feature("001", SQUARE))
    load(path)
    assert load(path).skipped  # type: ignore[attr-defined]


def test_invalid_geometry_is_repaired_into_a_multipolygon(tmp_path: Path) -> None:
    report = load(write(tmp_path, feature("002", BOWTIE)))
    assert report.repaired == ["002"]  # type: ignore[attr-defined]
    area = AdminArea.objects.get(boundary_set__slug="test-set", code="002")
    assert area.geom.valid and area.geom.geom_type == "MultiPolygon" and len(area.geom) == 2


def test_broken_file_loads_nothing_and_says_why(tmp_path: Path) -> None:
    line = [[106.0, 10.0], [106.1, 10.1]]
    path = write(
        tmp_path,
        feature("001", SQUARE),
        feature("003", line, kind="LineString"),
        feature("", SQUARE),
    )
    with pytest.raises(BoundaryFileError) as err:
        load(path)
    assert "003" in str(err.value) and "empty code" in str(err.value)
    assert not BoundarySet.objects.filter(slug="test-set").exists()
    assert not AdminArea.objects.filter(code="001").exists()


def test_not_a_geo_file_is_a_command_error(tmp_path: Path) -> None:
    path = tmp_path / "wards.geojson"
    path.write_text("this is not json")
    with pytest.raises(CommandError, match="nothing loaded"):
        call_command(
            "load_boundaries", str(path), "--set", "x", "--name", "x", "--valid-from", "2030-01-01"
        )


@pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="gdal-bin not installed")
def test_shapefile_loads_like_geojson(tmp_path: Path) -> None:
    shp = tmp_path / "bd.shp"
    subprocess.run(
        [
            "ogr2ogr",
            "-f",
            "ESRI Shapefile",
            "-lco",
            "ENCODING=UTF-8",
            str(shp),
            str(WARDS_FILE.parent / "hcmc_wards.geojson"),
            "-where",
            "former_province_code = '74'",
        ],
        check=True,
        capture_output=True,
    )
    report = load(shp)
    assert report.created == 36  # type: ignore[attr-defined]
    area = AdminArea.objects.get(boundary_set__slug="test-set", name="Phường Thủ Dầu Một")
    assert area.parent is not None and area.parent.name == "Thành phố Hồ Chí Minh"
