"""Typed access to environment variables for the settings modules."""

import os
from urllib.parse import unquote, urlsplit


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url: str) -> dict[str, object]:
    """postgis://user:pass@host:port/name → a Django DATABASES entry (PostGIS engine)."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgis", "postgres", "postgresql"}:
        raise ValueError(f"DATABASE_URL must be postgis:// or postgres://, got {parts.scheme}://")
    return {
        "ENGINE": "django.contrib.gis.db.backends.postgis",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        **_pooling_options(),
    }


def _pooling_options() -> dict[str, object]:
    """Behind a transaction-mode pooler (PgBouncer, DB_TRANSACTION_POOLING=1) consecutive
    transactions may reach different server connections: no server-side cursors (they live past
    a transaction) and no prepared statements (PgBouncer 1.18 does not carry them over).
    Otherwise server-side-binding cursors (geo.locate) become prepared statements after
    DB_PREPARE_THRESHOLD runs (default 5; empty = never)."""
    if env_bool("DB_TRANSACTION_POOLING", False):
        return {"DISABLE_SERVER_SIDE_CURSORS": True, "OPTIONS": {"prepare_threshold": None}}
    raw = os.environ.get("DB_PREPARE_THRESHOLD", "5")
    return {"OPTIONS": {"prepare_threshold": int(raw) if raw else None}}


def photo_storage() -> dict[str, object]:
    """Where photos go: MEDIA_ROOT on the local disk, or an S3-compatible bucket when S3_BUCKET is
    set (django-storages). The bucket stays private: every photo URL is signed for
    S3_URL_SECONDS and only reaches the people an API response was allowed to show the report to.
    Without S3_ACCESS_KEY_ID boto3 finds credentials itself (AWS_* variables, instance role)."""
    bucket = env_str("S3_BUCKET", "")
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": env_str("S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("S3_REGION", "") or None,
            "access_key": env_str("S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("S3_SECRET_ACCESS_KEY", "") or None,
            "location": env_str("S3_PREFIX", ""),
            "addressing_style": env_str("S3_ADDRESSING_STYLE", "path"),
            "signature_version": "s3v4",
            "default_acl": None,  # objects inherit the private bucket's policy
            "querystring_auth": True,
            "querystring_expire": env_int("S3_URL_SECONDS", 3600),
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "private, max-age=3600"},
        },
    }


def replica_databases(urls: list[str]) -> dict[str, dict[str, object]]:
    """DATABASE_REPLICA_URLS → DATABASES entries replica1, replica2, … (backend/common/replicas.py);
    a replica that does not answer within 3 s is skipped until the next health check."""
    found: dict[str, dict[str, object]] = {}
    for number, url in enumerate(urls, start=1):
        entry = database_from_url(url)
        options = dict(entry["OPTIONS"])  # type: ignore[call-overload]
        entry["OPTIONS"] = options | {"connect_timeout": 3}
        found[f"replica{number}"] = entry
    return found
