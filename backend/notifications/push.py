"""The one module that talks to Firebase Cloud Messaging: firebase-admin's public API only.

Nothing is initialised at import time: the firebase App is created on the first send from the
settings (`FCM_*`) and rebuilt if they change (tests start a fake FCM server per test).

- Credentials: `FCM_CREDENTIALS_FILE` (a service account JSON) or, without it, anonymous
  credentials (no Authorization header) for the loopback fake server. A stale OAuth token is
  refreshed once per batch before sending (bounded by `FCM_TIMEOUT_SECONDS`), not by each of
  the SDK's sender threads; a refusal there fails nothing and sends nothing: all RETRY.
- Sending: `messaging.send_each`, at most `FCM_MAX_CONNECTIONS` messages per call: the SDK
  gives each message of a call a thread and a keep-alive connection from its pool of 100.
  App option `httpTimeout` = `FCM_TIMEOUT_SECONDS` bounds each request.
- Endpoint: firebase-admin 7.7 hard-codes https://fcm.googleapis.com and has no public option
  or variable to change it (unlike the Auth and Database emulators). What it honours is the
  environment of requests, under `send_each`: `HTTPS_PROXY`/`NO_PROXY` (an egress proxy in
  production) and `REQUESTS_CA_BUNDLE`. The tests and the benchmark reach their fake FCM that
  way, as a proxy that accepts the CONNECT to fcm.googleapis.com (tests/notifications/
  fake_fcm.py). `send_each_async` would not do: its httpx client mounts its own transports,
  which override proxies from the environment.
- Retries inside the SDK (urllib3 under requests, not configurable through the public API): a
  500/503 is resent up to 4 times with backoff (0, 1, 2, 4 s), a 429/503 carrying Retry-After
  is resent after waiting it out, a read timeout or a broken connection is resent once. What
  still fails comes back here, sorted into an `Outcome`; the job retries it later with the
  last Retry-After. A message resent after a timeout may arrive twice: every push carries a
  collapse identity (`PushMessage.collapse_key`), so the phone shows it once.

`send_batch` returns one `PushResult` per message in order; it never raises for a per-message
failure, only sorts it into an `Outcome` the caller acts on.
"""

from __future__ import annotations

import enum
import functools
import itertools
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import firebase_admin
from django.conf import settings
from firebase_admin import credentials, exceptions, messaging
from google.auth import exceptions as google_auth_exceptions
from google.auth.credentials import AnonymousCredentials
from google.auth.transport.requests import Request as TokenRequest

logger = logging.getLogger(__name__)

MAX_BATCH = 500  # messages per call, as FCM's send_each allows
_APP_NAME = "hotline1022-push"


class Outcome(enum.StrEnum):
    SENT = "sent"
    DEAD_TOKEN = "dead_token"  # UNREGISTERED / SENDER_ID_MISMATCH: stop using the token
    RETRY = "retry"  # 429, 5xx, timeouts, connection or auth trouble: try again later
    FAILED = "failed"  # the message itself was refused (bad payload): retrying will not help


@dataclass(frozen=True)
class PushMessage:
    token: str
    title: str
    body: str
    data: dict[str, str] = field(default_factory=dict)
    # One notice on the phone per key: Android collapse_key and notification tag, APNs
    # apns-collapse-id (≤ 64 bytes). A resend of the same notice replaces the first one.
    collapse_key: str = ""
    thread: str = ""  # iOS groups notices of one thread (e.g. all about one report)


@dataclass(frozen=True)
class PushResult:
    outcome: Outcome
    message_id: str = ""
    error: str = ""
    retry_after: float | None = None  # seconds, from the Retry-After header


class _Anonymous(credentials.Base):
    """No OAuth token: the fake FCM server does not check one."""

    def get_credential(self) -> AnonymousCredentials:
        return AnonymousCredentials()


@dataclass
class _Current:
    """The App for the settings in `key` (at most one at a time)."""

    key: tuple[str, str, float] | None = None
    app: firebase_admin.App | None = None


_lock = threading.Lock()
_current = _Current()
_generation = itertools.count(1)


def _forget_after_fork() -> None:
    """A forked child must not share the parent's connections: it starts a new App (the
    parent's stays registered under the parent's name)."""
    global _lock, _current
    _lock = threading.Lock()
    _current = _Current()


os.register_at_fork(after_in_child=_forget_after_fork)


def _config() -> tuple[str, str, float]:
    return (
        settings.FCM_CREDENTIALS_FILE,
        settings.FCM_PROJECT_ID,
        float(settings.FCM_TIMEOUT_SECONDS),
    )


def _app() -> firebase_admin.App:
    """The firebase App for the current settings, created on first use. An App replaced
    meanwhile keeps serving the calls already on it (deleting it closes nothing they use)."""
    key = _config()
    with _lock:
        if _current.key != key or _current.app is None:
            _close()
            cred_file, project_id, timeout = key
            cred = credentials.Certificate(cred_file) if cred_file else _Anonymous()
            # the service account names its project; an explicit FCM_PROJECT_ID wins
            project_id = project_id or getattr(cred, "project_id", None) or "hotline1022-dev"
            _current.app = firebase_admin.initialize_app(
                cred,
                {"projectId": project_id, "httpTimeout": timeout},
                name=f"{_APP_NAME}-{os.getpid()}-{next(_generation)}",
            )
            _current.key = key
        return _current.app


