"""The one door to the mail server (IMAPClient): read new mails of MAILBOX_FOLDER, take each
(intake.py), then move it to MAILBOX_DONE_FOLDER — only after its outcome is committed.

- New = not yet moved, and without our keywords: `KEEP_KEYWORD` (kept for an operator: too big,
  unreadable; it stays where it is, flagged) or `DONE_KEYWORD` (taken, when there is no done
  folder). A person reading the mailbox in a mail program changes nothing (\\Seen is not used).
- Sizes and structures (RFC822.SIZE, BODYSTRUCTURE) are asked first, a chunk at a time; a mail
  over MAILBOX_MAX_BYTES is never downloaded (its header only).
- A mail with photos is read part by part (parts.py: its header, text parts and each photo's
  body, BODY.PEEK[n]), mails of the same structure in one FETCH; any other mail, or one whose
  parts do not add up, is fetched whole (BODY.PEEK[]). PEEK: no \\Seen side effect. The whole
  mail is fetched again only when its raw copy is stored (triage inbox, kept after an error).
  IMAP BINARY (RFC 3516, the server decoding the photos) is not used: IMAPClient 4.1 cannot read
  its literal8 answers.
- Mails are taken in order one chunk at a time, and the taken ones moved per chunk. A crash
  before the move costs a second look next poll: the mail is found by its key and moved,
  nothing is filed twice (intake.py).
- One worker files on MAILBOX_THREADS threads ("lanes"): the photo work (Pillow decodes and
  resizes without the GIL) of one mail overlaps the fetch and the database work of another. The
  new mails are shared out by sender (ENVELOPE), so one sender's mails are taken in order by one
  lane (a reply after the mail it answers); each lane has its own IMAP session and database
  connection (closed when it ends) and takes its mails exactly as above: every mail commits on
  its own and is moved only after. A fault in one lane is raised by the poll once all lanes end.
- The server unreachable or refusing → `MailboxUnavailable`: nothing taken, the next poll (a
  minute later) tries again. A database fault propagates (the job is retried).
"""

from __future__ import annotations

import logging
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from django.conf import settings
from django.db import connections
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from backend.common.unavailable import is_unavailable

from .intake import Taken, mail_keep, mail_take, mail_take_parsed
from .parse import parse_light
from .parts import Plan, light_mail, plan

logger = logging.getLogger(__name__)

KEEP_KEYWORD = "$Hotline1022Kept"
DONE_KEYWORD = "$Hotline1022Done"
FETCH_CHUNK = 10
HEADER = b"BODY[HEADER]"
BODY = b"BODY[]"
SIZE = b"RFC822.SIZE"
STRUCTURE = b"BODYSTRUCTURE"


class MailboxUnavailable(Exception):
    """The mail server cannot be reached or refuses us: try again at the next poll."""


@dataclass
class PollRun:
    taken: int = 0
    kept: int = 0
    lanes: int = 1  # threads that took the mails


@contextmanager
def connected() -> Iterator[IMAPClient]:
    try:
        client = IMAPClient(
            settings.MAILBOX_IMAP_HOST,
            port=settings.MAILBOX_IMAP_PORT,
            ssl=settings.MAILBOX_IMAP_TLS,
            ssl_context=ssl.create_default_context() if settings.MAILBOX_IMAP_TLS else None,
            timeout=settings.MAILBOX_IMAP_TIMEOUT,
        )
        client.login(settings.MAILBOX_IMAP_USER, settings.MAILBOX_IMAP_PASSWORD)
        client.select_folder(settings.MAILBOX_FOLDER)
    except (TimeoutError, OSError, IMAPClientError) as exc:
        raise MailboxUnavailable(f"{type(exc).__name__}: {exc}") from exc
    try:
        yield client
    except (OSError, IMAPClientError) as exc:
        raise MailboxUnavailable(f"{type(exc).__name__}: {exc}") from exc
    finally:
        with suppress(OSError, IMAPClientError):
            client.logout()


