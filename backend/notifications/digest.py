"""The weekly digest: per unit, the week's received / resolved / on time / late / still overdue,
by field and by ward, with the late rate and its change from the previous week.

The week is the 7 days before the digest instant (DIGEST_SCHEDULE, local time): a digest sent
Friday 15:00 covers Friday 15:00 a week earlier up to then; "last week" is the 7 days before.
Definitions are the staff selectors' (one source of truth): "resolved in a period" and "late" are
`resolved_between` / `LATE`, the rate is `late_share`, "still overdue" is `overdue(…, now=end)`
(open now and past its deadline at the end of the week). A unit's digest includes its sub-units,
as its staff scope does. All units are counted in two grouped queries (unit × field × ward),
then summed up the unit tree in Python: the numbers are additive.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from backend.incidents.models import Incident
from backend.incidents.selectors.staff import LATE, late_share, overdue, resolved_between
from backend.units.models import Unit
from geo.models import AdminArea

from .schedule import last_weekly_instant, weekly_instant_of_iso_week


@dataclass(frozen=True)
class Week:
    start: dt.datetime
    end: dt.datetime  # the digest instant, exclusive

    @property
    def prev_start(self) -> dt.datetime:
        return self.start - dt.timedelta(days=7)

    @property
    def label(self) -> str:
        start, last = timezone.localtime(self.start), timezone.localtime(self.end)
        return f"{start:%d/%m}–{last:%d/%m/%Y}"


def _week_ending(end: dt.datetime) -> Week:
    return Week(start=end - dt.timedelta(days=7), end=end)


def week_before(at: dt.datetime) -> Week:
    """The digest week whose instant is the latest one at or before `at`."""
    return _week_ending(last_weekly_instant(settings.DIGEST_SCHEDULE, settings.TIME_ZONE, at=at))


def iso_week(year: int, week: int) -> Week:
    """The digest week sent in ISO week `year`-W`week`."""
    instant = weekly_instant_of_iso_week(settings.DIGEST_SCHEDULE, settings.TIME_ZONE, year, week)
    return _week_ending(instant)


@dataclass
class Counts:
    received: int = 0
    resolved: int = 0
    late: int = 0
    overdue: int = 0
    prev_resolved: int = 0
    prev_late: int = 0

    @property
    def on_time(self) -> int:
        return self.resolved - self.late

    @property
    def late_rate(self) -> float | None:
        return late_share(self.late, self.resolved)

    @property
    def prev_late_rate(self) -> float | None:
        return late_share(self.prev_late, self.prev_resolved)

    @property
    def change(self) -> float | None:
        """Change of the late rate from last week, in rate units (0.05 = 5 points)."""
        now, before = self.late_rate, self.prev_late_rate
        return None if now is None or before is None else round(now - before, 4)

    def add(self, other: Counts) -> None:
        self.received += other.received
        self.resolved += other.resolved
        self.late += other.late
        self.overdue += other.overdue
        self.prev_resolved += other.prev_resolved
        self.prev_late += other.prev_late


@dataclass
class UnitDigest:
    unit: Unit
    week: Week
    total: Counts = field(default_factory=Counts)
    by_field: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    by_ward: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))


Key = tuple[int, str, int]  # unit, category field, ward


def digest_counts(week: Week) -> dict[Key, Counts]:
    """Counts of every (unit, field, ward) with anything to report, in two queries."""
    incidents = Incident.objects.filter(unit__isnull=False)
    received = Q(created_at__gte=week.start, created_at__lt=week.end)
    this_week = resolved_between(week.start, week.end)
    last_week = resolved_between(week.prev_start, week.start)
    group = ("unit_id", "category__field", "ward_id")
    counts: dict[Key, Counts] = defaultdict(Counts)
    rows = (
        incidents.filter(received | resolved_between(week.prev_start, week.end))
        .values(*group)
        .annotate(
            n_in=Count("pk", filter=received),
            n_res=Count("pk", filter=this_week),
            n_late=Count("pk", filter=this_week & LATE),
            p_res=Count("pk", filter=last_week),
            p_late=Count("pk", filter=last_week & LATE),
        )
        .values_list(*group, "n_in", "n_res", "n_late", "p_res", "p_late")
        .order_by()
    )
    for unit_id, field_code, ward_id, n_in, n_res, n_late, p_res, p_late in rows:
        c = counts[(unit_id, field_code, ward_id)]
        c.received, c.resolved, c.late, c.prev_resolved, c.prev_late = (
            n_in,
            n_res,
            n_late,
            p_res,
            p_late,
        )
    late_now = (
        overdue(incidents, now=week.end)
        .values(*group)
        .annotate(n=Count("pk"))
        .values_list(*group, "n")
        .order_by()
    )
    for unit_id, field_code, ward_id, n in late_now:
        counts[(unit_id, field_code, ward_id)].overdue = n
    return counts


def _ancestors(units: dict[int, Unit]) -> dict[int, list[int]]:
    """Each unit with its ancestors, itself first (cycles are cut)."""
    chains: dict[int, list[int]] = {}
    for pk in units:
        chain, current = [pk], units[pk].parent_id
        while current is not None and current in units and current not in chain:
            chain.append(current)
            current = units[current].parent_id
        chains[pk] = chain
    return chains


def unit_digests(week: Week, *, units: list[Unit] | None = None) -> list[UnitDigest]:
    """The digest of each of `units` (default: every active unit), sub-units included."""
    every = {
        u.pk: u
        for u in Unit.objects.only(
            "id", "code", "name", "parent_id", "leader_phone", "leader_email", "is_active"
        )
    }
    wanted = units if units is not None else [u for u in every.values() if u.is_active]
    digests = {u.pk: UnitDigest(unit=u, week=week) for u in wanted}
    counts = digest_counts(week)
    ward_names = dict(
        AdminArea.objects.filter(pk__in={ward for _u, _f, ward in counts}).values_list("pk", "name")
    )
    chains = _ancestors(every)
    for (unit_id, field_code, ward_id), c in counts.items():
        for pk in chains.get(unit_id, [unit_id]):
            digest = digests.get(pk)
            if digest is None:
                continue
            digest.total.add(c)
            digest.by_field[field_code].add(c)
            digest.by_ward[ward_names.get(ward_id, str(ward_id))].add(c)
    return sorted(digests.values(), key=lambda d: d.unit.code)
