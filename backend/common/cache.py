"""The shared cache in PostgreSQL (throttle counters, sign-in lockouts), one statement a call.

Django's DatabaseCache spends four round trips on every write: `SELECT COUNT(*)` of the whole
table (to decide whether to cull), then BEGIN, a SELECT of the key, an UPDATE or INSERT, and
COMMIT. A DRF throttle writes on every request it lets through, so each throttled view paid
six statements for its counters, and the COUNT grows with the number of callers seen in the
last hour. Here a write is one `INSERT … ON CONFLICT` (atomic by itself) and a read one SELECT,
both on the primary (a counter read from a lagging replica would let a caller through). The
table is culled every `CULL_EVERY` writes of a process instead of counted on each (expired rows
first, then the entries closest to expiry while it is still above MAX_ENTRIES).

`set_each` writes several entries, each with its own timeout, in one statement: the rate
throttles of one request (backend/common/throttles.py) read their counters with one `get_many`
and write them back with one `set_each`.

The statements are bound server-side (backend/common/db.py): prepared once per connection.

Same table and row format as Django's DatabaseCache (`hotline_cache`, base64 pickles), so the
two read each other's entries.
"""

from __future__ import annotations

import base64
import pickle
import random
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.db import router
from django.utils.timezone import now as tz_now

from .db import server_bound_cursor

CULL_EVERY = 500  # on average, one cull per this many writes of a process


class PostgresCache(DatabaseCache):
    def __init__(self, table: str, params: dict[str, Any]):
        super().__init__(table, params)
        self.table = table
        self._cull_every = int(params.get("OPTIONS", {}).get("CULL_EVERY", CULL_EVERY))

    def _db(self) -> str:
        db: str = router.db_for_write(self.cache_model_class)
        return db

    def get_many(self, keys: Any, version: int | None = None) -> dict[str, Any]:
        keys = list(keys)
        if not keys:
            return {}
        key_map = {self.make_and_validate_key(key, version=version): key for key in keys}
        with server_bound_cursor(self._db()) as cursor:
            cursor.execute(
                f'SELECT cache_key, value FROM "{self.table}" '
                "WHERE cache_key = ANY(%s) AND expires >= %s",
                [list(key_map), tz_now()],
            )
            rows = cursor.fetchall()
        return {
            key_map[key]: pickle.loads(base64.b64decode(value.encode(), validate=True))
            for key, value in rows
        }

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self.get_many([key], version).get(key, default)

    def _expiry(self, timeout: Any) -> datetime:
        seconds = self.get_backend_timeout(timeout)
        exp = (
            datetime.max.replace(tzinfo=UTC)
            if seconds is None
            else datetime.fromtimestamp(seconds, UTC)
        )
        return exp.replace(microsecond=0)

    def _encode(self, value: Any) -> str:
        return base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")

    def _write(self, sql: str, params: list[Any]) -> bool:
        with server_bound_cursor(self._db()) as cursor:
            if random.random() * self._cull_every < 1:
                self._cull_table(cursor)
            cursor.execute(sql, params)
            return bool(cursor.fetchone()) if "RETURNING" in sql else True

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        key = self.make_and_validate_key(key, version=version)
        self._write(
            f'INSERT INTO "{self.table}" (cache_key, value, expires) VALUES (%s, %s, %s) '
            "ON CONFLICT (cache_key) DO UPDATE SET value = EXCLUDED.value, "
            "expires = EXCLUDED.expires",
            [key, self._encode(value), self._expiry(timeout)],
        )

    def set_many(
        self, data: Mapping[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        self.set_each({key: (value, timeout) for key, value in data.items()}, version)
        return []

    def set_each(self, entries: Mapping[Any, tuple[Any, Any]], version: int | None = None) -> None:
        """Store each key's (value, timeout) in one statement."""
        rows = sorted(  # the same order in every process: concurrent writers cannot deadlock
            (
                (self.make_and_validate_key(key, version=version), value, timeout)
                for key, (value, timeout) in entries.items()
            ),
            key=lambda row: row[0],
        )
        if not rows:
            return
        params: list[Any] = []
        for key, value, timeout in rows:
            params += [key, self._encode(value), self._expiry(timeout)]
        values = ", ".join(["(%s, %s, %s)"] * len(rows))
        self._write(
            f'INSERT INTO "{self.table}" (cache_key, value, expires) VALUES {values} '
            "ON CONFLICT (cache_key) DO UPDATE SET value = EXCLUDED.value, "
            "expires = EXCLUDED.expires",
            params,
        )

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        """Stored only when the key is absent or expired; True when it was stored."""
        key = self.make_and_validate_key(key, version=version)
        return self._write(
            f'INSERT INTO "{self.table}" AS c (cache_key, value, expires) VALUES (%s, %s, %s) '
            "ON CONFLICT (cache_key) DO UPDATE SET value = EXCLUDED.value, "
            "expires = EXCLUDED.expires WHERE c.expires < %s RETURNING 1",
            [key, self._encode(value), self._expiry(timeout), tz_now()],
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return self._write(
            f'UPDATE "{self.table}" SET expires = %s '
            "WHERE cache_key = %s AND expires >= %s RETURNING 1",
            [self._expiry(timeout), key, tz_now()],
        )

    def _cull_table(self, cursor: Any) -> None:
        cursor.execute(f'DELETE FROM "{self.table}" WHERE expires < %s', [tz_now()])
        cursor.execute(f'SELECT count(*) FROM "{self.table}"')
        excess = cursor.fetchone()[0] - self._max_entries
        if excess > 0:
            drop = excess + self._max_entries // self._cull_frequency
            cursor.execute(
                f'DELETE FROM "{self.table}" WHERE cache_key IN ('
                f'SELECT cache_key FROM "{self.table}" ORDER BY expires LIMIT %s)',
                [drop],
            )