def new_uids(client: IMAPClient) -> list[int]:
    criteria: list[object] = ["NOT", "KEYWORD", KEEP_KEYWORD, "NOT", "DELETED"]
    if not settings.MAILBOX_DONE_FOLDER:
        criteria += ["NOT", "KEYWORD", DONE_KEYWORD]
    return sorted(client.search(criteria))[: settings.MAILBOX_BATCH]


def _finish(client: IMAPClient, done: list[int], kept: list[int]) -> None:
    if kept:
        client.add_flags(kept, [KEEP_KEYWORD.encode()])
    if not done:
        return
    if settings.MAILBOX_DONE_FOLDER and client.has_capability("MOVE"):
        client.move(done, settings.MAILBOX_DONE_FOLDER)
    elif settings.MAILBOX_DONE_FOLDER:  # a server without MOVE (RFC 6851): copy, then delete
        client.copy(done, settings.MAILBOX_DONE_FOLDER)
        client.delete_messages(done)
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(done)
        else:
            client.expunge()
    else:
        client.add_flags(done, [DONE_KEYWORD.encode()])


def _whole(client: IMAPClient, uid: int) -> bytes:
    raw = client.fetch([uid], ["BODY.PEEK[]"]).get(uid, {}).get(BODY)
    if not isinstance(raw, bytes):
        raise MailboxUnavailable(f"mail uid {uid} vanished while it was taken")
    return raw


def _kept_after_error(uid: int, raw: bytes, size: int, exc: Exception) -> Taken:
    if is_unavailable(exc) or isinstance(exc, (IMAPClientError, MailboxUnavailable)):
        raise exc  # the database or the mail server: the next poll tries again
    # a bug met by one odd mail must not block the mailbox: keep it for an operator
    logger.exception("mail uid %s could not be taken; kept for an operator", uid)
    return mail_keep(raw=raw, headers=raw, size=size, reason=f"error: {type(exc).__name__}")


def _take_one(uid: int, size: int, data: dict[bytes, object]) -> Taken:
    raw = data.get(BODY)
    if not isinstance(raw, bytes):  # over the limit: only the header was fetched
        header = data.get(HEADER)
        return mail_keep(
            raw=b"",
            headers=header if isinstance(header, bytes) else b"",
            size=size,
            reason=f"oversized: {size} bytes",
        )
    try:
        return mail_take(raw=raw, size=size)
    except Exception as exc:
        return _kept_after_error(uid, raw, size, exc)


def _take_in_parts(
    client: IMAPClient, uid: int, size: int, mail_plan: Plan, data: dict[bytes, object]
) -> Taken:
    try:
        parsed = parse_light(light_mail(mail_plan, data))
    except Exception:  # parsing only: the whole mail tells (and keeps its raw copy)
        return _take_one(uid, size, {BODY: _whole(client, uid)})
    try:
        return mail_take_parsed(parsed=parsed, size=size, raw=lambda: _whole(client, uid))
    except Exception as exc:
        return _kept_after_error(uid, _whole(client, uid), size, exc)


def _fetch_chunk(
    client: IMAPClient, chunk: list[int]
) -> tuple[dict[int, int], dict[int, Plan], dict[int, dict[bytes, object]]]:
    """Sizes, part plans and the FETCH answers of the mails of `chunk` still there."""
    info = client.fetch(chunk, ["RFC822.SIZE", "BODYSTRUCTURE"])
    sizes = {uid: int(info[uid][SIZE]) for uid in chunk if uid in info}
    big = [uid for uid, size in sizes.items() if size > settings.MAILBOX_MAX_BYTES]
    plans: dict[int, Plan] = {}
    whole: list[int] = []
    alike: dict[tuple[str, ...], list[int]] = {}
    for uid in sizes:
        if uid in big:
            continue
        mail_plan = plan(info[uid].get(STRUCTURE))
        if mail_plan is None:
            whole.append(uid)
        else:
            plans[uid] = mail_plan
            alike.setdefault(mail_plan.items, []).append(uid)
    fetched: dict[int, dict[bytes, object]] = {}
    if whole:
        fetched.update(client.fetch(whole, ["BODY.PEEK[]"]))
    if big:
        fetched.update(client.fetch(big, ["BODY.PEEK[HEADER]"]))
    for items, uids in alike.items():
        fetched.update(client.fetch(uids, list(items)))
    return sizes, plans, fetched