def _close() -> None:
    app, _current.app, _current.key = _current.app, None, None
    if app is not None:
        firebase_admin.delete_app(app)


def reset() -> None:
    """Forget the App (tests, or after credentials rotate)."""
    with _lock:
        _close()


def message_for(push: PushMessage) -> messaging.Message:
    """The SDK message of `push` (the benchmark sends these to the bare SDK)."""
    collapse = push.collapse_key or None
    message = messaging.Message(
        notification=messaging.Notification(title=push.title, body=push.body),
        data=push.data,
        android=messaging.AndroidConfig(
            priority="high",
            collapse_key=collapse,
            ttl=int(settings.FCM_TTL_SECONDS),
            notification=messaging.AndroidNotification(
                channel_id=settings.FCM_ANDROID_CHANNEL, tag=collapse
            ),
        ),
        apns=messaging.APNSConfig(
            headers={"apns-priority": "10", **({"apns-collapse-id": collapse} if collapse else {})},
            payload=messaging.APNSPayload(
                aps=messaging.Aps(sound="default", thread_id=push.thread or None)
            ),
        ),
    )
    # Our apps hand us FCM registration tokens, which FCM v1 takes in `message.token`. The SDK
    # deprecates the `token=` argument in favour of `fid` (Firebase installation ids, a different
    # identifier the apps do not send); setting the attribute keeps the wire format without the
    # per-message DeprecationWarning.
    message.token = push.token
    return message


def _messages(pushes: Sequence[PushMessage]) -> list[messaging.Message]:
    """The SDK messages of `pushes`; those that say the same thing share all but the token
    (a fan-out says one of a few texts to many)."""
    shared: dict[tuple[object, ...], messaging.Message] = {}
    messages = []
    for push in pushes:
        key = (push.title, push.body, push.collapse_key, push.thread, tuple(push.data.items()))
        if (model := shared.get(key)) is None:
            model = shared[key] = message_for(push)
        message = messaging.Message(
            data=model.data, notification=model.notification, android=model.android,
            apns=model.apns,
        )  # fmt: skip
        message.token = push.token  # see message_for
        messages.append(message)
    return messages


def _retry_after(error: exceptions.FirebaseError) -> float | None:
    response = error.http_response
    raw = response.headers.get("Retry-After") if response is not None else None
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:  # an HTTP date: rare from Google, treat as "a minute"
        return 60.0


def _classify(error: exceptions.FirebaseError) -> PushResult:
    text = f"{type(error).__name__}: {error}"[:1000]
    if isinstance(error, messaging.UnregisteredError | messaging.SenderIdMismatchError):
        return PushResult(Outcome.DEAD_TOKEN, error=text)
    transient = (
        messaging.QuotaExceededError,
        messaging.ThirdPartyAuthError,
        exceptions.UnavailableError,
        exceptions.InternalError,
        exceptions.DeadlineExceededError,
        exceptions.UnknownError,
        exceptions.UnauthenticatedError,
        exceptions.ResourceExhaustedError,
    )
    if isinstance(error, transient):
        return PushResult(Outcome.RETRY, error=text, retry_after=_retry_after(error))
    return PushResult(Outcome.FAILED, error=text)


def _refresh_token(app: firebase_admin.App) -> PushResult | None:
    """Refresh a stale OAuth token once, before the SDK's threads would each do it; the
    result every message gets if that fails."""
    credential = app.credential.get_credential()
    if credential.valid:
        return None
    request = functools.partial(TokenRequest(), timeout=float(settings.FCM_TIMEOUT_SECONDS))
    try:
        credential.refresh(request)
    except google_auth_exceptions.GoogleAuthError as error:
        logger.warning("push: OAuth token refresh failed: %s", error)
        return PushResult(Outcome.RETRY, error=f"{type(error).__name__}: {error}"[:1000])
    return None


def _send_each(app: firebase_admin.App, pushes: Sequence[PushMessage]) -> list[PushResult]:
    try:
        batch = messaging.send_each(_messages(pushes), app=app)
    except ValueError as exc:
        # The SDK validates every message before it sends any: find the refused ones by
        # halves, so each costs its own message, not the batch's.
        if len(pushes) == 1:
            return [PushResult(Outcome.FAILED, error=f"ValueError: {exc}"[:1000])]
        half = len(pushes) // 2
        return _send_each(app, pushes[:half]) + _send_each(app, pushes[half:])
    except exceptions.FirebaseError as error:
        # An error outside any one request (e.g. a token refused mid-batch): the answers of
        # the others are lost with it, so all are tried again; a resend collapses on the phone.
        logger.warning("push: batch of %s failed as a whole: %s", len(pushes), error)
        return [_classify(error)] * len(pushes)
    return [
        PushResult(Outcome.SENT, message_id=str(r.message_id))
        if r.success
        else _classify(r.exception)
        for r in batch.responses
    ]


def send_batch(pushes: Sequence[PushMessage]) -> list[PushResult]:
    """Send the messages, `FCM_MAX_CONNECTIONS` at a time; one result per message, in order."""
    if not pushes:
        return []
    app = _app()
    refused = _refresh_token(app)
    if refused is not None:
        return [refused] * len(pushes)
    size = max(1, min(int(settings.FCM_MAX_CONNECTIONS), MAX_BATCH))
    results: list[PushResult] = []
    for start in range(0, len(pushes), size):
        results.extend(_send_each(app, pushes[start : start + size]))
    return results
