"""Public portal benchmark: the public map's tiles and a report's page, against bare SQL.

    DATABASE_URL=postgis://…/hotline1022_bench_portal .venv/bin/python bench/bench_portal.py

Uses the database in DATABASE_URL (a copy of the 2,000,000-incident tiles database, migrated;
without it, hotline1022_bench_tiles in var/pg is filled as bench_tiles does). Every request
runs in-process through Django's test client (middleware, session, view, templates): the
server's time, no network. Baselines in the same run, interleaved:

- tiles: the exact ST_AsMVT statement the endpoint ran (captured), replayed on the bare psycopg
  connection underneath Django, in one transaction with JIT off (as geo.tiles sends it);
- report page: one bare SELECT of the report's row by reference (the least any page needs).

Tiles are sampled across the city: for each case, TILES different tiles around sampled
incidents (a map view asks for many tiles, not one). Prints median/p95 in ms and the ratios.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from typing import Any

from bench_tiles import CENTRE, ensure_rows, tile_of
from common import bench_database, percentile

TILES = 12


def setup() -> None:
    if "DATABASE_URL" in os.environ:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.dev")
        os.environ["DJANGO_DEBUG"] = "0"
        import django

        django.setup()
    else:
        bench_database("hotline1022_bench_tiles")
        ensure_rows(2_000_000)


def stats(samples: list[float]) -> tuple[float, float]:
    return percentile(samples, 50) * 1000, percentile(samples, 95) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args()
    setup()
    import psycopg
    from django.db import connection
    from django.test import Client

    from backend.incidents.models import Incident
    from backend.incidents.selectors.portal import published
    from backend.units.models import Category

    rng = random.Random(1022)
    connection.ensure_connection()
    raw: Any = connection.connection
    replay = psycopg.ClientCursor(raw)
    client = Client(HTTP_HOST="127.0.0.1")
    total = Incident.objects.count()
    hidden = Incident.objects.filter(is_public=False).count()
    print(f"incidents: {total:,} (hidden by staff: {hidden:,})  runs per case: {args.runs}")
    ids = list(published().order_by("?").values_list("location", flat=True)[:200])
    field = Category.objects.order_by("id").values_list("id", flat=True).first()
    cases: list[tuple[str, int, dict[str, Any]]] = [
        ("z11 counts per cell, no filter", 11, {}),
        ("z11 counts per cell, open + field", 11, {"status": "open", "field": field}),
        ("z11 live count, last 30 days", 11, {"period": "30"}),
        ("z12 points, no filter", 12, {}),
        ("z13 points, no filter", 13, {}),
        ("z13 points, open", 13, {"status": "open"}),
        ("z15 points, no filter", 15, {}),
        ("z15 points, done + last 90 days", 15, {"status": "done", "period": "90"}),
    ]
    print(
        f"{'tile case':40} {'endpoint med/p95':>17} {'bare SQL med/p95':>17}"
        f" {'ratio med':>9} {'KB max':>7}"
    )
    all_tiles: list[float] = []
    for label, z, params in cases:
        points = [CENTRE] + [(p.x, p.y) for p in rng.sample(ids, TILES - 1)]
        xys = [tile_of(*p, z) for p in points]
        paths = [f"/api/public/v1/tiles/{z}/{x}/{y}.mvt" for x, y in xys]
        statements: list[tuple[str, Any]] = []

        def capture(
            execute: Any, sql: str, p: Any, many: bool, ctx: Any, into: list[Any] = statements
        ) -> Any:
            if "ST_AsMVT" in sql:
                into.append((sql, p))
            return execute(sql, p, many, ctx)

        biggest = 0
        with connection.execute_wrapper(capture):
            for path in paths:
                biggest = max(biggest, len(client.get(path, params).content))
        ours: list[float] = []
        bare: list[float] = []
        for run in range(args.runs):
            i = run % len(paths)
            t0 = time.perf_counter()
            response = client.get(paths[i], params)
            ours.append(time.perf_counter() - t0)
            assert response.status_code == 200
            sql, sql_params = statements[i]
            t0 = time.perf_counter()
            with raw.transaction():
                replay.execute("SET LOCAL jit = off")
                replay.execute(sql, sql_params).fetchone()
            bare.append(time.perf_counter() - t0)
        all_tiles += ours
        (om, op), (bm, bp) = stats(ours), stats(bare)
        print(
            f"{label:40} {om:7.1f} / {op:6.1f} {bm:7.1f} / {bp:6.1f} {om / bm:9.2f}"
            f" {biggest / 1024:7.1f}"
        )
    tm, tp = stats(all_tiles)
    print(f"{'all tile cases together':40} {tm:7.1f} / {tp:6.1f}")

    references = list(published().order_by("?").values_list("reference", flat=True)[: args.pages])
    for reference in references[:5]:
        assert client.get(f"/phan-anh/{reference}/").status_code == 200  # warm
    ours, bare = [], []
    table = Incident._meta.db_table
    for reference in references:
        t0 = time.perf_counter()
        response = client.get(f"/phan-anh/{reference}/")
        ours.append(time.perf_counter() - t0)
        assert response.status_code == 200
        t0 = time.perf_counter()
        replay.execute(f"SELECT * FROM {table} WHERE reference = %s", [reference]).fetchone()
        bare.append(time.perf_counter() - t0)
    (om, op), (bm, bp) = stats(ours), stats(bare)
    print(
        f"{'report page /phan-anh/<ref>/':40} {om:7.1f} / {op:6.1f} {bm:7.1f} / {bp:6.1f}"
        f" {om / bm:9.2f}   ({len(references)} reports)"
    )


if __name__ == "__main__":
    main()
