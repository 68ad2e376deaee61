"""Contact-centre benchmark: caller lookup by phone, place search, knowledge-base search, and a
report from the console against the app's submit.

    .venv/bin/python bench/bench_contact.py [--incidents 2000000] [--articles 10000] [--runs 200]

Its own database `hotline1022_bench_contact` in var/pg (DATABASE_URL wins if set), filled once:
`generate_incidents`, then every 4th incident gets one of 32,000 addresses (16 streets × 2,000
house numbers) and one of 50,000 residents
(phone numbers) as reporter; `--articles` knowledge-base articles. Prints median and p95 in ms.
Targets (issue 14): caller lookup p95 ≤ 20 ms, place search p95 ≤ 30 ms, knowledge-base search
p95 ≤ 30 ms, console report ≤ 1.3× the app's submit without photo.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import percentile  # noqa: E402

STREETS = [
    "Lê Lợi", "Nguyễn Huệ", "Hàm Nghi", "Lê Thánh Tôn", "Pasteur", "Nam Kỳ Khởi Nghĩa",
    "Điện Biên Phủ", "Võ Văn Tần", "Cách Mạng Tháng Tám", "Trần Hưng Đạo", "Bến Thành",
    "Phạm Ngũ Lão", "Bùi Viện", "Nguyễn Thị Minh Khai", "Hai Bà Trưng", "Lý Tự Trọng",
]  # fmt: skip
QUERIES = [
    "ben thanh", "le loi", "nguyen hue", "Trần Hưng Đạo", "pasteur", "bui vien", "phuong",
    "12 le loi", "số 1250 Hai Bà Trưng", "dien bien phu",
]  # fmt: skip
WORDS = [
    "giấy", "khai", "sinh", "hộ", "tịch", "tạm", "trú", "xây", "dựng",
    "đất", "đai", "thuế", "căn", "cước", "điện", "nước", "rác", "cây",
]  # fmt: skip
RESIDENTS = 50_000
HOUSES = 2_000  # house numbers per street: 16 × 2,000 = 32,000 distinct addresses


def setup(incidents: int, articles: int) -> None:
    from bench.common import bench_database

    if "DATABASE_URL" not in os.environ:
        bench_database("hotline1022_bench_contact")
    else:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.dev")
        django.setup()
    from django.core.management import call_command
    from django.db import connection

    from backend.accounts.models import User
    from backend.contact.models import KnowledgeArticle
    from backend.incidents.models import Incident

    have = Incident.objects.filter(reference__startswith="GEN-").count()
    if have < incidents:
        print(f"generating {incidents - have} incidents…", flush=True)
        call_command("generate_incidents", count=incidents - have, stdout=io.StringIO())
    if User.objects.filter(username__startswith="bench-").count() < RESIDENTS:
        User.objects.bulk_create(
            [
                User(username=f"bench-{i}", phone=f"+8490{i:07d}", password="!")
                for i in range(RESIDENTS)
            ],
            ignore_conflicts=True,
            batch_size=5000,
        )
    if not Incident.objects.filter(reference__startswith="GEN-").exclude(address="").exists():
        print("addresses and reporters…", flush=True)
        first = User.objects.filter(username="bench-0").values_list("pk", flat=True).get()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE incidents_incident SET address = 'số ' || (id / 64 %% %s) || ' '"
                " || (%s::text[])[1 + id / 4 %% %s], reporter_id = %s + id %% %s"
                " WHERE reference LIKE 'GEN-%%' AND id %% 4 = 0",
                [HOUSES, STREETS, len(STREETS), first, RESIDENTS],
            )
            cursor.execute("ANALYZE incidents_incident")
    missing = articles - KnowledgeArticle.objects.count()
    if missing > 0:
        rng = random.Random(7)
        KnowledgeArticle.objects.bulk_create(
            [
                KnowledgeArticle(
                    question=" ".join(rng.sample(WORDS, 5)) + f" {i}?",
                    answer="…",
                    keywords=" ".join(rng.sample(WORDS, 3)),
                )
                for i in range(missing)
            ],
            batch_size=5000,
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE contact_knowledgearticle")


def measure(fn: Callable[[int], object], runs: int) -> tuple[float, float]:
    fn(0)  # warm-up
    samples = []
    for i in range(runs):
        t0 = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples), percentile(samples, 95)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=2_000_000)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--reports", type=int, default=40)
    args = parser.parse_args()
    setup(args.incidents, args.articles)

    from django.contrib.gis.geos import Point

    from backend.accounts.models import User
    from backend.contact.selectors import article_search, caller_reports, place_search
    from backend.contact.services.calls import contact_open
    from backend.contact.services.outcomes import contact_create_report
    from backend.incidents.services.submit import incident_submit
    from backend.units.models import Category

    rng = random.Random(1)
    phones = [f"+8490{rng.randrange(RESIDENTS):07d}" for _ in range(args.runs + 1)]
    rows = [
        ("caller lookup (card)", lambda i: caller_reports(phone=phones[i])),
        ("place search", lambda i: place_search(query=QUERIES[i % len(QUERIES)])),
        (
            "knowledge-base search",
            lambda i: article_search(query=" ".join(WORDS[i % 10 : i % 10 + 2])),
        ),
    ]
    print(f"{'':28} median     p95   (ms, {args.runs} runs)")
    for name, fn in rows:
        median, p95 = measure(fn, args.runs)
        print(f"{name:28} {median:7.2f} {p95:7.2f}", flush=True)

    category = Category.objects.get(code="rubbish")
    operator = User.objects.get(username="saigon.tiepnhan")
    app_user = User.objects.get(username="bench-1")
    point = Point(106.6983, 10.7725, srid=4326)
    stamp = time.time_ns()

    def app(i: int) -> object:
        return incident_submit(
            reporter=app_user, category=category, description="Bench", location=point,
            idempotency_key=f"bench-app-{stamp}-{i}",
        )  # fmt: skip

    def console(i: int) -> object:
        return contact_create_report(
            contact=cards[i], operator=operator, category=category, description="Bench",
            location=point,
        )  # fmt: skip

    # the card is opened when the phone rings, before the operator saves: not timed
    cards = [
        contact_open(caller_phone=phones[i % len(phones)], operator=operator)[0]
        for i in range(args.reports)
    ]
    app_times: list[float] = []
    console_times: list[float] = []
    for i in range(args.reports):  # interleaved, so both see the same load
        for fn, out in ((app, app_times), (console, console_times)):
            t0 = time.perf_counter()
            fn(i)
            out.append((time.perf_counter() - t0) * 1000)
    a, c = statistics.median(app_times), statistics.median(console_times)
    print(f"{'app submit (no photo)':28} {a:7.2f} {percentile(app_times, 95):7.2f}")
    print(
        f"{'console report':28} {c:7.2f} {percentile(console_times, 95):7.2f}   ratio {c / a:.2f}×"
    )


if __name__ == "__main__":
    main()
