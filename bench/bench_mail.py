"""Mailbox benchmark: mails with one 3 MB photo each, read from a real IMAP server (Dovecot on
127.0.0.1, tools/dovecot.py) and filed as reports by one worker's poll, against the app's photo
submit measured in the same run.

    .venv/bin/python -O bench/bench_mail.py [--rounds 8] [--per-round 10] [--threads 2]

`-O` as the job worker runs (tools/serve.py, the systemd unit): IMAPClient switches imaplib's
debug output on, which builds the text of every literal read unless Python runs optimized.

Each round delivers `--per-round` mails (IMAP APPEND of real MIME: a text body and the 12 MP
JPEG of bench_submit.py, ~3 MB, EXIF GPS, base64 → ~4 MB per mail; not timed), then times one
`mailbox_poll()` over them (fetch, parse, photo cleaning, report, move to the done folder) with
MAILBOX_THREADS = `--threads` (one worker process), then the same again with 1 thread (the
serial poll), then the same number of `incident_submit` calls with the same photo (what the
app's submit endpoint calls), then `clean_photo` alone — alternating, so all four see the same
machine load. Prints per-mail/per-report medians and p95 of the rounds (wall and this process's
CPU, all its threads), mails/s, and the ratios mail/submit and photo cleaning/mail. Target
(issue 15): ≥ 10 mails/s per worker. Threads only shorten the wall time when a second core is
free: on a loaded machine compare the CPU columns.
Its own database `hotline1022_bench_mail` in var/pg (DATABASE_URL wins if set).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench.common import percentile  # noqa: E402


def setup() -> None:
    from bench.common import bench_database

    if "DATABASE_URL" not in os.environ:
        bench_database("hotline1022_bench_mail")
    else:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.dev")
        django.setup()


def mail(photo: bytes, n: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Cư dân {n} <cu.dan.{n}@example.vn>"
    msg["To"] = "1022@tphcm.gov.vn"
    msg["Subject"] = "Rác thải tồn đọng trước nhà"
    msg["Message-ID"] = make_msgid(f"bench{n}", domain="example.vn")
    msg.set_content("Rác thải đổ trước nhà số 12 đã ba ngày chưa ai dọn.")
    msg.add_attachment(photo, maintype="image", subtype="jpeg", filename="IMG_0001.jpg")
    return msg.as_bytes().replace(b"\n", b"\r\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--per-round", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    setup()
    from django.conf import settings
    from imapclient import IMAPClient

    from bench.bench_submit import twelve_megapixel_jpeg
    from tools import dovecot

    server = dovecot.start({"bench": "bench"})
    settings.MAILBOX_IMAP_HOST, settings.MAILBOX_IMAP_PORT = "127.0.0.1", server.port
    settings.MAILBOX_IMAP_TLS = False
    settings.MAILBOX_IMAP_USER = settings.MAILBOX_IMAP_PASSWORD = "bench"
    settings.MAILBOX_FOLDER, settings.MAILBOX_DONE_FOLDER = "INBOX", "Processed"
    settings.MAILBOX_BATCH = args.per_round

    from backend.accounts.models import User
    from backend.incidents.models import Incident
    from backend.incidents.photos import clean_photo
    from backend.incidents.services.submit import incident_submit
    from backend.mailbox.imap import mailbox_poll
    from backend.units.models import Category

    photo = twelve_megapixel_jpeg()
    raw_size = len(mail(photo, 0))
    optimized = "-O as the worker runs" if sys.flags.optimize else "NOT -O (the worker runs -O)"
    print(
        f"photo {len(photo) / 1e6:.2f} MB (4000x3000, EXIF GPS), mail {raw_size / 1e6:.2f} MB; "
        f"{args.rounds} rounds × {args.per_round}; load {os.getloadavg()[0]:.1f}; {optimized}"
    )
    category = Category.objects.get(code="rubbish")
    app_user, _ = User.objects.get_or_create(username="bench-mail-app")
    imap = IMAPClient("127.0.0.1", port=server.port, ssl=False)
    imap.login("bench", "bench")
    stamp = time.time_ns()
    before = Incident.objects.count()
    rows: dict[str, list[tuple[float, float]]] = {
        "mail": [],
        "serial": [],
        "submit": [],
        "clean": [],
    }
    n = 0
    try:
        for _round in range(args.rounds):
            k = args.per_round
            for name, threads in (("mail", args.threads), ("serial", 1)):
                for _ in range(k):
                    n += 1
                    imap.append("INBOX", mail(photo, n))
                settings.MAILBOX_THREADS = threads
                wall, cpu = time.perf_counter(), time.process_time()
                run = mailbox_poll()
                rows[name].append(
                    ((time.perf_counter() - wall) / k, (time.process_time() - cpu) / k)
                )
                if run.taken != k:
                    raise SystemExit(f"the poll took {run.taken} mails of {k}: {run}")
            wall, cpu = time.perf_counter(), time.process_time()
            for i in range(k):
                incident_submit(
                    reporter=app_user,
                    category=category,
                    description="Bench",
                    photos=[io.BytesIO(photo)],
                    idempotency_key=f"bench-mail-app-{stamp}-{n}-{i}",
                )
            rows["submit"].append(
                ((time.perf_counter() - wall) / k, (time.process_time() - cpu) / k)
            )
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(k):
                clean_photo(io.BytesIO(photo))
            rows["clean"].append(
                ((time.perf_counter() - wall) / k, (time.process_time() - cpu) / k)
            )
        filed = Incident.objects.count() - before
        if filed != n + args.rounds * args.per_round:
            raise SystemExit(f"{filed} reports filed, expected {n + args.rounds * args.per_round}")
    finally:
        imap.logout()
        server.stop()

    print(f"load at the end {os.getloadavg()[0]:.1f}")
    print(f"{'per item, ms':22} {'wall med':>9} {'wall p95':>9} {'cpu med':>8} {'cpu p95':>8}")
    med = {}
    for name, label in (
        ("mail", f"mail → report, {args.threads} thr"),
        ("serial", "mail → report, 1 thr"),
        ("submit", "app photo submit"),
        ("clean", "clean_photo alone"),
    ):
        walls = [w * 1000 for w, _ in rows[name]]
        cpus = [c * 1000 for _, c in rows[name]]
        med[name] = (statistics.median(walls), statistics.median(cpus))
        print(
            f"{label:22} {med[name][0]:9.1f} {percentile(walls, 95):9.1f} "
            f"{med[name][1]:8.1f} {percentile(cpus, 95):8.1f}"
        )
    print(
        f"mails/s per worker: {args.threads} threads {1000 / med['mail'][0]:.1f} (wall), "
        f"1 thread {1000 / med['serial'][0]:.1f} (wall), {1000 / med['serial'][1]:.1f} (per "
        f"core: 1000 / CPU ms of a mail, serial)"
    )
    print(
        f"ratio mail / app submit: wall {med['mail'][0] / med['submit'][0]:.2f}× "
        f"({args.threads} threads), {med['serial'][0] / med['submit'][0]:.2f}× (1 thread); CPU "
        f"{med['serial'][1] / med['submit'][1]:.2f}× (1 thread); photo cleaning = "
        f"{med['clean'][1] / med['serial'][1]:.0%} of a mail's CPU"
    )


if __name__ == "__main__":
    main()
