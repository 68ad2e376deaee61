"""clean_photo uses the digest streamed by the upload handler only for the whole file."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from django.core.files.uploadedfile import InMemoryUploadedFile

from backend.common.uploads import SHA256_ATTRIBUTE
from backend.incidents import photos
from backend.incidents.photos import clean_photo
from tests.mobile_api.images import jpeg_bytes

DATA = jpeg_bytes()


def streamed(digest: str) -> InMemoryUploadedFile:
    upload = InMemoryUploadedFile(
        io.BytesIO(DATA), "photos", "p.jpg", "image/jpeg", len(DATA), None
    )
    setattr(upload, SHA256_ATTRIBUTE, digest)
    return upload


def test_the_streamed_digest_is_used_without_hashing_again(monkeypatch: Any) -> None:
    digest = hashlib.sha256(DATA).hexdigest()

    def no_second_pass(*args: Any) -> Any:
        raise AssertionError("hashed again")

    monkeypatch.setattr(photos.hashlib, "sha256", no_second_pass)
    assert clean_photo(streamed(digest)).sha256 == digest


def test_a_digest_that_may_not_cover_the_bytes_read_is_not_trusted() -> None:
    upload = streamed("0" * 64)
    upload.size = len(DATA) + 1  # announced size differs from what was read: hash here
    assert clean_photo(upload).sha256 == hashlib.sha256(DATA).hexdigest()


def test_without_a_streamed_digest_the_bytes_are_hashed() -> None:
    assert clean_photo(io.BytesIO(DATA)).sha256 == hashlib.sha256(DATA).hexdigest()
