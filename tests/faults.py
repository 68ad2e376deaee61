"""Faults for tests: the database gone from under a running process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections

from tools.pgcluster import free_port


@contextmanager
def database_down(django_db_blocker: Any) -> Iterator[None]:
    """This thread's connection points at a port where nothing listens (a stopped server
    refuses the same way), then back. For tests without the `django_db` mark."""
    with django_db_blocker.unblock():
        connection = connections["default"]
        connection.close()
        saved = connection.settings_dict["PORT"]
        connection.settings_dict["PORT"] = str(free_port())
        try:
            yield
        finally:
            connection.close()
            connection.settings_dict["PORT"] = saved
