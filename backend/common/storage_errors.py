"""What a storage backend raises when it cannot write or delete, for `except STORAGE_ERRORS`.

Django's local file storage raises OSError (a full disk: ENOSPC). django-storages' S3 backend
lets botocore's errors through: a bucket refusing the write (`ClientError`: InternalError when
its volumes are full, AccessDenied, NoSuchBucket) or an endpoint that does not answer
(`BotoCoreError`: EndpointConnectionError, timeouts). The one module that names botocore.
"""

from __future__ import annotations


def _storage_errors() -> tuple[type[Exception], ...]:
    errors: list[type[Exception]] = [OSError]
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # no S3 backend installed: local files only
        return tuple(errors)
    return (*errors, BotoCoreError, ClientError)


STORAGE_ERRORS = _storage_errors()
