"""Benchmarks of the geographic core (issue: foundation).

1. locate(): 10,000 random points in the city through geo.locate() against the bare
   SQL of the same lookup on a persistent psycopg connection (no Django), interleaved
   in the same run; the naive whole-polygon query is printed for reference.
2. Bulk re-assignment of 1,000,000 incidents to another boundary set against the write
   floor, a plain UPDATE … SET ward = constant of the same rows, in the same run.

    .venv/bin/python bench/bench_geo.py [--points 10000] [--rows 1000000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time

from common import bench_database, ms, summary, timed


def random_city_points(n: int, seed: int) -> list[tuple[float, float]]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_X(g), ST_Y(g) FROM (SELECT (ST_Dump(ST_GeneratePoints(geom, %s, %s))).geom g"
            " FROM geo_adminarea WHERE level = 'city' AND boundary_set_id ="
            " (SELECT id FROM geo_boundaryset WHERE slug = 'hcmc-2025')) s",
            [n, seed],
        )
        return [(float(x), float(y)) for x, y in cur.fetchall()]


def bench_locate(n_points: int) -> None:
    import psycopg
    from django.db import connection

    from geo.locate import LOCATE_SQL, boundary_set_id_at, locate

    points = random_city_points(n_points, 1022)
    set_id = boundary_set_id_at()
    settings = connection.settings_dict
    raw = psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"],
        user=settings["USER"],
        dbname=settings["NAME"],
        autocommit=True,
    )
    naive_sql = (
        "SELECT id FROM geo_adminarea WHERE boundary_set_id = %s AND level <> 'city'"
        " AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) ORDER BY code LIMIT 1"
    )
    connection.ensure_connection()
    for lon, lat in points[:500]:  # warm caches and prepared plans
        locate(lon, lat)
        raw.execute(LOCATE_SQL, [set_id, lon, lat]).fetchone()
    ours: list[float] = []
    bare: list[float] = []
    naive: list[float] = []
    misses = 0

    def bare_sql(sql: str, lon: float, lat: float) -> None:
        raw.execute(sql, [set_id, lon, lat]).fetchone()

    for i, (lon, lat) in enumerate(points):
        # interleaved, so both see the same machine load; alternating who goes first, so
        # neither always finds the other's pages of the same point in cache
        if i % 2:
            ours.append(timed(locate, lon, lat))
            bare.append(timed(bare_sql, LOCATE_SQL, lon, lat))
        else:
            bare.append(timed(bare_sql, LOCATE_SQL, lon, lat))
            ours.append(timed(locate, lon, lat))
        if len(naive) < 1000:
            naive.append(timed(bare_sql, naive_sql, lon, lat))
        misses += locate(lon, lat) is None
    o, b, n = summary(ours), summary(bare), summary(naive)
    print(f"locate(): {len(points)} random points in the city ({misses} in sliver gaps)")
    for label, s in (("geo.locate()      ", o), ("bare SQL (psycopg)", b)):
        print(f"  {label}    median {ms(s['median'])}  p95 {ms(s['p95'])}  p99 {ms(s['p99'])}")
    print(f"  naive whole polygons  median {ms(n['median'])}  p95 {ms(n['p95'])} (1,000 points)")
    print(
        f"  ratio locate/bare: median {o['median'] / b['median']:.2f}x, "
        f"p99 {o['p99'] / b['p99']:.2f}x   (target median ≤ 1.5x, p99 ≤ 3 ms)"
    )


def make_incidents(rows: int) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM incidents_incident WHERE reference LIKE 'BENCH-%%'")
        have = cur.fetchone()[0]
        if have >= rows:
            return
        print(f"  generating {rows - have} incidents …", flush=True)
        cur.execute(
            """
            INSERT INTO incidents_incident (reference, channel, category_id, description, address,
                location, location_source, ward_id, status, is_public, version, idempotency_key,
                idempotency_fingerprint, is_emergency, created_at, updated_at)
            SELECT 'BENCH-' || (%s + row_number() OVER ()), 'mobile',
                   (SELECT min(id) FROM units_category), 'bench', '', g, 'device',
                   (SELECT min(id) FROM geo_adminarea WHERE level = 'ward'), 'new', true, 1, '',
                   '', false, now(), now()
            FROM (SELECT (ST_Dump(ST_GeneratePoints(geom,
                            greatest(1, round(%s * area_km2 / sum(area_km2) OVER ())::int), 7)
                         )).geom AS g
                  FROM geo_adminarea WHERE level <> 'city' AND boundary_set_id =
                       (SELECT id FROM geo_boundaryset WHERE slug = 'hcmc-2025')) pts
            LIMIT %s
            """,
            [have, rows - have + 200, rows - have],
        )
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE incidents_incident")


def bench_reassign(rows: int, rounds: int) -> None:
    from django.db import connection, transaction
    from seed_paths import WARDS_FILE

    from backend.incidents.models import Incident
    from geo.bulk import assign_to_set, reassign_areas
    from geo.loaders import load_boundaries
    from geo.models import AdminArea, BoundarySet

    make_incidents(rows)
    load_boundaries(WARDS_FILE, slug="bench-2030", name="bench", valid_from=dt.date(2030, 1, 1))
    targets = [BoundarySet.objects.get(slug=s).pk for s in ("bench-2030", "hcmc-2025")]
    some_ward = AdminArea.objects.filter(level="ward").values_list("id", flat=True)
    qs = Incident.objects.filter(reference__startswith="BENCH-")
    floor_t: list[float] = []
    ours_t: list[float] = []
    fresh_t: list[float] = []
    for r in range(rounds):
        const = random.choice(list(some_ward))
        with transaction.atomic(), connection.cursor() as cur:
            floor_sql = "UPDATE incidents_incident SET ward_id = %s WHERE reference LIKE 'BENCH-%%'"
            floor_t.append(timed(cur.execute, floor_sql, [const]))
        with connection.cursor() as cur:
            cur.execute("VACUUM incidents_incident")
        target = targets[r % 2]
        with transaction.atomic():
            start = time.perf_counter()
            changed = reassign_areas(
                qs, point_field="location", area_field="ward", boundary_set_id=target
            )
            ours_t.append(time.perf_counter() - start)
        with connection.cursor() as cur:
            cur.execute("VACUUM incidents_incident")
            cur.execute("TRUNCATE geo_areaassignment")
        with transaction.atomic():
            start = time.perf_counter()
            written = assign_to_set(qs, point_field="location", boundary_set_id=targets[0])
            fresh_t.append(time.perf_counter() - start)
        print(
            f"  round {r + 1}: floor {floor_t[-1]:.2f} s, in place {ours_t[-1]:.2f} s "
            f"({changed} rows changed), fresh rows {fresh_t[-1]:.2f} s ({written} written)",
            flush=True,
        )
    f, o = summary(floor_t)["median"], summary(ours_t)["median"]
    w = summary(fresh_t)["median"]
    print(f"bulk re-assignment of {rows} incidents ({rounds} rounds, medians)")
    print(f"  floor UPDATE SET ward = constant  {f:.2f} s  {rows / f:,.0f} rows/s")
    print(f"  reassign_areas (spatial)          {o:.2f} s  {rows / o:,.0f} rows/s")
    print(f"  assign_to_set (fresh rows)        {w:.2f} s  {rows / w:,.0f} rows/s")
    print(f"  throughput vs floor: in place {f / o:.2f}x, fresh rows {f / w:.2f}x  (target ≥ 0.9x)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-reassign", action="store_true")
    args = parser.parse_args()
    bench_database("hotline1022_bench_geo")
    bench_locate(args.points)
    if not args.skip_reassign:
        bench_reassign(args.rows, args.rounds)


if __name__ == "__main__":
    main()