def _take_uids(client: IMAPClient, uids: list[int], run: PollRun) -> None:
    """Take `uids` in order, a chunk at a time, each chunk moved once its mails are committed."""
    for start in range(0, len(uids), FETCH_CHUNK):
        chunk = uids[start : start + FETCH_CHUNK]
        sizes, plans, fetched = _fetch_chunk(client, chunk)
        done: list[int] = []
        kept: list[int] = []
        for uid in chunk:
            if uid not in fetched:  # expunged by someone else meanwhile
                continue
            mail_plan = plans.get(uid)
            if mail_plan is None:
                taken = _take_one(uid, sizes[uid], fetched[uid])
            else:
                taken = _take_in_parts(client, uid, sizes[uid], mail_plan, fetched[uid])
            (kept if taken.keep_on_server else done).append(uid)
            if taken.keep_on_server:
                run.kept += 1
            else:
                run.taken += 1
        _finish(client, done, kept)


def _sender(envelope: object) -> bytes:
    senders = getattr(envelope, "from_", None) or ()
    first = senders[0] if senders else None
    mailbox, host = getattr(first, "mailbox", None) or b"", getattr(first, "host", None) or b""
    return (mailbox + b"@" + host).lower()


def lanes_of(uids: list[int], senders: dict[int, bytes], lanes: int) -> list[list[int]]:
    """`uids` shared out among at most `lanes` lanes, every mail of one sender in the same lane
    in the order of `uids` (a reply is taken after the mail it answers), the lanes as even as
    the senders allow."""
    out: list[list[int]] = [[] for _ in range(max(1, lanes))]
    lane_of: dict[bytes, int] = {}
    for uid in uids:
        sender = senders.get(uid, b"")
        if sender not in lane_of:
            lane_of[sender] = min(range(len(out)), key=lambda n: len(out[n]))
        out[lane_of[sender]].append(uid)
    return [lane for lane in out if lane]


def _lanes(client: IMAPClient, uids: list[int]) -> list[list[int]]:
    if settings.MAILBOX_THREADS <= 1 or len(uids) < 2:
        return [uids]
    envelopes = client.fetch(uids, ["ENVELOPE"])
    senders = {uid: _sender(data.get(b"ENVELOPE")) for uid, data in envelopes.items()}
    return lanes_of(uids, senders, settings.MAILBOX_THREADS)


def _lane(uids: list[int], run: PollRun, faults: list[BaseException]) -> None:
    """One thread of the poll: its own IMAP session and its own database connection, closed
    at the end (each mail still commits on its own, and is moved only after)."""
    try:
        with connected() as client:
            _take_uids(client, uids, run)
    except BaseException as exc:  # handed to the poll, which raises it
        faults.append(exc)
    finally:
        connections.close_all()


def mailbox_poll() -> PollRun:
    """Take every new mail of the folder (see the module docstring)."""
    run = PollRun()
    with connected() as client:
        uids = new_uids(client)
        lanes = _lanes(client, uids)
        if len(lanes) <= 1:
            _take_uids(client, uids, run)
            return run
    runs = [PollRun() for _ in lanes]
    faults: list[BaseException] = []
    threads = [
        threading.Thread(target=_lane, args=(lane, lane_run, faults), name=f"mailbox-lane-{n}")
        for n, (lane, lane_run) in enumerate(zip(lanes, runs, strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if faults:
        raise faults[0]
    return PollRun(
        taken=sum(r.taken for r in runs), kept=sum(r.kept for r in runs), lanes=len(lanes)
    )
