"""Photos in S3-compatible storage (django-storages against a real SeaweedFS on 127.0.0.1)."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.gis.geos import Point

from backend.accounts.models import User
from backend.incidents.models import Incident, IncidentPhoto
from backend.incidents.services.submit import incident_submit
from backend.units.models import Category
from mobile_api.serializers import PhotoOut
from tests.mobile_api.fixtures import category, resident
from tests.mobile_api.images import SAIGON, exif_with, jpeg_bytes, upload
from tests.s3 import S3Photos, s3_photos, s3_server

__all__ = ["category", "resident", "s3_photos", "s3_server"]
pytestmark = pytest.mark.django_db


def _fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def _submit(reporter: User, category: Category, **kwargs: Any) -> Incident:
    photos = [upload(jpeg_bytes(exif=exif_with())) for _ in range(2)]
    lon, lat = SAIGON
    return incident_submit(
        reporter=reporter,
        category=category,
        description="Ổ gà trước số 12",
        location=Point(lon, lat, srid=4326),
        photos=photos,
        **kwargs,
    ).incident


def test_photos_are_stored_in_the_bucket_and_shown_through_signed_urls(
    resident: User, category: Category, s3_photos: S3Photos
) -> None:
    incident = _submit(resident, category, idempotency_key="s3-ok")
    photos = list(IncidentPhoto.objects.filter(incident=incident))
    stored = sorted(str(name) for p in photos for name in (p.image.name, p.thumbnail.name))
    assert s3_photos.keys() == sorted(f"{s3_photos.prefix}/{name}" for name in stored)
    shown = PhotoOut(photos[0]).data
    for url in (shown["url"], shown["thumbnail_url"]):
        assert "X-Amz-Signature=" in url and url.startswith(s3_photos.server.endpoint)
        status, body = _fetch(url)
        assert status == 200 and body[:3] == b"\xff\xd8\xff"  # the clean JPEG copy
        unsigned = urlsplit(url)._replace(query="").geturl()
        assert _fetch(unsigned)[0] == 403  # the bucket is private


def test_a_rolled_back_submit_leaves_no_object(
    resident: User, category: Category, s3_photos: S3Photos, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail_on_the_photo_rows(*args: Any, **kwargs: Any) -> None:
        assert len(s3_photos.keys()) == 4  # both photos' copies are written by now
        raise RuntimeError("boom")

    monkeypatch.setattr(IncidentPhoto.objects, "bulk_create", fail_on_the_photo_rows)
    with pytest.raises(RuntimeError):
        _submit(resident, category, idempotency_key="s3-boom")
    assert not Incident.objects.exists()
    assert s3_photos.keys() == []


def test_the_s3_store_is_chosen_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from backend.settings.env import photo_storage

    monkeypatch.delenv("S3_BUCKET", raising=False)
    assert photo_storage()["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    monkeypatch.setenv("S3_BUCKET", "photos")
    monkeypatch.setenv("S3_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("S3_URL_SECONDS", "600")
    chosen = photo_storage()
    options = chosen["OPTIONS"]
    assert chosen["BACKEND"] == "storages.backends.s3.S3Storage"
    assert isinstance(options, dict)
    assert (options["bucket_name"], options["endpoint_url"]) == ("photos", "http://127.0.0.1:9")
    assert (options["querystring_auth"], options["querystring_expire"]) == (True, 600)
    assert options["default_acl"] is None and options["file_overwrite"] is False
