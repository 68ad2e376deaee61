"""Map tiles benchmark: /api/staff/v1/tiles/{z}/{x}/{y}.mvt against its bare SQL, same run.

    .venv/bin/python bench/bench_tiles.py [--count 2000000] [--runs 40]

Uses its own database (hotline1022_bench_tiles in var/pg), filled once with `--count`
synthetic incidents by `manage.py generate_incidents`. For each case the endpoint is called
in-process through Django's test client (middleware, auth, filters, scope, view) as the map
calls it, with the page's map token in `X-Map-Token`, and, as an API client would, with the
session cookie alone; the exact SQL it ran (captured with an execute wrapper) is replayed on
the bare psycopg connection underneath Django; the three are interleaved. Prints median/p95 in
ms, the ratios to the bare SQL, the tile size and `q`, the statements the endpoint sent for
one tile with the token / with the session (the bare SQL sends 4: BEGIN, SET LOCAL jit, the
tile, COMMIT). The map's counts per cell (IncidentGridCount, read below zoom
12; kept by the incidents table's triggers) are rolled first, or rebuilt if they do not hold
every incident (a database filled before the triggers existed).
"""

from __future__ import annotations

import argparse
import math
import time
from typing import Any

from common import bench_database, percentile

CENTRE = (106.6983, 10.7721)  # Bến Thành market
SEA = (107.6, 10.0)  # no incident: what the endpoint costs beyond its SQL (session, scope, ORM)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def ensure_rows(count: int) -> int:
    """`count` incidents, and map counts per cell (IncidentGridCount) that hold all of them."""
    from django.core.management import call_command
    from django.db.models import Sum

    from backend.incidents.models import Incident, IncidentGridCount

    have = Incident.objects.count()
    if have < count:
        call_command("generate_incidents", count=count - have)
    total = Incident.objects.count()
    counted = IncidentGridCount.objects.filter(cell_z=12).aggregate(n=Sum("n"))["n"]
    if counted != total:  # filled before the triggers existed
        call_command("rebuild_incident_grid")
    else:
        call_command("rebuild_incident_grid", roll=True)
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--only", default="", help="run the cases whose label contains this")
    args = parser.parse_args()
    bench_database("hotline1022_bench_tiles")
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    total = ensure_rows(args.count)
    print(f"incidents: {total:,}  runs per case: {args.runs}")
    users = get_user_model().objects
    from backend.staff import map_tokens

    clients = {}
    for name in ("giamsat", "saigon.tiepnhan"):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(users.get(username=name))
        clients[name] = client
    by_token = Client(HTTP_HOST="127.0.0.1")  # no cookie: the token alone, as the map's tiles
    connection.ensure_connection()
    # the psycopg connection under Django: same server session, Django's geometry dumper,
    # none of Django's layers (no view, no ORM, no cursor wrapper). A ClientCursor binds the
    # parameters client-side as Django's cursors do, so the server gets the same statement
    # (a plain psycopg cursor would turn it into a prepared statement the endpoint never uses)
    import psycopg

    raw: Any = connection.connection
    replay = psycopg.ClientCursor(raw)
    open_statuses = "new,received,assigned,in_progress,transferred,reopened"
    cases: list[tuple[str, str, int, dict[str, str]]] = [
        ("z12 centre, supervisor, open", "giamsat", 12, {"status": open_statuses}),
        ("z12 centre, supervisor, all statuses", "giamsat", 12, {}),
        ("z12 centre, ward operator, all", "saigon.tiepnhan", 12, {}),
        ("z8 city, supervisor, open", "giamsat", 8, {"status": open_statuses}),
        ("z8 city, supervisor, all statuses", "giamsat", 8, {}),
        ("z8 city, supervisor, overdue", "giamsat", 8, {"overdue": "true"}),
        ("z8 city, supervisor, text (live count)", "giamsat", 8, {"q": "mẫu số 1"}),
        ("z8 city, supervisor, text (1 match)", "giamsat", 8, {"q": "mẫu số 1234567"}),
        ("z12 centre, supervisor, text (1 match)", "giamsat", 12, {"q": "mẫu số 1234567"}),
        ("z12 sea (empty), supervisor, all", "giamsat", 12, {}),
    ]
    # q: statements the endpoint sends for one tile (BEGIN/COMMIT included; the bare SQL: 4)
    head = (
        f"{'case':40} {'token med/p95':>15} {'session med/p95':>16} {'bare SQL med/p95':>17}"
        f" {'ratio token':>11} {'session':>7} {'KB':>6} {'q':>5}"
    )
    print(head)
    for label, user, z, params in [c for c in cases if args.only in c[0]]:
        x, y = tile_of(*(SEA if "sea" in label else CENTRE), z)
        path = f"/api/staff/v1/tiles/{z}/{x}/{y}.mvt"
        client = clients[user]
        # a token per case: one lives MAP_TOKEN_SECONDS (120 s), less than a loaded run
        token = {"HTTP_X_MAP_TOKEN": map_tokens.issue(users.get(username=user))["token"]}
        captured: list[tuple[str, Any]] = []

        def capture(
            execute: Any, sql: str, p: Any, many: bool, context: Any, into: list[Any] = captured
        ) -> Any:
            if "ST_AsMVT" in sql:
                into.append((sql, p))
            return execute(sql, p, many, context)

        reset_queries()  # as the request will: else the count starts past the previous case's
        with CaptureQueriesContext(connection) as queries:
            client.get(path, params)
        by_session_q = len(queries)  # now: the next requests reset the log it reads from
        reset_queries()
        with connection.execute_wrapper(capture), CaptureQueriesContext(connection) as queries:
            body = by_token.get(path, params, **token).content
        by_token_q = len(queries)
        sql, sql_params = captured[-1]

        def bare_sql(sql: str = sql, sql_params: Any = sql_params) -> None:
            # what geo.tiles sends, minus Django: one transaction, JIT off
            with raw.transaction():
                replay.execute("SET LOCAL jit = off")
                replay.execute(sql, sql_params).fetchone()

        bare_sql()  # warm both paths
        ours: list[float] = []
        session: list[float] = []
        bare: list[float] = []
        for _ in range(min(args.runs, 10) if "live" in label else args.runs):  # ~1 s each
            t0 = time.perf_counter()
            response = by_token.get(path, params, **token)
            ours.append(time.perf_counter() - t0)
            assert response.status_code == 200
            t0 = time.perf_counter()
            response = client.get(path, params)
            session.append(time.perf_counter() - t0)
            assert response.status_code == 200
            t0 = time.perf_counter()
            bare_sql()
            bare.append(time.perf_counter() - t0)
        om, op = percentile(ours, 50) * 1000, percentile(ours, 95) * 1000
        sm, sp = percentile(session, 50) * 1000, percentile(session, 95) * 1000
        bm, bp = percentile(bare, 50) * 1000, percentile(bare, 95) * 1000
        print(
            f"{label:40} {om:6.1f} / {op:6.1f} {sm:7.1f} / {sp:6.1f} {bm:8.1f} / {bp:6.1f}"
            f" {om / bm:11.2f} {sm / bm:7.2f} {len(body) / 1024:6.1f}"
            f" {by_token_q:>2}/{by_session_q}"
        )


if __name__ == "__main__":
    main()
