"""Serializer fields shared by the APIs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework import serializers


class SlugLookupField(serializers.SlugRelatedField):
    """SlugRelatedField that refuses a NUL character before querying: PostgreSQL cannot compare
    text holding one, so DRF's own field answers a server error instead of `does_not_exist`.

    `lookup`: a function from a slug to the object of `queryset` with it, or None, used for
    text input instead of the ORM's `queryset.get` (a hot lookup as one prepared statement),
    with the same answers; `queryset` still describes the field (schema, other input)."""

    def __init__(self, *, lookup: Callable[[str], Any] | None = None, **kwargs: Any) -> None:
        self.lookup = lookup
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if "\x00" in str(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value="\\x00")
        if self.lookup is not None and isinstance(data, str):
            found = self.lookup(data)
            if found is None:
                self.fail("does_not_exist", slug_name=self.slug_field, value=data)
            return found
        return super().to_internal_value(data)
