"""The weekly digest as notices: a short SMS and a full e-mail (HTML table + CSV) to each unit
leader, created once per (unit, week, channel, address) and sent by the worker.

Side effects of `digest_send`: `Notice` rows and their send jobs, in one transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from .digest import Counts, UnitDigest, Week, unit_digests, week_before
from .models import Channel, DeliveryStatus, NoticeKind
from .notices import NoticeDraft, notices_create, notices_queue

# Category.field codes (fixtures/categories) as people say them.
FIELD_LABELS = {
    "infrastructure": gettext_lazy("Hạ tầng"),
    "traffic": gettext_lazy("Giao thông"),
    "environment": gettext_lazy("Môi trường"),
    "urban-order": gettext_lazy("Trật tự đô thị"),
    "security": gettext_lazy("An ninh trật tự"),
    "health": gettext_lazy("Y tế"),
    "administration": gettext_lazy("Thủ tục hành chính"),
    "other": gettext_lazy("Khác"),
}


# number_format cuts a float's digits (16.67 → "16,6"): round first.
def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{formats.number_format(round(rate * 100, 1), 1)}%"


def points(change: float | None) -> str:
    if change is None:
        return "—"
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    return f"{sign}{formats.number_format(round(abs(change) * 100, 1), 1)}"


@dataclass(frozen=True)
class Line:
    name: str
    counts: Counts

    @property
    def cells(self) -> list[str]:
        c = self.counts
        numbers = [c.received, c.resolved, c.on_time, c.late, c.overdue]
        return [
            *(str(n) for n in numbers),
            percent(c.late_rate),
            percent(c.prev_late_rate),
            points(c.change),
        ]


def headers() -> list[str]:
    return [
        _("Tiếp nhận"),
        _("Đã xử lý"),
        _("Đúng hạn"),
        _("Trễ hạn"),
        _("Còn quá hạn"),
        _("Tỉ lệ trễ"),
        _("Tuần trước"),
        _("Thay đổi (điểm %)"),
    ]


def sections(digest: UnitDigest) -> list[tuple[str, list[Line]]]:
    fields = sorted(digest.by_field.items(), key=lambda kv: str(FIELD_LABELS.get(kv[0], kv[0])))
    wards = sorted(digest.by_ward.items(), key=lambda kv: (-kv[1].received, kv[0]))
    return [
        (_("Tổng cộng"), [Line(digest.unit.name, digest.total)]),
        (_("Theo lĩnh vực"), [Line(str(FIELD_LABELS.get(k, k)), c) for k, c in fields]),
        (_("Theo phường/xã"), [Line(k, c) for k, c in wards]),
    ]


def unit_name(unit: Any) -> str:
    """The unit's English name when the digest is rendered in English and it has one."""
    return str((get_language() == "en" and unit.name_en) or unit.name)


def sms_text(digest: UnitDigest) -> str:
    c = digest.total
    parts = [  # short msgids: tools/fill_po.py only fills msgids that fit on one .po line
        _("[1022] %(unit)s, tuần %(week)s: tiếp nhận %(received)s,"),
        _("đã xử lý %(resolved)s (đúng hạn %(on_time)s, trễ %(late)s),"),
        _("còn quá hạn %(overdue)s. Tỉ lệ trễ %(rate)s (tuần trước %(prev)s)."),
        _("Chi tiết trong email."),
    ]
    return " ".join(parts) % {
        "unit": unit_name(digest.unit),  # people read it: the name, not the code
        "week": digest.week.label,
        "received": c.received,
        "resolved": c.resolved,
        "on_time": c.on_time,
        "late": c.late,
        "overdue": c.overdue,
        "rate": percent(c.late_rate),
        "prev": percent(c.prev_late_rate),
    }


def email_subject(digest: UnitDigest) -> str:
    return _("[1022] Báo cáo tuần %(week)s — %(unit)s") % {
        "week": digest.week.label,
        "unit": digest.unit.name,
    }


def email_text(digest: UnitDigest) -> str:
    lines = [email_subject(digest), ""]
    for title, rows in sections(digest):
        lines += [title, " | ".join(["", *headers()])]
        lines += [" | ".join([row.name, *row.cells]) for row in rows] or ["—"]
        lines.append("")
    return "\n".join(lines)


def email_html(digest: UnitDigest) -> str:
    return render_to_string(
        "notifications/digest_email.html",
        {
            "subject": email_subject(digest),
            "digest": digest,
            "headers": headers(),
            "sections": sections(digest),
            "start": timezone.localtime(digest.week.start),
            "end": timezone.localtime(digest.week.end),
        },
    )


def csv_text(digest: UnitDigest) -> str:
    """Plain numbers (rates as fractions, dot decimals) for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "section",
            "name",
            "received",
            "resolved",
            "on_time",
            "late",
            "still_overdue",
            "late_rate",
            "late_rate_last_week",
            "late_rate_change",
        ]
    )
    for key, (_title, rows) in zip(("total", "field", "ward"), sections(digest), strict=True):
        for row in rows:
            c = row.counts
            rates = [c.late_rate, c.prev_late_rate, c.change]
            writer.writerow(
                [
                    key,
                    row.name,
                    c.received,
                    c.resolved,
                    c.on_time,
                    c.late,
                    c.overdue,
                    *("" if r is None else f"{r:.4f}" for r in rates),
                ]
            )
    return out.getvalue()


def digest_drafts(digest: UnitDigest) -> list[NoticeDraft]:
    unit = digest.unit
    period = timezone.localtime(digest.week.end).date()
    base = NoticeDraft(
        kind=NoticeKind.DIGEST,
        unit_id=unit.pk,
        period=period,
        channel=Channel.EMAIL,
        address="",
        body=sms_text(digest),
    )
    drafts: list[NoticeDraft] = []
    if unit.leader_phone:
        drafts.append(replace(base, channel=Channel.SMS, address=unit.leader_phone))
    if unit.leader_email:
        drafts.append(
            replace(
                base,
                address=unit.leader_email,
                subject=email_subject(digest),
                body=email_text(digest),
                html=email_html(digest),
                attachment=csv_text(digest),
            )
        )
    if not drafts:
        drafts.append(replace(base, status=DeliveryStatus.SKIPPED, last_error="no leader contact"))
    return drafts


def digest_send(*, at: dt.datetime, week: Week | None = None) -> int:
    """Create the digest notices of the week before `at` for every active unit and defer their
    sending (one transaction). A second run for the same week creates and sends nothing."""
    week = week or week_before(at)
    with translation.override(settings.LANGUAGE_CODE):
        drafts = [d for digest in unit_digests(week) for d in digest_drafts(digest)]
    with transaction.atomic():
        return notices_queue(notices_create(drafts))
