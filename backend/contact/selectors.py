"""Read side of the contact centre: who may use it, call cards, the caller's earlier reports,
knowledge-base and place search, the live preview of a report before it is saved.

Search folds case and Vietnamese diacritics on both sides (`contact_fold`, migration 0002), so
"ben thanh", "Ben Thanh" and "Bến Thành" find the same rows. Every word of the query must occur
(`LIKE '%word%'` per word); rows come best first by trigram distance to the whole query, both
answered by one GiST trigram index scan on a stored folded column (knowledge base: `search_text`;
places: `Place.folded`), which stops after the first `limit` rows.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import psycopg
from django.contrib.gis.geos import Point
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from backend.accounts.models import User
from backend.incidents.models import Incident, IncidentEvent, Status
from backend.notifications.models import Channel as DeliveryChannel
from backend.notifications.models import Delivery
from backend.units.models import Category, Role, Unit
from backend.units.routing import routing_for
from backend.units.selectors import staff_scope
from geo.locate import area_info, boundary_set_id_at, locate_many, ward_at
from geo.models import AdminArea

from .models import Contact, InboxItem, InboxStatus, KnowledgeArticle
from .models import Place as KnownPlace

MAX_WORDS = 6
WAITING_FOR = dt.timedelta(hours=2)  # a call card older than this is not offered any more
_WORD = re.compile(r"\w+", re.UNICODE)


def is_operator(user: Any) -> bool:
    """Operators of any unit, and city supervisors/admins, use the console."""
    scope = staff_scope(user)
    return scope.is_global or Role.OPERATOR in scope.roles


def _words(query: str) -> list[str]:
    return _WORD.findall(query)[:MAX_WORDS]


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _matching_ids(
    table: str,
    expr: str,
    query: str,
    *,
    where: str = "",
    params: list[Any] | None = None,
    limit: int,
) -> list[int]:
    # contact_fold(<constant>) is IMMUTABLE: the planner folds it to a constant, so each
    # `LIKE contact_fold('%word%')` can use the trigram index (lower/unaccent leave % _ \ alone)
    words = _words(query)
    if not words:
        return []
    conditions = [f"{expr} LIKE contact_fold(%s)" for _ in words]
    if where:
        conditions.append(where)
    # best first by trigram distance (`<->` = 1 − similarity): on a GiST trigram index the scan
    # itself yields rows in that order and stops after `limit` (no ranking of every candidate)
    sql = (
        f"SELECT id FROM {table} WHERE {' AND '.join(conditions)}"
        f" ORDER BY {expr} <-> contact_fold(%s) LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*(_like(w) for w in words), *(params or []), " ".join(words), limit])
        return [row[0] for row in cursor.fetchall()]


ARTICLE_TEXT = "search_text"  # stored contact_fold(question || ' ' || keywords)


def article_search(
    *, query: str, field: str = "", today: dt.date | None = None, limit: int = 10
) -> list[KnowledgeArticle]:
    """Articles valid `today` matching every word of `query` (best first)."""
    today = today or timezone.localdate()
    table = KnowledgeArticle._meta.db_table
    where = "(valid_from IS NULL OR valid_from <= %s) AND (valid_to IS NULL OR valid_to >= %s)"
    params: list[Any] = [today, today]
    if field:
        where += " AND field = %s"
        params.append(field)
    ids = _matching_ids(table, ARTICLE_TEXT, query, where=where, params=params, limit=limit)
    found = KnowledgeArticle.objects.select_related("owner").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


@dataclass(frozen=True)
class Place:
    kind: str  # "ward" or "address"
    name: str
    ward_id: int
    ward_name: str
    lon: float | None = None
    lat: float | None = None


def place_search(*, query: str, limit: int = 10) -> list[Place]:
    """Wards of the boundary set in force whose name matches, then places named in earlier
    reports (`Place`, one row per folded address with its newest point), each with the ward
    covering its point now (`geo.locate.locate_many`) — so a boundary change needs no rewrite
    of places. Four queries, each on an index."""
    places: list[Place] = []
    set_id = boundary_set_id_at()
    if set_id is None or not _words(query):
        return places
    ward_ids = _matching_ids(
        AdminArea._meta.db_table,
        "contact_fold(name)",
        query,
        where="boundary_set_id = %s",
        params=[set_id],
        limit=limit,
    )
    for pk in ward_ids:
        info = area_info(pk)
        if info is not None:
            places.append(Place("ward", info.full_name, info.id, info.name))
    place_ids = _matching_ids(KnownPlace._meta.db_table, "folded", query, limit=limit)
    found = KnownPlace.objects.only("name", "location").in_bulk(place_ids)
    known = [found[pk] for pk in place_ids if pk in found]
    points = [(place.location.x, place.location.y) for place in known]
    for place, (lon, lat), ward in zip(known, points, locate_many(points), strict=True):
        if ward is not None:
            places.append(Place("address", place.name, ward.id, ward.name, lon, lat))
    return places


def report_by_reference(reference: str) -> Incident | None:
    """A report named by its reference, as a caller reads it out (any letter case)."""
    return Incident.objects.filter(reference__iexact=reference.strip()).first()


@dataclass(frozen=True)
class CardReport:
    """One of the caller's reports as the call card shows it."""

    id: int
    reference: str
    status: str
    description: str
    created_at: dt.datetime
    due_at: dt.datetime | None
    is_emergency: bool
    category: str
    ward: str
    unit: str | None
    sms_status: str | None  # the newest SMS to the caller about it; None: none yet

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)


