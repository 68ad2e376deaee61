"""Database down → 503 + Retry-After in each interface's own error format, never a 500 page."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

import psycopg
from django.db import OperationalError
from django.test import Client, RequestFactory
from django.urls import reverse
from procrastinate.exceptions import ConnectorException

from backend.common.unavailable import is_unavailable, server_error
from tests.faults import database_down


def test_api_answers_503_in_the_error_format(django_db_blocker: Any) -> None:
    with database_down(django_db_blocker):
        response = Client().get("/api/mobile/v1/categories", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["code"] == "service_unavailable"
    assert body["message"].startswith("The service is temporarily unavailable")
    assert body["details"] == {}


def test_api_message_is_vietnamese_by_default(django_db_blocker: Any) -> None:
    with database_down(django_db_blocker):
        response = Client().get("/api/public/v1/stats")
    assert response.status_code == 503
    assert response.json()["message"].startswith("Hệ thống đang tạm gián đoạn")


def test_open311_answers_its_own_error_list(django_db_blocker: Any) -> None:
    with database_down(django_db_blocker):
        as_json = Client().get("/open311/v2/services.json")
        as_xml = Client().get("/open311/v2/services.xml")
    assert as_json.status_code == as_xml.status_code == 503
    assert as_json["Retry-After"] == as_xml["Retry-After"] == "5"
    assert json.loads(as_json.content)[0]["code"] == 503
    error = ET.fromstring(as_xml.content).find("error")
    assert error is not None and error.findtext("code") == "503"
    assert error.findtext("description")


def test_staff_page_is_a_plain_503_page(django_db_blocker: Any) -> None:
    with database_down(django_db_blocker):
        response = Client().post(
            reverse("staff-login"),
            {"username": "giamsat", "password": "x"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"] == "5"
    assert "temporarily unavailable" in response.content.decode()


def test_healthz_still_says_what_is_wrong(django_db_blocker: Any) -> None:
    with database_down(django_db_blocker):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


def test_a_fault_outside_a_view_is_a_503_and_a_bug_stays_a_500() -> None:
    """handler500 sees what failed in a middleware: a lost database is still a 503."""
    request = RequestFactory().get("/api/mobile/v1/categories")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        fault = server_error(request)
    try:
        raise ValueError("a bug")
    except ValueError:
        bug = server_error(RequestFactory().get("/"))
    assert fault.status_code == 503 and fault["Retry-After"] == "5"
    assert json.loads(fault.content)["code"] == "service_unavailable"
    assert bug.status_code == 500


def test_a_fault_wrapped_by_a_library_is_still_a_fault() -> None:
    def wrapped() -> BaseException:
        try:
            raise psycopg.OperationalError("connection refused")
        except psycopg.OperationalError as exc:
            try:
                raise ConnectorException("Database error.") from exc
            except ConnectorException as outer:
                return outer

    def raised_while_handling() -> BaseException:
        try:
            raise OperationalError("gone")
        except OperationalError:
            try:
                raise ValueError("a bug in the error path")
            except ValueError as bug:
                return bug

    assert is_unavailable(wrapped())
    assert not is_unavailable(raised_while_handling())
    assert not is_unavailable(ValueError("a bug"))
