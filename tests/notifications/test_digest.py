"""The weekly digest: numbers against hand-built data, rendering, sending once per week."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command

from backend.accounts.sms import SmsMessage
from backend.incidents.models import Incident, Status
from backend.notifications.digest import Week, iso_week, unit_digests, week_before
from backend.notifications.digest_notices import csv_text, digest_send, email_html, sms_text
from backend.notifications.models import Notice
from backend.notifications.tasks import weekly_digest_job
from backend.units.models import Unit
from tests.incidents.factories import BEN_THANH, SAIGON, make_incident, ward_unit

from .helpers import run_send_jobs, send_jobs, sms_outbox, with_leader

pytestmark = pytest.mark.django_db
__all__ = ["sms_outbox"]
UTC = dt.UTC
END = dt.datetime(2026, 11, 20, 8, 0, tzinfo=UTC)  # Friday 20/11/2026 15:00 in HCMC
START = END - dt.timedelta(days=7)
PREV = START - dt.timedelta(days=7)
H = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _schedule(settings: Any) -> None:
    settings.DIGEST_SCHEDULE = "FRI 15:00"


def incident(
    unit: Unit,
    created: dt.datetime,
    *,
    category: str = "rubbish",
    ward: str = SAIGON,
    resolved: dt.datetime | None = None,
    late: bool | None = None,
    due: dt.datetime | None = None,
) -> Incident:
    return make_incident(
        ward,
        category,
        unit=unit,
        created_at=created,
        status=Status.RESOLVED if resolved else Status.IN_PROGRESS,
        resolved_at=resolved,
        is_late=late,
        due_at=due or created + dt.timedelta(days=30),
    )


@pytest.fixture
def units() -> tuple[Unit, Unit, Unit]:
    a = with_leader(ward_unit(SAIGON), "+84900000001", "a@hcm.example")
    b = ward_unit(BEN_THANH)
    assert a.parent is not None and a.parent == b.parent
    return a, b, a.parent


@pytest.fixture
def data(units: tuple[Unit, Unit, Unit]) -> None:
    a, b, _city = units
    # unit A, this week
    incident(a, START, due=START + H)  # created at the very start; overdue at the end
    incident(a, START + H, resolved=START + 2 * H, late=False)
    incident(a, START + 2 * H, resolved=END - H, late=True)
    incident(a, START + 3 * H, category="road-damage", due=END - H)  # overdue at the end
    incident(a, START + 4 * H, category="road-damage", ward=BEN_THANH)  # open, due later
    incident(a, START - 40 * H, resolved=END, late=True)  # resolved at the end: next week
    incident(a, END, due=END + H)  # after the week: nothing
    incident(a, PREV - 5 * H, due=PREV)  # old, still open: overdue at the end
    # unit A, last week: 3 resolved, 1 late
    incident(a, PREV - H, resolved=PREV + H, late=True)
    incident(a, PREV, resolved=PREV + 2 * H, late=False)
    incident(a, PREV + H, category="road-damage", resolved=START - H, late=False)
    # unit B: one resolved late this week, nothing last week
    incident(
        b, START + H, category="road-damage", ward=BEN_THANH, resolved=START + 5 * H, late=True
    )


def test_numbers_match_the_hand_built_week(units: tuple[Unit, Unit, Unit], data: None) -> None:
    a, b, city = units
    week = Week(start=START, end=END)
    assert week_before(END + dt.timedelta(days=2)) == week == iso_week(2026, 47)
    digests = {d.unit: d for d in unit_digests(week, units=[a, b, city])}

    total = digests[a].total
    assert (total.received, total.resolved, total.on_time, total.late, total.overdue) == (
        5,
        2,
        1,
        1,
        3,
    )
    assert (total.late_rate, total.prev_resolved, total.prev_late) == (0.5, 3, 1)
    assert total.prev_late_rate == 0.3333 and total.change == 0.1667

    env, infra = digests[a].by_field["environment"], digests[a].by_field["infrastructure"]
    assert (env.received, env.resolved, env.late, env.overdue) == (3, 2, 1, 2)
    assert (infra.received, infra.resolved, infra.late, infra.overdue) == (2, 0, 0, 1)
    assert (infra.prev_resolved, infra.prev_late, infra.change) == (1, 0, None)
    wards = digests[a].by_ward
    assert {name: c.received for name, c in wards.items() if c.received} == {
        "Phường Sài Gòn": 4,
        "Phường Bến Thành": 1,
    }

    other = digests[b].total
    assert (other.received, other.resolved, other.late, other.late_rate, other.change) == (
        1,
        1,
        1,
        1.0,
        None,
    )
    # the parent unit sees its sub-units
    top = digests[city].total
    assert (top.received, top.resolved, top.late, top.overdue) == (6, 3, 2, 3)


def test_renderings(units: tuple[Unit, Unit, Unit], data: None) -> None:
    a, _b, _city = units
    (digest,) = unit_digests(Week(start=START, end=END), units=[a])
    assert sms_text(digest) == (
        f"[1022] {a.name}, tuần 13/11–20/11/2026: tiếp nhận 5, đã xử lý 2 (đúng hạn 1, trễ 1), "
        "còn quá hạn 3. Tỉ lệ trễ 50,0% (tuần trước 33,3%). Chi tiết trong email."
    )
    html = email_html(digest)
    assert "<table" in html and "Môi trường" in html and "+16,7" in html
    rows = list(csv.DictReader(io.StringIO(csv_text(digest))))
    assert rows[0] == {
        "section": "total",
        "name": a.name,
        "received": "5",
        "resolved": "2",
        "on_time": "1",
        "late": "1",
        "still_overdue": "3",
        "late_rate": "0.5000",
        "late_rate_last_week": "0.3333",
        "late_rate_change": "0.1667",
    }
    assert {r["section"] for r in rows} == {"total", "field", "ward"}


def test_digest_is_sent_once_per_week_by_sms_and_email(
    units: tuple[Unit, Unit, Unit], data: None, sms_outbox: list[SmsMessage]
) -> None:
    a, _b, _city = units
    weekly_digest_job(timestamp=int(END.timestamp()))
    ours = Notice.objects.filter(unit=a, kind="digest")
    assert sorted(ours.values_list("channel", "address", "period")) == [
        ("email", "a@hcm.example", dt.date(2026, 11, 20)),
        ("sms", "+84900000001", dt.date(2026, 11, 20)),
    ]
    # units without a leader contact are recorded, not sent
    assert Notice.objects.filter(kind="digest", status="skipped").exists()
    run_send_jobs()
    assert [m.to for m in sms_outbox] == ["+84900000001"]
    (email,) = mail.outbox
    assert isinstance(email, EmailMultiAlternatives)
    assert email.to == ["a@hcm.example"] and email.subject.startswith("[1022] Báo cáo tuần")
    (html, mime) = email.alternatives[0]
    assert mime == "text/html" and "<table" in str(html)
    assert "<caption" in str(html) and 'scope="col"' in str(html)  # accessible tables
    (name, content, csv_mime) = email.attachments[0]
    assert name == "bao-cao-tuan-2026-11-20.csv" and csv_mime.startswith("text/csv")
    assert content.startswith("\ufeffsection,name,received")

    jobs = len(send_jobs())
    assert digest_send(at=END + H) == 0  # same week again: nothing new
    assert len(send_jobs()) == jobs


def test_digest_render_command(units: tuple[Unit, Unit, Unit], data: None) -> None:
    a, _b, _city = units
    out = io.StringIO()
    call_command("digest_render", unit=a.code, week="2026-W47", format="sms", stdout=out)
    assert "tiếp nhận 5, đã xử lý 2" in out.getvalue()
    assert not Notice.objects.exists() and not mail.outbox
    out = io.StringIO()
    call_command(
        "digest_render", unit=a.code, week="2026-W47", format="csv", language="en", stdout=out
    )
    assert out.getvalue().startswith("section,name,received")
