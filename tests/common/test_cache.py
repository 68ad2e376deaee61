"""The PostgreSQL cache of the throttle counters (backend/common/cache.py) on the real table."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.cache.backends.db import DatabaseCache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.common.cache import PostgresCache

TABLE = "hotline_cache"


def make(**options: Any) -> PostgresCache:
    return PostgresCache(TABLE, {"KEY_PREFIX": "t", "OPTIONS": options})


@pytest.mark.django_db
def test_set_get_add_touch_delete() -> None:
    cache = make()
    assert cache.get("a") is None and cache.get("a", 5) == 5
    cache.set("a", [1.5, 2.5], 60)
    assert cache.get("a") == [1.5, 2.5]
    cache.set("a", [3.0], 60)  # overwritten in place
    assert cache.get("a") == [3.0]
    assert cache.add("a", "other", 60) is False and cache.get("a") == [3.0]
    assert cache.add("b", "new", 60) is True and cache.get("b") == "new"
    assert cache.get_many(["a", "b", "c"]) == {"a": [3.0], "b": "new"}
    assert cache.touch("a", 120) is True and cache.touch("missing", 120) is False
    cache.delete("a")
    assert cache.get("a") is None
    cache.set("forever", 1, None)
    assert cache.get("forever") == 1


@pytest.mark.django_db
def test_expired_entries_are_misses_and_can_be_added_again() -> None:
    cache = make()
    cache.set("old", "x", 1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET expires = now() - interval '1 second' WHERE cache_key = %s",
            [cache.make_key("old")],
        )
    assert cache.get("old") is None
    assert cache.touch("old", 60) is False
    assert cache.add("old", "y", 60) is True and cache.get("old") == "y"


@pytest.mark.django_db
def test_a_throttled_request_costs_one_statement_per_read_and_per_write() -> None:
    cache = make()
    with CaptureQueriesContext(connection) as queries:
        history = cache.get("throttle_default_u1", [])
        cache.set("throttle_default_u1", [time.time(), *history], 60)
    assert len(queries.captured_queries) == 2
    assert not any("COUNT" in q["sql"].upper() for q in queries.captured_queries)


@pytest.mark.django_db
def test_set_each_writes_several_entries_with_their_own_timeouts_in_one_statement() -> None:
    cache = make()
    cache.set("b", "old", 60)
    with CaptureQueriesContext(connection) as queries:
        cache.set_each({"b": ([1.0], 60), "a": ([2.0, 3.0], 3600)})
    assert len(queries.captured_queries) == 1
    assert cache.get_many(["a", "b"]) == {"a": [2.0, 3.0], "b": [1.0]}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT cache_key, round(extract(epoch FROM expires - now())) FROM {TABLE}"
            " WHERE cache_key IN (%s, %s) ORDER BY cache_key",
            [cache.make_key("a"), cache.make_key("b")],
        )
        left = dict(cursor.fetchall())
    assert 3590 <= left[cache.make_key("a")] <= 3600 and 50 <= left[cache.make_key("b")] <= 60
    with CaptureQueriesContext(connection) as queries:
        assert cache.set_many({"c": 1, "d": 2}, 60) == []
    assert len(queries.captured_queries) == 1 and cache.get_many(["c", "d"]) == {"c": 1, "d": 2}


@pytest.mark.django_db
def test_culling_drops_expired_rows_then_the_soonest_to_expire() -> None:
    cache = make(MAX_ENTRIES=10, CULL_FREQUENCY=5, CULL_EVERY=1)  # cull on every write
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (cache_key, value, expires) SELECT 't:1:gone' || i, 'x', "
            "now() - interval '1 minute' FROM generate_series(1, 5) i"
        )
    for i in range(14):
        cache.set(f"k{i:02d}", i, 60 + i)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {TABLE} WHERE cache_key LIKE 't:%%'")
        keys = {row[0] for row in cursor.fetchall()}
    assert not any("gone" in key for key in keys)
    assert len(keys) <= 11  # MAX_ENTRIES, plus the write that follows a cull
    assert cache.get("k13") == 13  # the newest (latest to expire) are kept


@pytest.mark.django_db
def test_same_rows_as_djangos_database_cache() -> None:
    ours, django = make(), DatabaseCache(TABLE, {"KEY_PREFIX": "t"})
    ours.set("shared", {"n": 1}, 60)
    assert django.get("shared") == {"n": 1}
    django.set("theirs", [1, 2], 60)
    assert ours.get("theirs") == [1, 2]
