"""One worker's poll on several threads (MAILBOX_THREADS): one sender's mails in one lane, in
order; each lane commits and moves its own mails and closes its database connection; a fault
in a lane is the poll's fault (nothing moved that was not committed).

The threads have their own database connections, so the test that files through them commits
for real (transactional_db) and the session's seed is put back afterwards."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from imapclient import IMAPClient

from backend.incidents.models import Incident, LocationSource
from backend.mailbox.imap import KEEP_KEYWORD, lanes_of, mailbox_poll
from backend.mailbox.models import MailMessage, Outcome
from tests.faults import database_down

from .mails import deliver, folder_uids, gps_photo, mail

PLACE = "Tọa độ 10.7769, 106.7009"


def test_lanes_keep_a_senders_mails_together_and_in_order() -> None:
    senders = {1: b"a", 2: b"b", 3: b"a", 4: b"c", 5: b"a", 6: b"d", 7: b"b"}

    lanes = lanes_of([1, 2, 3, 4, 5, 6, 7], senders, 2)

    assert lanes == [[1, 3, 5], [2, 4, 6, 7]]
    assert lanes_of([1, 2, 3], {1: b"a", 2: b"a", 3: b"a"}, 4) == [[1, 2, 3]]
    assert lanes_of([3, 1], {}, 2) == [[3, 1]]  # no sender known: one lane, as given


@pytest.fixture
def _reseed_afterwards(django_db_blocker: Any) -> Iterator[None]:
    """Set up before transactional_db, so torn down after its flush: the seed comes back."""
    yield
    with django_db_blocker.unblock(), open(os.devnull, "w") as quiet:
        call_command("seed", stdout=quiet)
        call_command("seed_demo", "--staff-only", stdout=quiet)


def _backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        (count,) = cursor.fetchone()
    return int(count)


def test_threads_file_every_mail_and_close_their_connections(
    _reseed_afterwards: None, transactional_db: Any, imap: IMAPClient, settings: Any
) -> None:
    settings.MAILBOX_THREADS = 2
    order = ["an 1", "binh 1", "an 2", "chi 1", "an 3", "binh 2"]
    for label in order:
        who = label.split()[0]
        deliver(
            imap,
            mail(
                f"Rác thải tồn đọng ({label})",
                f"Rác đổ trước nhà. {PLACE}" if who != "chi" else "Rác đổ trước nhà.",
                sender=f"{who} <{who}@example.vn>",
                photos=[gps_photo()] if who == "chi" else [],
            ),
        )
    backends = _backends()

    run = mailbox_poll()

    assert (run.taken, run.kept, run.lanes) == (6, 0, 2)
    assert _backends() == backends  # the lanes' connections are closed
    assert Incident.objects.count() == 6
    photo_report = Incident.objects.get(description__contains="(chi 1)")
    assert photo_report.location_source == LocationSource.PHOTO  # read part by part in a lane
    assert set(MailMessage.objects.values_list("outcome", flat=True)) == {Outcome.FILED}
    for who in ("an", "binh"):  # recorded in the order they arrived
        subjects = MailMessage.objects.filter(sender=f"{who}@example.vn").order_by("pk")
        assert [s.split("(")[1][:-1] for s in subjects.values_list("subject", flat=True)] == [
            label for label in order if label.startswith(who)
        ]
    assert folder_uids(imap, "INBOX") == [] and len(folder_uids(imap, "Processed")) == 6


def test_a_lanes_database_fault_is_the_polls_and_moves_nothing(
    imap: IMAPClient, settings: Any, django_db_blocker: Any
) -> None:
    settings.MAILBOX_THREADS = 2
    for who in ("an", "binh", "chi"):
        deliver(imap, mail(f"Rác thải {PLACE}", sender=f"{who} <{who}@example.vn>"))

    with database_down(django_db_blocker), pytest.raises(OperationalError):
        mailbox_poll()

    uids = folder_uids(imap, "INBOX")
    assert len(uids) == 3 and folder_uids(imap, "Processed") == []
    assert all(KEEP_KEYWORD.encode() not in flags for flags in imap.get_flags(uids).values())
