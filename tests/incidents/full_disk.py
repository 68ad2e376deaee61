"""A disk that fills up: a real FileSystemStorage whose writes stop after `free` bytes with
OSError(ENOSPC), leaving the file it began empty or cut off — as a full disk does."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from typing import IO, Any

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage


class FullDiskStorage(FileSystemStorage):
    free = 0  # bytes left on the "disk"; the test sets it

    def save(self, name: str | None, content: IO[Any], max_length: int | None = None) -> str:
        return super().save(name, _UntilFull(content.read()), max_length)


class _UntilFull(ContentFile):
    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        for chunk in super().chunks(4096):
            if len(chunk) > FullDiskStorage.free:
                part, FullDiskStorage.free = chunk[: FullDiskStorage.free], 0
                if part:
                    yield part
                raise OSError(errno.ENOSPC, "No space left on device")
            FullDiskStorage.free -= len(chunk)
            yield chunk


def full_disk(settings: Any, free: int) -> None:
    """Make the default storage a disk with `free` bytes left."""
    FullDiskStorage.free = free
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.incidents.full_disk.FullDiskStorage"},
    }
