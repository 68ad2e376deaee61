"""The leaders' dashboard: one selector that the API, the page and the tests all read, so the
numbers on the page are the API's by construction.

A dashboard is about one *scope*: a unit (with its sub-units, as the unit's staff scope is), a
ward, a field (category group) or the whole city. The scope is always intersected with what the
user may see (`incidents_visible_to`), and the city needs a city role (supervisor/admin):
`DashboardForbidden` otherwise, so the rule lives here and not in each caller.

Definitions are the staff selectors' (one source of truth): "overdue" is `overdue_q`, "resolved
in a period" and "late" are `resolved_between` / `LATE`, a rate is `late_share`. Due soon = open,
not yet due, due within `due_soon_hours`.

Cost at city scale: one pass over the open rows (partial index); the resolved counts since the
start of the previous quarter by local day (every period, the previous periods and the weekly
trend are sums of days: period bounds are local midnights) and by unit for the ranking — read
from the per-(day, unit) rollup the incidents table's triggers keep (`Resolved`) for the city and
a unit, counted from the incidents for a ward or a field; the ratings of the quarter, the oldest
overdue and the unanswered directions. Resolved counts cover whole local days up to today's end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, BigIntegerField, Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.common.errors import DomainError
from backend.common.periods import local_midnight
from backend.units.models import Category, Unit
from backend.units.selectors import staff_scope

from ..models import EventKind, Incident, IncidentEvent, IncidentResolvedDay, Rating, open_q
from .staff import LATE, incidents_visible_to, late_share

SCOPE_KINDS = ("unit", "ward", "field", "city")
TREND_WEEKS = 13
LIST_LIMIT = 10


class DashboardForbidden(DomainError):
    status_code = 403
    code = "dashboard_scope_forbidden"


@dataclass(frozen=True)
class DashboardScope:
    kind: str  # one of SCOPE_KINDS
    unit_id: int | None = None
    ward_id: int | None = None
    field: str = ""


@dataclass(frozen=True)
class Span:
    """[start, end) in local midnights, and the period before it of the same kind."""

    name: str
    start: dt.datetime
    end: dt.datetime
    prev_start: dt.datetime


@dataclass
class Tally:
    resolved: int = 0
    late: int = 0

    @property
    def on_time(self) -> int:
        return self.resolved - self.late

    @property
    def late_rate(self) -> float | None:
        return late_share(self.late, self.resolved)

    def as_dict(self) -> dict[str, Any]:
        return {
            "resolved": self.resolved,
            "on_time": self.on_time,
            "late": self.late,
            "late_rate": self.late_rate,
        }


@dataclass
class Dashboard:
    scope: DashboardScope
    at: dt.datetime
    open: int = 0
    overdue: int = 0
    due_soon: int = 0
    periods: list[dict[str, Any]] = field(default_factory=list)
    trend: list[dict[str, Any]] = field(default_factory=list)
    units: list[dict[str, Any]] = field(default_factory=list)
    rating: dict[str, Any] = field(default_factory=dict)
    oldest_overdue: list[dict[str, Any]] = field(default_factory=list)
    directions: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "scope": {
                "kind": self.scope.kind,
                "unit": self.scope.unit_id,
                "ward": self.scope.ward_id,
                "field": self.scope.field or None,
            },
            "at": self.at,
            "open": self.open,
            "overdue": self.overdue,
            "due_soon": self.due_soon,
            "periods": self.periods,
            "trend": self.trend,
            "units": self.units,
            "rating": self.rating,
            "oldest_overdue": self.oldest_overdue,
            "directions": self.directions,
        }


def unit_subtree(unit_id: int) -> list[int]:
    """`unit_id` and every unit below it (cycles are cut)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in Unit.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    seen, stack = {unit_id}, [unit_id]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return sorted(seen)


def default_scope(user: Any) -> DashboardScope:
    """The city for city roles, else the user's top unit (the one with most below it)."""
    scope = staff_scope(user)
    if scope.is_global:
        return DashboardScope(kind="city")
    if not scope.unit_ids:
        raise DashboardForbidden(_("Bạn không có quyền xem bảng điều hành."))
    parents = dict(Unit.objects.filter(pk__in=scope.unit_ids).values_list("pk", "parent_id"))
    tops = sorted(pk for pk, parent in parents.items() if parent not in parents)
    return DashboardScope(kind="unit", unit_id=tops[0])


