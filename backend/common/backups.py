"""Backup and restore of one installation: the database (pg_dump custom format) and the photo
store (every file, read and written through Django's storage API, so local disk and S3 alike).

A backup directory holds `database.dump`, `photos/<name>` for each stored file and
`manifest.json` (file names, sizes and SHA-256, the dump's size). Restore loads the dump into
an empty database (`createdb` it first; the dump creates the PostGIS extension) and writes back
every photo that the store does not have. For point-in-time recovery of large installations see
docs/DEPLOYMENT.md (base backup + WAL archiving); this is the logical backup, also what a
restore test can check.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage

from tools.pgcluster import bindir

DUMP = "database.dump"
MANIFEST = "manifest.json"


def _pg_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    values = {
        "PGHOST": db["HOST"],
        "PGPORT": db["PORT"],
        "PGUSER": db["USER"],
        "PGPASSWORD": db["PASSWORD"],
        "PGDATABASE": db["NAME"],
    }
    return {**os.environ, **{k: str(v) for k, v in values.items() if v}}


def stored_files(storage: Storage, path: str = "") -> Iterator[str]:
    """Every file name in the store, depth first."""
    try:
        directories, files = storage.listdir(path)
    except FileNotFoundError:  # a local store that never received a photo
        return
    for name in sorted(files):
        yield f"{path}/{name}" if path else name
    for directory in sorted(directories):
        yield from stored_files(storage, f"{path}/{directory}" if path else directory)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def backup(target: Path, storage: Storage = default_storage) -> dict[str, object]:
    """Dump the database and copy the photo store into `target` (created; must be empty)."""
    target.mkdir(parents=True, exist_ok=True)
    if any(target.iterdir()):
        raise ValueError(f"{target} is not empty")
    subprocess.run(
        [str(bindir() / "pg_dump"), "--format=custom", "--no-owner", "-f", str(target / DUMP)],
        env=_pg_env(),
        check=True,
        capture_output=True,
    )
    photos: dict[str, dict[str, object]] = {}
    for name in stored_files(storage):
        copy = target / "photos" / name
        copy.parent.mkdir(parents=True, exist_ok=True)
        with storage.open(name, "rb") as source, copy.open("wb") as out:
            for chunk in iter(lambda: source.read(1 << 20), b""):
                out.write(chunk)
        photos[name] = {"size": copy.stat().st_size, "sha256": _sha256(copy)}
    manifest: dict[str, object] = {
        "database": {"file": DUMP, "size": (target / DUMP).stat().st_size},
        "photos": photos,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


def restore(
    source: Path, storage: Storage = default_storage, photos_only: bool = False
) -> dict[str, int]:
    """Load the dump into the (empty) database and write back the photos the store lacks;
    every photo is checked against the manifest first. `photos_only`: the photos alone, after
    a point-in-time restore of the database (a copy taken after the target time holds every
    photo its rows name: photos are only ever added)."""
    manifest = json.loads((source / MANIFEST).read_text())
    for name, facts in manifest["photos"].items():
        if _sha256(source / "photos" / name) != facts["sha256"]:
            raise ValueError(f"photo {name} does not match the manifest")
    if not photos_only:
        _load_dump(source)
    written = 0
    for name in manifest["photos"]:
        if storage.exists(name):
            continue
        with (source / "photos" / name).open("rb") as f:
            saved = storage.save(name, File(f))
        if saved != name:
            raise RuntimeError(f"photo {name} was stored as {saved}")
        written += 1
    return {"photos": written}


def _load_dump(source: Path) -> None:
    subprocess.run(
        [
            str(bindir() / "pg_restore"),
            "--no-owner",
            "--exit-on-error",
            "-d",
            _pg_env()["PGDATABASE"],
            str(source / DUMP),
        ],
        env=_pg_env(),
        check=True,
        capture_output=True,
    )
