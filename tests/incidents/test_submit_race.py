"""Two retries of one report racing on real, committed transactions → one incident.

The test's own transaction is bypassed: all database work runs in threads, each with its own
autocommit connection and real commits, and a thread cleans up the committed rows afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from procrastinate.contrib.django.models import ProcrastinateJob

from backend.accounts.models import User
from backend.incidents.models import Incident
from backend.incidents.services import submit as submit_module
from backend.incidents.services.submit import SubmitResult, incident_submit
from backend.units.models import Category
from tests.mobile_api.fixtures import stored_files
from tests.mobile_api.images import SAIGON, exif_with, jpeg_bytes, upload

T = TypeVar("T")


pytestmark = pytest.mark.django_db


def in_thread[T](work: Callable[[], T]) -> T:
    """Run `work` on a fresh connection outside the test transaction (autocommit)."""
    box: list[T] = []

    def run() -> None:
        try:
            box.append(work())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    return box[0]


@pytest.fixture
def committed_resident(settings: Any, tmp_path: Path) -> Iterator[User]:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    user = in_thread(
        lambda: User.objects.create_user(username="+84909999999", phone="+84909999999")
    )
    yield user

    def cleanup() -> None:
        ids = list(Incident.objects.filter(reporter=user).values_list("pk", flat=True))
        ProcrastinateJob.objects.filter(args__incident_id__in=ids).delete()
        Incident.objects.filter(pk__in=ids).delete()
        user.delete()

    in_thread(lambda: cleanup())


def test_two_racing_retries_file_one_incident(
    committed_resident: User, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    category = Category.objects.get(code="flooding")
    barrier = threading.Barrier(2, timeout=10)
    real_ward_at = submit_module.ward_at

    def ward_together(point: Point) -> Any:
        barrier.wait()  # both requests are past the "already submitted?" check
        return real_ward_at(point)

    monkeypatch.setattr(submit_module, "ward_at", ward_together)
    results: list[SubmitResult] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            photo = upload(jpeg_bytes(exif=exif_with()))
            results.append(
                incident_submit(
                    reporter=committed_resident,
                    category=category,
                    description="Ngập sâu 40 cm",
                    location=Point(*SAIGON, srid=4326),
                    photos=[photo],
                    idempotency_key="race-key",
                )
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(r.created for r in results) == [False, True]
    assert results[0].incident.pk == results[1].incident.pk
    assert in_thread(lambda: Incident.objects.filter(reporter=committed_resident).count()) == 1
    assert len(stored_files(tmp_path / "media")) == 2  # the loser removed its copies
