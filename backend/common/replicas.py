"""Read-only selectors on a streaming replica; writes and everything else on the primary.

Only views marked with `reads_from_replica` read from a replica (staff lists and exports, map
tiles, statistics, public pages): a view that writes, or reads in order to write, never sees a
replica. Within such a view the database router (`ReplicaRouter`) and raw-SQL selectors
(`read_alias()`) use the first healthy replica, where healthy means: it answers and its replay
lag is at most REPLICA_MAX_LAG_SECONDS, checked at most every REPLICA_CHECK_SECONDS per process.
Otherwise the primary serves the read.

Read your own writes: a request that changed something (an unsafe method that succeeded) sets a
cookie, and that browser's reads stay on the primary for REPLICA_STICKY_SECONDS, longer than
the lag we accept. A replica that fails in the middle of a read request is marked down and the
request runs once more on the primary (safe methods only, so running it again changes nothing).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import Error as DatabaseError
from django.http import HttpRequest, HttpResponse

STICKY_COOKIE = "primary_until"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Seconds the replica is behind: 0 when it has replayed all it received, else the age of the
# last transaction it replayed (the usual measure; a replica of an idle primary reads as 0), or
# of the server itself when it has replayed none since it started.
LAG_SQL = """
SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE EXTRACT(EPOCH FROM now() - COALESCE(pg_last_xact_replay_timestamp(),
                                                     pg_postmaster_start_time()))
       END
"""

_replica_wanted: ContextVar[bool] = ContextVar("replica_wanted", default=False)
_replica_used: ContextVar[str | None] = ContextVar("replica_used", default=None)


def reads_from_replica[V: Callable[..., Any]](view: V) -> V:
    """Mark a read-only view (function or class) as one that may read from a replica."""
    view.reads_from_replica = True  # type: ignore[attr-defined]
    return view


def replica_aliases() -> list[str]:
    return list(settings.DATABASE_REPLICAS)


@dataclass
class _Health:
    ok: bool
    lag: float | None
    checked: float


_health: dict[str, _Health] = {}
_lock = threading.Lock()


def replica_health(alias: str, *, now: float | None = None) -> _Health:
    """Whether `alias` may serve reads, measured at most every REPLICA_CHECK_SECONDS."""
    now = time.monotonic() if now is None else now
    known = _health.get(alias)
    if known is not None and now - known.checked < settings.REPLICA_CHECK_SECONDS:
        return known
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(LAG_SQL)
            lag = float(cursor.fetchone()[0])
        health = _Health(lag <= settings.REPLICA_MAX_LAG_SECONDS, lag, now)
    except DatabaseError:
        connections[alias].close()
        health = _Health(False, None, now)
    with _lock:
        _health[alias] = health
    return health


def mark_down(alias: str) -> None:
    connections[alias].close()
    with _lock:
        _health[alias] = _Health(False, None, time.monotonic())


def forget_health() -> None:
    with _lock:
        _health.clear()


def read_alias() -> str:
    """The database a read-only selector uses now: a healthy replica inside a replica view,
    else the primary."""
    if not _replica_wanted.get():
        return DEFAULT_DB_ALIAS
    for alias in replica_aliases():
        if replica_health(alias).ok:
            _replica_used.set(alias)
            return alias
    return DEFAULT_DB_ALIAS


class ReplicaRouter:
    """ORM reads of replica views go to `read_alias()`; every write and migration to the primary."""

    def db_for_read(self, model: type, **hints: Any) -> str:
        return read_alias()

    def db_for_write(self, model: type, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # replicas hold the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


def _sticky(request: HttpRequest) -> bool:
    try:
        return float(request.COOKIES.get(STICKY_COOKIE, "0")) > time.time()
    except ValueError:
        return False


class ReplicaReadsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in SAFE_METHODS:
            response = self.get_response(request)
            if response.status_code < 400:
                seconds = settings.REPLICA_STICKY_SECONDS
                response.set_cookie(
                    STICKY_COOKIE,
                    f"{time.time() + seconds:.0f}",
                    max_age=seconds,
                    httponly=True,
                    samesite="Lax",
                    secure=settings.SESSION_COOKIE_SECURE,
                )
            return response
        used = _replica_used.set(None)
        try:
            response = self.get_response(request)
            alias = _replica_used.get()
            if alias is not None and response.status_code >= 500:
                mark_down(alias)  # the replica failed this read: once more on the primary
                _replica_wanted.set(False)
                response = self.get_response(request)
            return response
        finally:
            _replica_used.reset(used)
            _replica_wanted.set(False)

    def process_view(self, request: HttpRequest, view: Any, *args: Any) -> None:
        marked = getattr(view, "reads_from_replica", False) or getattr(
            getattr(view, "view_class", None), "reads_from_replica", False
        )
        if marked and request.method in SAFE_METHODS and not _sticky(request):
            _replica_wanted.set(True)
