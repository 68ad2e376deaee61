"""Load administrative boundaries from GeoJSON or Shapefile (through GDAL).

Every feature is normalised at the edge: SRID 4326, MultiPolygon, repaired when
invalid. The whole file is validated before anything is written, and the write is
one transaction, so a broken file leaves the database as it was. Areas are
upserted by code, so running the loader twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.gis.gdal import DataSource, GDALException
from django.contrib.gis.geos import GeometryCollection, GEOSGeometry, MultiPolygon, Polygon
from django.db import connection, transaction

from .models import ASSIGNABLE_LEVELS, AdminArea, AreaPiece, BoundarySet, Level

PIECE_MAX_VERTICES = 64


class BoundaryFileError(ValueError):
    """The file cannot be loaded; the message lists what is wrong."""


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    repaired: list[str] = field(default_factory=list)
    pieces: int = 0
    skipped: bool = False  # same file as last time: nothing read

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class FeatureData:
    code: str
    level: str
    name: str
    short_name: str
    name_en: str
    name_ascii: str
    parent_code: str
    parent_name: str
    properties: dict[str, Any]
    geom: MultiPolygon
    repaired: bool


def ascii_fold(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def to_multipolygon(geom: GEOSGeometry) -> tuple[MultiPolygon, bool]:
    """SRID 4326 MultiPolygon, repaired with MakeValid when needed; (geometry, was_repaired)."""
    if geom.srid and geom.srid != 4326:
        geom.transform(4326)
    geom.srid = 4326
    repaired = False
    if not geom.valid:
        geom, repaired = geom.make_valid(), True
    polygons: list[Polygon] = []
    for part in _polygon_parts(geom):
        polygons.append(part)
    if not polygons:
        raise BoundaryFileError(f"geometry type {geom.geom_type} has no polygon area")
    return MultiPolygon(polygons, srid=4326), repaired


def _polygon_parts(geom: GEOSGeometry) -> Iterator[Polygon]:
    if isinstance(geom, Polygon):
        if not geom.empty:
            yield geom
    elif isinstance(geom, GeometryCollection):
        for sub in geom:
            yield from _polygon_parts(sub)


def read_features(path: Path, level_override: str | None = None) -> list[FeatureData]:
    """Read and validate every feature; raise BoundaryFileError listing all problems."""
    try:
        layer = DataSource(str(path))[0]
    except (GDALException, IndexError) as exc:
        raise BoundaryFileError(f"{path}: cannot be read as GeoJSON/Shapefile ({exc})") from exc
    fields = set(layer.fields)
    if "code" not in fields or "name" not in fields:
        raise BoundaryFileError(f"{path}: features need 'code' and 'name' properties")
    problems: list[str] = []
    out: list[FeatureData] = []
    seen: set[str] = set()
    for index, feature in enumerate(layer):
        props = _full_names({name: feature.get(name) for name in layer.fields})
        code = str(props.get("code") or "").strip()
        label = f"feature #{index} (code {code or '?'})"
        if not code:
            problems.append(f"{label}: empty code")
            continue
        if code in seen:
            problems.append(f"{label}: duplicate code")
            continue
        seen.add(code)
        level = level_override or str(props.get("level") or "")
        if level not in Level.values:
            problems.append(f"{label}: unknown level {level!r}")
            continue
        try:
            geos = feature.geom.geos
            geom, repaired = to_multipolygon(geos)
        except (GDALException, BoundaryFileError, ValueError) as exc:
            problems.append(f"{label}: bad geometry ({exc})")
            continue
        name = str(props.get("name") or "")
        out.append(
            FeatureData(
                code=code,
                level=level,
                name=name,
                short_name=str(props.get("short_name") or ""),
                name_en=str(props.get("name_en") or ""),
                name_ascii=str(props.get("name_ascii") or ascii_fold(name)),
                parent_code=str(props.get("province_code") or ""),
                parent_name=str(props.get("province_name") or ""),
                properties={k: v for k, v in props.items() if v is not None},
                geom=geom,
                repaired=repaired,
            )
        )
    if problems:
        raise BoundaryFileError(f"{path}: {len(problems)} problem(s):\n" + "\n".join(problems))
    if not out:
        raise BoundaryFileError(f"{path}: no features")
    return out


KNOWN_PROPERTIES = (
    "code",
    "name",
    "short_name",
    "name_en",
    "name_ascii",
    "level",
    "province_code",
    "province_name",
    "district_code",
    "district_name",
    "former_province_code",
    "former_province_name",
    "area_km2",
)


def _full_names(props: dict[str, Any]) -> dict[str, Any]:
    """Shapefiles cut field names to 10 characters: map them back to the known names."""
    out = dict(props)
    for name in KNOWN_PROPERTIES:
        short = name[:10]
        if name not in out and short in out:
            out[name] = out.pop(short)
    return out


def load_boundaries(
    path: Path,
    *,
    slug: str,
    name: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    source: str = "",
    licence: str = "",
    level: str | None = None,
    progress: Callable[[str], None] | None = None,
    force: bool = False,
) -> LoadReport:
    """Upsert the file's areas into boundary set `slug`, then rebuild its lookup pieces.

    A file whose checksum matches the set's last load is skipped unless `force`.
    """
    checksum = file_checksum(path)
    previous = BoundarySet.objects.filter(slug=slug).first()
    if previous and previous.checksum == checksum and not force:
        count = AdminArea.objects.filter(boundary_set=previous, level__in=ASSIGNABLE_LEVELS).count()
        return LoadReport(
            unchanged=count,
            skipped=True,
            pieces=AreaPiece.objects.filter(boundary_set=previous).count(),
        )
    features = read_features(path, level)
    report = LoadReport()
    with transaction.atomic():
        bset, _ = BoundarySet.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "valid_from": valid_from,
                "valid_to": valid_to,
                "source": source,
                "licence": licence,
                "checksum": checksum,
            },
        )
        existing = {a.code: a for a in AdminArea.objects.filter(boundary_set=bset)}
        parents = _ensure_parents(bset, features, existing)
        changed = False
        for i, feat in enumerate(features, 1):
            changed |= _upsert(bset, feat, existing.get(feat.code), parents, report)
            if progress and i % 50 == 0:
                progress(f"  {i}/{len(features)} areas")
        if changed or not AreaPiece.objects.filter(boundary_set=bset).exists():
            _refresh_parent_geometry(bset)
            report.pieces = rebuild_pieces(bset)
        else:
            report.pieces = AreaPiece.objects.filter(boundary_set=bset).count()
    return report


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _ensure_parents(
    bset: BoundarySet, features: list[FeatureData], existing: dict[str, AdminArea]
) -> dict[str, AdminArea]:
    parents: dict[str, AdminArea] = {}
    for feat in features:
        if not feat.parent_code or feat.parent_code in parents:
            continue
        parent = existing.get(feat.parent_code)
        if parent is None:
            parent = AdminArea.objects.create(
                boundary_set=bset,
                code=feat.parent_code,
                level=Level.CITY,
                name=feat.parent_name,
                short_name=feat.parent_name,
                name_ascii=ascii_fold(feat.parent_name),
                name_en=ascii_fold(feat.parent_name),
                geom=feat.geom,  # replaced by the union of its children below
            )
        parents[feat.parent_code] = parent
    return parents


def _upsert(
    bset: BoundarySet,
    feat: FeatureData,
    area: AdminArea | None,
    parents: dict[str, AdminArea],
    report: LoadReport,
) -> bool:
    if feat.repaired:
        report.repaired.append(feat.code)
    values = {
        "level": feat.level,
        "name": feat.name,
        "short_name": feat.short_name,
        "name_en": feat.name_en,
        "name_ascii": feat.name_ascii,
        "properties": feat.properties,
        "parent": parents.get(feat.parent_code),
        "area_km2": feat.properties.get("area_km2"),
    }
    if area is None:
        AdminArea.objects.create(boundary_set=bset, code=feat.code, geom=feat.geom, **values)
        report.created += 1
        return True
    same = all(getattr(area, k) == v for k, v in values.items()) and area.geom.equals_exact(
        feat.geom, 0
    )
    if same:
        report.unchanged += 1
        return False
    for k, v in values.items():
        setattr(area, k, v)
    area.geom = feat.geom
    area.save()
    report.updated += 1
    return True


def _refresh_parent_geometry(bset: BoundarySet) -> None:
    table = AdminArea._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} p SET geom = sub.geom FROM ("
            f"  SELECT parent_id, ST_Multi(ST_CollectionExtract(ST_Union(geom), 3)) AS geom"
            f"  FROM {table} WHERE boundary_set_id = %s AND parent_id IS NOT NULL"
            f"  GROUP BY parent_id) sub WHERE p.id = sub.parent_id",
            [bset.pk],
        )


def rebuild_pieces(bset: BoundarySet) -> int:
    """Replace the set's lookup pieces with ST_Subdivide of its assignable areas."""
    AreaPiece.objects.filter(boundary_set=bset).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {AreaPiece._meta.db_table} (area_id, boundary_set_id, area_code, geom) "
            f"SELECT id, boundary_set_id, code, ST_Subdivide(geom, %s) "
            f"FROM {AdminArea._meta.db_table} WHERE boundary_set_id = %s AND level = ANY(%s)",
            [PIECE_MAX_VERTICES, bset.pk, [str(lv) for lv in ASSIGNABLE_LEVELS]],
        )
        count = cursor.rowcount
        cursor.execute(f"ANALYZE {AreaPiece._meta.db_table}")
    return count
