"""Writing the clean copies of photos (display size + thumbnail) to storage, and taking them back.

A request that fails leaves no file behind, including one that a failed save left half-written
(a full disk: an empty or truncated file): every name is recorded *before* its save, and names
are fresh (uuid), so what is under a recorded name is ours to delete. A storage that cannot write
(a full disk, a bucket refusing the write or not answering: `common.storage_errors`) is
`StorageUnavailable`: 507 in the error format with
Retry-After; nothing was kept, so the client's retry with the same Idempotency-Key starts over.
Only Django's storage API is used (local files or S3-compatible alike).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.common.errors import DomainError
from backend.common.storage_errors import STORAGE_ERRORS

from .photos import CleanPhoto

logger = logging.getLogger(__name__)


class StorageUnavailable(DomainError):
    status_code = 507
    code = "storage_unavailable"
    default_message: Any = _("Kho lưu ảnh tạm thời không ghi được, vui lòng thử lại sau.")


class PhotoFiles:
    """The files one request writes; `discard()` deletes every one of them."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def store(self, photo: CleanPhoto) -> tuple[str, str]:
        """Write both copies of `photo`: (display name, thumbnail name)."""
        folder = f"incidents/{timezone.localtime().strftime('%Y/%m')}"
        name = uuid.uuid4().hex
        image = self._save(f"{folder}/{name}.jpg", photo.display)
        thumbnail = self._save(f"{folder}/thumbs/{name}.jpg", photo.thumbnail)
        return image, thumbnail

    def _save(self, name: str, content: bytes) -> str:
        self.names.append(name)  # first: a save failing half-way leaves a file under this name
        try:
            saved = default_storage.save(name, ContentFile(content))
        except STORAGE_ERRORS as exc:
            logger.warning("photo storage failed writing %s: %s", name, exc)
            raise StorageUnavailable() from exc
        if saved != name:
            self.names.append(saved)
        return saved

    def discard(self) -> None:
        """Delete whatever was written, never hiding the error that brought us here."""
        for name in self.names:
            try:
                default_storage.delete(name)
            except STORAGE_ERRORS as exc:
                logger.error("could not delete photo file %s: %s", name, exc)
        self.names = []
