"""DRF's own validation messages speak Vietnamese in Vietnamese answers (locale/vi)."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from django.utils import translation
from rest_framework import fields, relations, serializers
from rest_framework.test import APIClient


def drf_field_messages() -> dict[str, str]:
    found: dict[str, str] = {}
    for module in (fields, relations, serializers):
        for _name, klass in inspect.getmembers(module, inspect.isclass):
            if issubclass(klass, fields.Field):
                for key, message in getattr(klass, "default_error_messages", {}).items():
                    found[f"{klass.__name__}.{key}"] = message
    return found


def test_every_drf_field_error_has_a_vietnamese_text() -> None:
    messages = drf_field_messages()
    assert len(messages) > 40
    with translation.override("en"):
        english = {key: str(message) for key, message in messages.items()}
    with translation.override("vi"):
        untranslated = [k for k, m in messages.items() if str(m) == english[k]]
    assert untranslated == []


@pytest.mark.django_db
def test_a_rating_out_of_range_is_explained_in_vietnamese(app: Any) -> None:
    response = app.post("/api/mobile/v1/reports/1/rating", {"stars": 9}, format="json")
    assert response.status_code == 400
    assert response.json()["details"]["stars"] == ["Giá trị phải nhỏ hơn hoặc bằng 5."]
    english = app.post(
        "/api/mobile/v1/reports/1/rating", {"stars": 9}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.json()["details"]["stars"] == ["Ensure this value is less than or equal to 5."]


@pytest.mark.django_db
def test_a_missing_field_in_vietnamese(api: APIClient) -> None:
    body = api.post("/api/mobile/v1/auth/otp", {}, format="json").json()
    assert body["details"]["phone"] == ["Trường này là bắt buộc."]
