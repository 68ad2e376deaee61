"""Deadlines in working time on the Vietnamese calendar."""

from __future__ import annotations

import datetime as dt

from .models import Category


def due_at_for(*, category: Category, unit: object | None, start: dt.datetime) -> dt.datetime | None:
    """When a report of `category` handled by `unit` and started at `start` is due (None: no SLA)."""
    return None
