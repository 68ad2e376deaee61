"""Photos a resident sends on a chat: downloaded from the platform's URL (bounded in size and
time), checked with the app's photo cleaning (a real image, within the pixel limit; its EXIF
GPS read), and kept as downloaded until the report is filed, where `incident_submit` cleans them
like an app upload (metadata stripped). A URL that times out, is too large or serves something
that is not an image raises `PhotoUnusable`: the resident is told, the conversation goes on."""

from __future__ import annotations

import io
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings

from backend.common.errors import DomainError
from backend.incidents.photos import clean_photo

ALLOWED_SCHEMES = ("https://", "http://")


class PhotoUnusable(Exception):
    pass


@dataclass(frozen=True)
class Downloaded:
    content: bytes
    sha256: str
    gps: tuple[float, float] | None  # (lon, lat)


def photo_download(url: str) -> Downloaded:
    if not url.startswith(ALLOWED_SCHEMES):
        raise PhotoUnusable(f"not an http(s) URL: {url[:80]}")
    limit = settings.CHAT_PHOTO_MAX_BYTES
    try:
        with urllib.request.urlopen(url, timeout=settings.CHAT_PHOTO_TIMEOUT_SECONDS) as answer:
            announced = answer.headers.get("Content-Length")
            if announced and announced.isdigit() and int(announced) > limit:
                raise PhotoUnusable(f"{announced} bytes announced")
            content = answer.read(limit + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise PhotoUnusable(f"download failed: {exc}") from exc
    if len(content) > limit:
        raise PhotoUnusable("too large")
    try:
        clean = clean_photo(io.BytesIO(content))
    except DomainError as exc:
        raise PhotoUnusable(f"{exc.code}: {exc.message}") from exc
    return Downloaded(content=content, sha256=clean.sha256, gps=clean.gps)
