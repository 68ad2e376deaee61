"""HashingUploadHandler: files hashed as they stream in, in memory only for small bodies."""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import InMemoryUploadedFile, TemporaryUploadedFile
from django.core.files.uploadhandler import StopUpload
from django.http.multipartparser import MultiPartParser
from rest_framework.test import APIClient

from backend.common.uploads import HashingUploadHandler, uploaded_sha256
from backend.incidents.models import IncidentPhoto
from tests.mobile_api.images import SAIGON, exif_with, jpeg_bytes, upload

FILES = [os.urandom(300_000), os.urandom(200_000)]


def body_with(files: list[bytes]) -> tuple[bytes, dict[str, str]]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="description"\r\n\r\nx\r\n']
    body = parts[0].encode()
    for i, data in enumerate(files):
        body += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; '
                f'filename="p{i}.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
            ).encode()
            + data
            + b"\r\n"
        )
    body += f"--{boundary}--\r\n".encode()
    meta = {
        "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
        "CONTENT_LENGTH": str(len(body)),
    }
    return body, meta


def parse(files: list[bytes]) -> list[Any]:
    body, meta = body_with(files)
    _post, parsed = MultiPartParser(meta, io.BytesIO(body), [HashingUploadHandler()]).parse()
    return parsed.getlist("photos")


def test_small_bodies_stay_in_memory_with_each_files_digest(settings: Any) -> None:
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    uploads = parse(FILES)
    assert [type(u) for u in uploads] == [InMemoryUploadedFile, InMemoryUploadedFile]
    for got, data in zip(uploads, FILES, strict=True):
        assert got.size == len(data)
        assert got.read() == data
        assert uploaded_sha256(got) == hashlib.sha256(data).hexdigest()


def test_larger_bodies_go_to_temporary_files_with_each_files_digest(settings: Any) -> None:
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 400_000  # less than the two files together
    uploads = parse(FILES)
    assert [type(u) for u in uploads] == [TemporaryUploadedFile, TemporaryUploadedFile]
    for got, data in zip(uploads, FILES, strict=True):
        assert got.size == len(data)
        assert got.read() == data
        assert uploaded_sha256(got) == hashlib.sha256(data).hexdigest()
        path = got.temporary_file_path()
        got.close()
        assert not os.path.exists(path)


def test_an_interrupted_upload_leaves_no_temporary_file(settings: Any) -> None:
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    handler = HashingUploadHandler()
    handler.handle_raw_input(object(), {}, 10_000_000, b"b")  # not seekable: Content-Length
    handler.new_file("photos", "p.jpg", "image/jpeg", None)
    handler.receive_data_chunk(b"x" * 1000, 0)
    assert isinstance(handler.file, TemporaryUploadedFile)
    path = handler.file.temporary_file_path()
    assert os.path.exists(path)
    handler.upload_interrupted()
    assert not os.path.exists(path)


def test_files_from_other_sources_have_no_streamed_digest() -> None:
    assert uploaded_sha256(upload(b"abc")) is None
    assert uploaded_sha256(io.BytesIO(b"abc")) is None


def test_stop_upload_is_unaffected(settings: Any) -> None:
    # The parser still enforces its own limits; StopUpload from a handler is not swallowed.
    class Stopping(HashingUploadHandler):
        def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
            raise StopUpload(connection_reset=True)

    body, meta = body_with(FILES[:1])
    _post, parsed = MultiPartParser(meta, io.BytesIO(body), [Stopping()]).parse()
    assert not parsed


@pytest.mark.django_db
@pytest.mark.parametrize("memory", [8 * 1024 * 1024, 0], ids=["in-memory", "temporary-file"])
def test_submitted_photo_records_the_originals_digest(
    app: APIClient, media: Path, settings: Any, memory: int
) -> None:
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = memory
    original = jpeg_bytes(exif=exif_with(gps=SAIGON))
    response = app.post(
        "/api/mobile/v1/reports",
        {"category": "road-damage", "description": "Ổ gà", "photos": [upload(original)]},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY=f"key-{memory}",
    )
    assert response.status_code == 201, response.json()
    photo = IncidentPhoto.objects.get()
    assert photo.sha256 == hashlib.sha256(original).hexdigest()
    assert photo.exif_location is not None  # GPS still read (no lat/lon sent)
