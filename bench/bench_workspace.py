"""Staff workspace benchmark: the "my work" queues, the transfer picker and the relocation
preview against the plain list measured in the same run (the baseline: ratio = case / baseline).

    DATABASE_URL=postgis://…/a-copy-of-the-2M-database .venv/bin/python bench/bench_workspace.py

Runs in-process through Django's test client (full stack). Prints median and p95 in ms.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_staff import setup, timed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from backend.incidents.models import Incident
    from tests.incidents.factories import BEN_THANH, point_in

    users = get_user_model().objects
    clients = {}
    for username in ("giamsat", "saigon.tiepnhan", "saigon.xuly"):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(users.get(username=username))
        clients[username] = client
    total = Incident.objects.count()
    print(f"incidents in the database: {total:,}")
    one = Incident.objects.filter(unit__code="ubnd-26740", status="received").first()
    assert one is not None
    lon, lat = point_in(BEN_THANH)
    cases: list[tuple[str, str, str, dict[str, Any]]] = [
        ("baseline: list, supervisor", "giamsat", "incidents", {}),
        ("my work, supervisor: mine", "giamsat", "incidents", {"work": "mine"}),
        ("my work, supervisor: unit", "giamsat", "incidents", {"work": "unit"}),
        ("my work, supervisor: directions", "giamsat", "incidents", {"work": "directions"}),
        ("baseline: list, ward operator", "saigon.tiepnhan", "incidents", {}),
        ("my work, ward handler: mine", "saigon.xuly", "incidents", {"work": "mine"}),
        ("my work, ward operator: unit", "saigon.tiepnhan", "incidents", {"work": "unit"}),
        ("my work, ward operator: directions", "saigon.tiepnhan", "incidents",
         {"work": "directions"}),
        ("baseline: detail, ward operator", "saigon.tiepnhan", f"incidents/{one.pk}", {}),
        ("transfer targets, ward operator", "saigon.tiepnhan",
         f"incidents/{one.pk}/transfer-targets", {}),
        ("relocation preview, ward operator", "saigon.tiepnhan",
         f"incidents/{one.pk}/relocation", {"lat": lat, "lon": lon}),
    ]  # fmt: skip
    print(f"{'case':40} {'median ms':>10} {'p95 ms':>8} {'ratio':>7}")
    baseline = 1.0
    for name, username, path, params in cases:
        client = clients[username]

        def request(client: Client = client, path: str = path, params: Any = params) -> None:
            response = client.get(f"/api/staff/v1/{path}", params)
            assert response.status_code == 200, response.content[:300]

        median, p95 = timed(request, runs)
        if name.startswith("baseline"):
            baseline = median
        print(f"{name:40} {median:10.1f} {p95:8.1f} {median / baseline:7.2f}")


if __name__ == "__main__":
    main()
