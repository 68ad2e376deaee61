"""Serializer fields shared by the APIs."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class SlugLookupField(serializers.SlugRelatedField):
    """SlugRelatedField that refuses a NUL character before querying: PostgreSQL cannot compare
    text holding one, so DRF's own field answers a server error instead of `does_not_exist`."""

    def to_internal_value(self, data: Any) -> Any:
        if "\x00" in str(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value="\\x00")
        return super().to_internal_value(data)