def _card_sql() -> str:
    t = {m.__name__: m._meta.db_table for m in (User, Incident, Category, AdminArea, Unit)}
    return (
        "SELECT i.id, i.reference, i.status, i.description, i.created_at, i.due_at,"
        " i.is_emergency, c.name, w.name, u.name,"
        f" (SELECT d.status FROM {Delivery._meta.db_table} d"
        f"  JOIN {IncidentEvent._meta.db_table} e ON e.id = d.event_id"
        "  WHERE e.incident_id = i.id AND d.recipient_id = i.reporter_id AND d.channel = %s"
        "  ORDER BY d.id DESC LIMIT 1)"
        f" FROM {t['User']} r JOIN {t['Incident']} i ON i.reporter_id = r.id"
        f" JOIN {t['Category']} c ON c.id = i.category_id"
        f" JOIN {t['AdminArea']} w ON w.id = i.ward_id"
        f" LEFT JOIN {t['Unit']} u ON u.id = i.unit_id"
        " WHERE r.phone = %s ORDER BY i.created_at DESC, i.id DESC LIMIT %s"
    )


def caller_reports(*, phone: str, limit: int = 20) -> list[CardReport]:
    """The caller's newest reports (filed by them) in one statement — the phone's user (unique
    index) joined to its reports (`incident_reporter_created`), only what a card shows — each
    with `sms_status`, the state of the newest SMS to the caller about it (None: none yet;
    `pending`: the gateway failed and the queue retries): whether the caller was informed.
    Straight to psycopg, as `geo.locate` does: bound server-side, so it becomes a prepared
    statement instead of being compiled by the ORM and planned on every ring."""
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(_card_sql(), [DeliveryChannel.SMS.value, phone, limit])
        return [CardReport(*row) for row in cursor.fetchall()]


def waiting_calls(*, now: dt.datetime | None = None) -> QuerySet[Contact]:
    """Call cards the telephone system opened that no operator has taken yet (oldest first)."""
    now = now or timezone.now()
    return Contact.objects.filter(
        operator__isnull=True, outcome="", ended_at__isnull=True, started_at__gte=now - WAITING_FOR
    ).order_by("started_at", "id")


def contacts_of(*, operator: User) -> QuerySet[Contact]:
    """The operator's open call cards (taken, no outcome yet)."""
    return Contact.objects.filter(operator=operator, outcome="").order_by("-started_at", "-id")


@dataclass(frozen=True)
class Preview:
    ward: AdminArea
    ward_full_name: str
    unit: Unit | None
    due_at: dt.datetime | None


def report_preview(*, point: Point, category: Category, now: dt.datetime | None = None) -> Preview:
    """Where a report at `point` would go, as `incident_file` decides it: ward, unit, deadline.
    Outside the city → `OutsideServiceArea` (422), as on submit."""
    ward = ward_at(point)
    routing = routing_for(category=category, ward=ward, start=now or timezone.now())
    info = area_info(ward.pk)
    return Preview(ward, info.full_name if info else ward.name, routing.unit, routing.due_at)


def inbox_open() -> QuerySet[InboxItem]:
    """Items waiting or being completed, oldest first, with who holds them."""
    return (
        InboxItem.objects.filter(status__in=[InboxStatus.WAITING, InboxStatus.CLAIMED])
        .select_related("reporter", "category", "claimed_by")
        .order_by("created_at", "id")
    )
