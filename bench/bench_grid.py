"""The map's counts kept by the incidents table's triggers: what they cost per write and in bulk.

    .venv/bin/python bench/bench_grid.py writes [--runs 60]
    .venv/bin/python bench/bench_grid.py bulk [--count 500000] [--reps 2]

Writes, in the 2,000,000-incident database of bench_tiles (hotline1022_bench_tiles: run
bench_tiles.py first; its count table then holds ~450k rows): `incident_submit` (no photo) and
`incident_transition` new → received through the services, in rounds that alternate the count
triggers enabled and disabled (ALTER TABLE … DISABLE TRIGGER between rounds, never during a
write). Prints median / p95 ms of each and the difference: the triggers' cost per write. The
incidents written are deleted and the counts rebuilt at the end.

Bulk, in its own database (hotline1022_bench_grid), alternating: `generate_incidents --count N`
and its `--drop` with the triggers on, and the same with the triggers off and one rebuild after
(`grid.trigger_off_then_rebuild`); then re-assigning every incident to a second boundary set
with the triggers on (the UPDATE of `reassign_wards` in a transaction) and back with
`reassign_wards --all` (triggers off + rebuild).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import time
from typing import Any

from common import ROOT, bench_database, percentile

CENTRE = (106.6983, 10.7721)  # Bến Thành market


def set_triggers(on: bool) -> None:
    from django.db import connection

    from backend.incidents import grid
    from backend.incidents.models import Incident

    with connection.cursor() as cursor:
        for name in grid.TRIGGERS.values():
            verb = "ENABLE" if on else "DISABLE"
            cursor.execute(f"ALTER TABLE {Incident._meta.db_table} {verb} TRIGGER {name}")


def writes(runs: int) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.gis.geos import Point
    from django.core.management import call_command

    from backend.incidents.models import Incident, Status
    from backend.incidents.services.submit import incident_submit
    from backend.incidents.services.workflow import incident_transition
    from backend.units.models import Category

    users = get_user_model().objects
    supervisor = users.get(username="giamsat")
    resident, _ = users.get_or_create(username="+84900000123", defaults={"phone": "+84900000123"})
    category = Category.objects.get(code="rubbish")
    where = Point(*CENTRE, srid=4326)
    times: dict[tuple[str, bool], list[float]] = {}
    made: list[int] = []

    def one(on: bool) -> None:
        t0 = time.perf_counter()
        incident = incident_submit(
            reporter=resident, category=category, description="bench", location=where
        ).incident
        t1 = time.perf_counter()
        incident_transition(actor=supervisor, incident=incident, to_status=Status.RECEIVED)
        t2 = time.perf_counter()
        times.setdefault(("submit", on), []).append(t1 - t0)
        times.setdefault(("transition", on), []).append(t2 - t1)
        made.append(incident.pk)

    try:
        for on in (True, False):  # warm both
            set_triggers(on)
            one(on)
        times.clear()
        rounds, per_round = max(runs // 10, 1), 10
        for _ in range(rounds):
            for on in (True, False):
                set_triggers(on)
                for _ in range(per_round):
                    one(on)
    finally:
        set_triggers(True)
        Incident.objects.filter(pk__in=made).delete()
        call_command("rebuild_incident_grid", stdout=io.StringIO())
    print(f"writes on 2M incidents, {rounds * per_round} per case, triggers on / off interleaved")
    print(f"{'write':12} {'on med/p95':>16} {'off med/p95':>16} {'cost med':>9}")
    for what in ("submit", "transition"):
        on_, off = times[(what, True)], times[(what, False)]
        om, op = percentile(on_, 50) * 1000, percentile(on_, 95) * 1000
        fm, fp = percentile(off, 50) * 1000, percentile(off, 95) * 1000
        print(f"{what:12} {om:7.2f} / {op:6.2f} {fm:7.2f} / {fp:6.2f} {om - fm:+8.2f}")


def bulk(count: int, reps: int) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction

    from backend.incidents import grid
    from backend.incidents.models import Incident
    from geo.bulk import reassign_areas
    from geo.loaders import load_boundaries
    from geo.models import BoundarySet

    def timed(label: str, work: Any) -> None:
        t0 = time.perf_counter()
        work()
        print(f"{label:56} {time.perf_counter() - t0:7.1f} s", flush=True)

    quiet = {"stdout": io.StringIO()}

    def generate() -> None:
        call_command("generate_incidents", count=count, **quiet)

    def drop() -> None:
        call_command("generate_incidents", drop=True, **quiet)

    def off(work: Any) -> Any:
        def run() -> None:
            with grid.trigger_off_then_rebuild():
                work()

        return run

    with grid.trigger_off_then_rebuild():
        drop()
    print(f"bulk, {count:,} incidents (hotline1022_bench_grid), triggers on / off interleaved")
    for _ in range(reps):
        timed("generate_incidents, triggers on", generate)
        timed("generate_incidents --drop, triggers on", drop)
        timed("generate_incidents, triggers off + rebuild", off(generate))
        timed("generate_incidents --drop, triggers off + rebuild", off(drop))
    generate()
    wards = ROOT / "fixtures" / "boundaries" / "hcmc_wards.geojson"
    load_boundaries(wards, slug="bench-2030", name="2030", valid_from=dt.date(2030, 1, 1))
    there = BoundarySet.objects.get(slug="bench-2030").pk

    def reassign_on() -> None:  # the command's UPDATE, the triggers counting
        with transaction.atomic():
            reassign_areas(
                Incident.objects.all(), point_field="location", area_field="ward",
                boundary_set_id=there,
            )  # fmt: skip

    timed("reassign (every row moves), triggers on", reassign_on)
    timed("reassign_wards --all back (triggers off + rebuild)", lambda: call_command(
        "reassign_wards", "--to", "hcmc-2025", "--all", **quiet))  # fmt: skip
    timed("rebuild_incident_grid alone", lambda: call_command("rebuild_incident_grid", **quiet))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {Incident._meta.db_table}")
        print(f"incidents now: {cursor.fetchone()[0]:,}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("part", choices=["writes", "bulk"])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--count", type=int, default=500_000)
    parser.add_argument("--reps", type=int, default=2)
    args = parser.parse_args()
    if args.part == "writes":
        bench_database("hotline1022_bench_tiles")
        writes(args.runs)
    else:
        bench_database("hotline1022_bench_grid")
        bulk(args.count, args.reps)


if __name__ == "__main__":
    main()
