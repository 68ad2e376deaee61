"""The S3 photo store failing while a report is filed (a real SeaweedFS on 127.0.0.1): a bucket
that refuses the write, or an endpoint that does not answer, is 507 `storage_unavailable` in
the error format — never a 500 — with nothing stored; the retry succeeds once the store is back."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from rest_framework.test import APIClient

from backend.incidents.models import Incident
from tests.mobile_api.fixtures import app, resident
from tests.mobile_api.test_storage_faults import post
from tests.s3 import S3Photos, s3_photos, s3_server

__all__ = ["app", "resident", "s3_photos", "s3_server"]
pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # closed again: nothing listens there


def _store_options(settings: Any, **changed: Any) -> None:
    default = settings.STORAGES["default"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**default, "OPTIONS": {**default["OPTIONS"], **changed}},
    }


@pytest.mark.parametrize(
    "broken",
    [
        {"secret_key": "not-the-secret"},  # the store answers with an S3 error (signature)
        {"endpoint_url": f"http://127.0.0.1:{_closed_port()}"},  # nothing answers
    ],
    ids=["store-refuses", "endpoint-down"],
)
def test_a_failing_bucket_is_a_507_and_nothing_is_stored(
    app: APIClient, s3_photos: S3Photos, settings: Any, broken: dict[str, Any]
) -> None:
    working = settings.STORAGES
    _store_options(settings, **broken)
    response = post(app)
    assert response.status_code == 507, response.content
    assert response["Retry-After"] == "5"
    assert response.json()["code"] == "storage_unavailable"
    assert not Incident.objects.exists()
    assert s3_photos.keys() == []

    settings.STORAGES = working  # the store is back
    retry = post(app)
    assert retry.status_code == 201, retry.content
    assert Incident.objects.count() == 1
    assert len(s3_photos.keys()) == 2  # the display copy and its thumbnail
