from __future__ import annotations

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    """0.1396 → "13,96 %" (vi) / "13.96 %" (en); None → "—"."""
    if value is None:
        return "—"
    return f"{number_format(round(value * 100, 2), 2)} %"


@register.filter
def or_dash(value: object) -> object:
    return "—" if value is None else value


@register.filter
def sort_value(value: float | None) -> str:
    """A number for the table's sorting (locale-free); empty cells sort last."""
    return "" if value is None else repr(float(value))
