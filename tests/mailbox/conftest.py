"""A real IMAP server (Dovecot, tools/dovecot.py) on 127.0.0.1 for the session; each test starts
with an empty mailbox and the app's mailbox settings pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from imapclient import IMAPClient

from tools import dovecot

USER, PASSWORD = "hotline", "secret"


@pytest.fixture(scope="session")
def imap_server() -> Iterator[dovecot.Dovecot]:
    server = dovecot.start({USER: PASSWORD})
    yield server
    server.stop()


def client(server: dovecot.Dovecot) -> IMAPClient:
    imap = IMAPClient("127.0.0.1", port=server.port, ssl=False, timeout=10)
    imap.login(USER, PASSWORD)
    return imap


@pytest.fixture
def imap(imap_server: dovecot.Dovecot, settings: Any) -> Iterator[IMAPClient]:
    """A client of the test server (to deliver and inspect mails), the mailbox emptied."""
    settings.MAILBOX_IMAP_HOST = "127.0.0.1"
    settings.MAILBOX_IMAP_PORT = imap_server.port
    settings.MAILBOX_IMAP_TLS = False
    settings.MAILBOX_IMAP_USER, settings.MAILBOX_IMAP_PASSWORD = USER, PASSWORD
    settings.MAILBOX_FOLDER, settings.MAILBOX_DONE_FOLDER = "INBOX", "Processed"
    settings.MAILBOX_IMAP_TIMEOUT = 10
    imap = client(imap_server)
    for folder in ("INBOX", "Processed"):
        imap.select_folder(folder)
        uids = imap.search()
        if uids:
            imap.delete_messages(uids)
            imap.expunge()
    yield imap
    imap.logout()