def scoped_incidents(user: Any, scope: DashboardScope) -> QuerySet[Incident]:
    """The incidents of `scope` that `user` may see; `DashboardForbidden` for a scope they may
    not open (the city without a city role, a unit outside their reach)."""
    reach = staff_scope(user)
    if not reach.is_staff:
        raise DashboardForbidden(_("Bạn không có quyền xem bảng điều hành."))
    incidents = incidents_visible_to(user)
    if scope.kind == "city":
        if not reach.is_global:
            raise DashboardForbidden(_("Chỉ cấp Thành phố xem được toàn thành phố."))
        return incidents
    if scope.kind == "unit":
        if scope.unit_id is None or not reach.sees_unit(scope.unit_id):
            raise DashboardForbidden(_("Đơn vị này ngoài phạm vi của bạn."))
        return incidents.filter(unit_id__in=unit_subtree(scope.unit_id))
    if scope.kind == "ward":
        return incidents.filter(ward_id=scope.ward_id)
    if scope.kind == "field":
        ids = list(Category.objects.filter(field=scope.field).values_list("pk", flat=True))
        return incidents.filter(category_id__in=ids)
    raise DomainError(_("Phạm vi không hợp lệ."), code="invalid_scope")


def spans(at: dt.datetime) -> list[Span]:
    """This week (from Monday), month and quarter, each up to `at`, with the previous one."""
    today = timezone.localdate(at)
    monday = today - dt.timedelta(days=today.weekday())
    first = today.replace(day=1)
    prev_month = (first - dt.timedelta(days=1)).replace(day=1)
    q_month = 3 * ((today.month - 1) // 3) + 1
    q_first = today.replace(month=q_month, day=1)
    prev_q = q_first.replace(year=q_first.year - 1, month=10) if q_month == 1 else None
    prev_q = prev_q or q_first.replace(month=q_month - 3)
    return [
        Span("week", local_midnight(monday), at, local_midnight(monday - dt.timedelta(days=7))),
        Span("month", local_midnight(first), at, local_midnight(prev_month)),
        Span("quarter", local_midnight(q_first), at, local_midnight(prev_q)),
    ]


def _sum_days(days: dict[dt.date, Tally], start: dt.date, end: dt.date) -> Tally:
    out = Tally()
    for day, t in days.items():
        if start <= day < end:
            out.resolved += t.resolved
            out.late += t.late
    return out


@dataclass(frozen=True)
class Resolved:
    """Where a scope's resolved counts are read: the per-(day, unit) rollup kept by the
    incidents table's triggers (`IncidentResolvedDay`; the city, a unit and its sub-units), or
    the incidents themselves (a ward, a field: scopes the rollup has no key for). Both count
    whole local days up to `until` (exclusive), so they agree by construction."""

    incidents: QuerySet[Incident]
    unit_ids: list[int] | None  # the rollup's units (None: every unit); unused when not rollup
    rollup: bool

    def _rollup_by_day(self, since: dt.date, until: dt.date) -> dict[dt.date, Tally]:
        rows = (
            self._days(since, until)
            .values("day")
            .annotate(n=Sum("resolved"), k=Sum("late"))
            .values_list("day", "n", "k")
        )
        return {day: Tally(n, k) for day, n, k in rows if n or k}

    def _rollup_by_unit(self, since: dt.date, until: dt.date) -> dict[int, Tally]:
        rows = (
            self._days(since, until)
            .filter(unit_id__isnull=False)
            .values("unit_id")
            .annotate(n=Sum("resolved"), k=Sum("late"))
            .values_list("unit_id", "n", "k")
        )
        return {unit_id: Tally(n, k) for unit_id, n, k in rows if unit_id is not None and (n or k)}

    def tallies(
        self, since: dt.date, unit_since: dt.date, until: dt.date
    ) -> tuple[dict[dt.date, Tally], dict[int, Tally]]:
        """By day from `since`, by unit from `unit_since`: two rollup reads, or one pass over
        the incidents grouped by (day, unit)."""
        if self.rollup:
            return self._rollup_by_day(since, until), self._rollup_by_unit(unit_since, until)
        rows = (
            self._raw(since, until)
            .annotate(day=TruncDate("resolved_at", tzinfo=timezone.get_current_timezone()))
            .values("day", "unit_id")
            .annotate(n=Count("*"), k=Count("is_late", filter=LATE))
            .values_list("day", "unit_id", "n", "k")
        )
        days: dict[dt.date, Tally] = {}
        units: dict[int, Tally] = {}
        for day, unit_id, n, k in rows:
            tally = days.setdefault(day, Tally())
            tally.resolved, tally.late = tally.resolved + n, tally.late + k
            if unit_id is not None and day >= unit_since:
                tally = units.setdefault(unit_id, Tally())
                tally.resolved, tally.late = tally.resolved + n, tally.late + k
        return days, units

    def _days(self, since: dt.date, until: dt.date) -> QuerySet[IncidentResolvedDay]:
        days = IncidentResolvedDay.objects.filter(day__gte=since, day__lt=until).order_by()
        return days if self.unit_ids is None else days.filter(unit_id__in=self.unit_ids)

    def _raw(self, since: dt.date, until: dt.date) -> QuerySet[Incident]:
        return self.incidents.filter(
            resolved_at__gte=local_midnight(since), resolved_at__lt=local_midnight(until)
        ).order_by()


def resolved_source(
    user: Any, scope: DashboardScope, incidents: QuerySet[Incident], *, rollup: bool = True
) -> Resolved:
    """The rollup for the city and for a unit (their incidents are exactly the rollup's units);
    the incidents for the other scopes, or when `rollup` is False (tests compare the two)."""
    if rollup and scope.kind == "city":
        return Resolved(incidents, None, True)
    if rollup and scope.kind == "unit" and scope.unit_id is not None:
        return Resolved(incidents, unit_subtree(scope.unit_id), True)
    return Resolved(incidents, None, False)


def _periods(days: dict[dt.date, Tally], at: dt.datetime) -> list[dict[str, Any]]:
    today = timezone.localdate(at)
    tomorrow = today + dt.timedelta(days=1)
    out = []
    for span in spans(at):
        start, prev = timezone.localdate(span.start), timezone.localdate(span.prev_start)
        out.append(
            {
                "period": span.name,
                "start": span.start,
                "prev_start": span.prev_start,
                "current": _sum_days(days, start, tomorrow).as_dict(),
                "previous": _sum_days(days, prev, start).as_dict(),
            }
        )
    return out


def _trend(days: dict[dt.date, Tally], at: dt.datetime) -> list[dict[str, Any]]:
    today = timezone.localdate(at)
    monday = today - dt.timedelta(days=today.weekday())
    out = []
    for back in range(TREND_WEEKS - 1, -1, -1):
        start = monday - dt.timedelta(days=7 * back)
        t = _sum_days(days, start, start + dt.timedelta(days=7))
        out.append({"week": start, **t.as_dict()})
    return out


def _units_ranked(
    resolved: dict[int, Tally], late_now: dict[int, int], at: dt.datetime
) -> list[dict[str, Any]]:
    """Units by late share in the quarter (worst first), then by overdue now."""
    names = dict(Unit.objects.filter(pk__in={*resolved, *late_now}).values_list("pk", "name"))
    rows = [
        {
            "unit_id": pk,
            "name": names.get(pk, str(pk)),
            **resolved.get(pk, Tally()).as_dict(),
            "overdue": late_now.get(pk, 0),
        }
        for pk in {*resolved, *late_now}
    ]
    rows.sort(
        key=lambda r: (
            -(r["late_rate"] if r["late_rate"] is not None else -1.0),
            -r["overdue"],
            r["name"],
        )
    )
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return rows


def _rating(incidents: QuerySet[Incident], start: dt.datetime, at: dt.datetime) -> dict[str, Any]:
    row = Rating.objects.filter(
        created_at__gte=start, created_at__lt=at, incident_id__in=incidents.values("pk")
    ).aggregate(average=Avg("stars"), count=Count("pk"))
    average = row["average"]
    return {"average": None if average is None else round(average, 2), "count": row["count"]}


def _overdue_rows(incidents: Iterable[Incident], at: dt.datetime) -> list[dict[str, Any]]:
    return [
        {
            "id": i.pk,
            "reference": i.reference,
            "unit": i.unit.name if i.unit else None,
            "category": i.category.name,
            "due_at": i.due_at,
            "overdue_hours": round((at - i.due_at).total_seconds() / 3600, 1) if i.due_at else None,
        }
        for i in incidents
    ]


def unanswered_directions(incidents: QuerySet[Incident]) -> QuerySet[IncidentEvent]:
    """Directions on the scope's reports that no note answers (`data.reply_to`), oldest first."""
    answers = (
        IncidentEvent.objects.filter(incident_id=OuterRef("incident_id"), kind=EventKind.NOTE)
        .annotate(reply_to=Cast(KT("data__reply_to"), BigIntegerField()))
        .filter(reply_to=OuterRef("pk"))
    )
    return (
        IncidentEvent.objects.filter(
            kind=EventKind.DIRECTION, incident_id__in=incidents.values("pk")
        )
        .exclude(Exists(answers))
        .order_by("created_at", "pk")
    )


def _directions(incidents: QuerySet[Incident]) -> dict[str, Any]:
    pending = unanswered_directions(incidents)
    rows = pending.select_related("incident", "actor")[:LIST_LIMIT]
    return {
        "count": pending.count(),
        "oldest": [
            {
                "id": e.pk,
                "incident_id": e.incident_id,
                "reference": e.incident.reference,
                "note": e.note,
                "by": e.actor.get_full_name() or e.actor.get_username() if e.actor else None,
                "created_at": e.created_at,
            }
            for e in rows
        ],
    }


def dashboard(
    *,
    user: Any,
    scope: DashboardScope,
    at: dt.datetime | None = None,
    due_soon_hours: int = 24,
    rollup: bool = True,
) -> Dashboard:
    """Every number of the dashboard of `scope` as `user` may see it, at `at` (default now)."""
    at = at or timezone.now()
    incidents = scoped_incidents(user, scope)
    board = Dashboard(scope=scope, at=at)
    soon = at + dt.timedelta(hours=due_soon_hours)
    # one pass over the open rows (the partial index on due_at carries the unit): the totals
    # and each unit's overdue count for the ranking
    live = (
        incidents.filter(open_q())
        .order_by()
        .values("unit_id")
        .annotate(
            n=Count("*"),
            late=Count("due_at", filter=Q(due_at__lt=at)),
            soon=Count("due_at", filter=Q(due_at__gte=at, due_at__lt=soon)),
        )
        .values_list("unit_id", "n", "late", "soon")
    )
    open_by_unit: dict[int, int] = {}
    for unit_id, n, late, due_soon in live:
        board.open += n
        board.overdue += late
        board.due_soon += due_soon
        if unit_id is not None and late:
            open_by_unit[unit_id] = late
    periods = spans(at)
    trend_start = local_midnight(
        timezone.localdate(at)
        - dt.timedelta(days=timezone.localdate(at).weekday() + 7 * (TREND_WEEKS - 1))
    )
    since = min(trend_start, *(s.prev_start for s in periods))
    tomorrow = timezone.localdate(at) + dt.timedelta(days=1)
    source = resolved_source(user, scope, incidents, rollup=rollup)
    quarter = periods[-1]
    days, by_unit = source.tallies(
        timezone.localdate(since), timezone.localdate(quarter.start), tomorrow
    )
    board.periods = _periods(days, at)
    board.trend = _trend(days, at)
    board.units = _units_ranked(by_unit, open_by_unit, at)
    board.rating = _rating(incidents, quarter.start, at)
    oldest = (
        incidents.filter(open_q(), due_at__lt=at)
        .select_related("unit", "category")
        .only("pk", "reference", "due_at", "unit__name", "category__name")
        .order_by("due_at", "pk")[:LIST_LIMIT]
    )
    board.oldest_overdue = _overdue_rows(oldest, at)
    board.directions = _directions(incidents)
    return board
