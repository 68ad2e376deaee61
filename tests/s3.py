"""A real S3 server for the tests (SeaweedFS, tools/seaweedfs.py) and settings that put the
photos there: one server per session, one key prefix per test."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tools import seaweedfs

BUCKET = "hotline1022-photos"


def client(server: seaweedfs.S3Server) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=server.endpoint,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


@pytest.fixture(scope="session")
def s3_server() -> Iterator[seaweedfs.S3Server]:
    server = seaweedfs.start()
    s3 = client(server)
    for _ in range(100):  # the filer may still be joining the master
        try:
            s3.create_bucket(Bucket=BUCKET)
            break
        except s3.exceptions.BucketAlreadyOwnedByYou:
            break
        except Exception:
            time.sleep(0.2)
    yield server
    server.stop()


class S3Photos:
    def __init__(self, server: seaweedfs.S3Server, prefix: str) -> None:
        self.server, self.prefix, self.s3 = server, prefix, client(server)

    def keys(self) -> list[str]:
        listing = self.s3.list_objects_v2(Bucket=BUCKET, Prefix=self.prefix + "/")
        return sorted(item["Key"] for item in listing.get("Contents", []))


@pytest.fixture
def s3_photos(settings: Any, s3_server: seaweedfs.S3Server) -> S3Photos:
    """Photos go to the S3 server under a fresh prefix, with the settings production uses."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_server.endpoint,
                "region_name": "us-east-1",
                "access_key": s3_server.access_key,
                "secret_key": s3_server.secret_key,
                "location": prefix,
                "addressing_style": "path",
                "signature_version": "s3v4",
                "default_acl": None,
                "querystring_auth": True,
                "querystring_expire": 300,
                "file_overwrite": False,
            },
        },
    }
    return S3Photos(s3_server, prefix)
