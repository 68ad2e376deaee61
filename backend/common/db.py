"""A Django cursor that binds its parameters server-side: hot statements become prepared ones.

Django's PostgreSQL cursors bind parameters client-side (the values are written into the SQL
text), so PostgreSQL parses and plans every statement again. A `psycopg.Cursor` binds them
server-side, and psycopg prepares a statement once it has run it `prepare_threshold` times on
the connection (DATABASES OPTIONS; none behind a transaction-mode pooler): the plan is made once
per connection. For hand-written statements that run on every request, where planning is most of
their cost. Wrapped like `connection.cursor()`'s own, so the database's errors become Django's,
and `execute_wrapper`, query logging and the tests' query budgets see every statement.
`from_row` makes a model instance of a row read that way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.utils import CursorWrapper
from django.db.models import Model


def server_bound_cursor(using: str = DEFAULT_DB_ALIAS) -> CursorWrapper:
    """Use as `with server_bound_cursor() as cursor:` (SQL with %s / %(name)s placeholders)."""
    db = connections[using]
    # as connection.cursor() does: a reused connection that fails its health check
    # (CONN_HEALTH_CHECKS) is replaced first, so a restarted database costs no request
    db.close_if_health_check_failed()
    db.ensure_connection()
    db.validate_thread_sharing()
    cursor = psycopg.Cursor(db.connection)
    # (django-stubs type the argument as Django's wrapper; it is the driver's cursor)
    if db.queries_logged:
        return db.make_debug_cursor(cursor)  # type: ignore[arg-type]
    return db.make_cursor(cursor)  # type: ignore[arg-type]


def from_row[M: Model](model: type[M], values: Sequence[Any], using: str = DEFAULT_DB_ALIAS) -> M:
    """An instance of `model` from the values of its concrete fields (in `_meta` order), each
    converted as the ORM's own queries convert it (`from_db_value`: JSON, custom fields)."""
    fields = model._meta.concrete_fields
    converted = []
    for field, value in zip(fields, values, strict=True):
        for converter in field.get_db_converters(connections[using]):
            value = converter(value, None, connections[using])
        converted.append(value)
    return model.from_db(using, [f.attname for f in fields], converted)
