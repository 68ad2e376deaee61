"""The one module that talks to Firebase Cloud Messaging (firebase-admin, FCM HTTP v1).

Nothing is initialised at import time: the firebase App is created on the first send from the
settings (`FCM_*`) and rebuilt if they change (tests start a fake FCM server per test).

- Credentials: `FCM_CREDENTIALS_FILE` (a service account JSON) or, without it, anonymous
  credentials (no Authorization header) for the loopback fake server.
- Endpoint: `FCM_ENDPOINT` replaces https://fcm.googleapis.com for the v1 send URL.
- HTTP: `FCM_MAX_CONNECTIONS` keep-alive connections to that endpoint, used by as many long-lived
  sender threads (one `messaging.send` each; `send_each` starts one thread per message for every
  batch, which cost ~40 % of the throughput in bench/bench_push.py). The SDK's own status retries
  are off: a 429/503 comes back at once with its Retry-After and the job is retried later instead
  of holding a worker thread asleep. Proxy variables are read once, not on every request.

`send_batch` returns one `PushResult` per message in order; it never raises for a per-message
failure, only sorts it into an `Outcome` the caller acts on.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import firebase_admin
import requests
from django.conf import settings
from firebase_admin import credentials, exceptions, messaging
from google.auth.credentials import AnonymousCredentials
from urllib3.util.retry import Retry

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
    collapse_key: str = ""  # a newer notice about the same thing replaces the older one


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


_lock = threading.Lock()
_state: dict[str, Any] = {"key": None, "app": None, "pool": None}


def _config() -> tuple[str, str, str, float, int]:
    return (
        settings.FCM_CREDENTIALS_FILE,
        settings.FCM_PROJECT_ID,
        settings.FCM_ENDPOINT.rstrip("/"),
        float(settings.FCM_TIMEOUT_SECONDS),
        int(settings.FCM_MAX_CONNECTIONS),
    )


def _app() -> tuple[firebase_admin.App, ThreadPoolExecutor]:
    """The firebase App and sender threads for the current settings, created on first use."""
    key = _config()
    with _lock:
        if _state["key"] == key:
            return _state["app"], _state["pool"]
        _close()
        cred_file, project_id, endpoint, timeout, connections = key
        cred = credentials.Certificate(cred_file) if cred_file else _Anonymous()
        # the service account names its project; an explicit FCM_PROJECT_ID wins
        project_id = project_id or getattr(cred, "project_id", None) or "hotline1022-dev"
        app = firebase_admin.initialize_app(
            cred, {"projectId": project_id, "httpTimeout": timeout}, name=_APP_NAME
        )
        # firebase-admin has no public option for the endpoint or the pool: both live on the
        # messaging service (checked against firebase-admin 7.7, pinned in pyproject.toml).
        service = messaging._get_messaging_service(app)
        service._fcm_url = f"{endpoint}/v1/projects/{project_id}/messages:send"
        adapter = requests.adapters.HTTPAdapter(
            pool_connections=1,
            pool_maxsize=connections,
            pool_block=True,
            max_retries=Retry(
                total=1, connect=1, read=0, status=0, redirect=0, respect_retry_after_header=False
            ),
        )
        session = service._client.session
        session.mount(endpoint, adapter)
        session.proxies = requests.utils.get_environ_proxies(endpoint)
        session.trust_env = False
        pool = ThreadPoolExecutor(max_workers=connections, thread_name_prefix="fcm")
        _state.update(key=key, app=app, pool=pool)
        return app, pool


def _close() -> None:
    if _state["pool"] is not None:
        _state["pool"].shutdown(wait=True)
    if _state["app"] is not None:
        firebase_admin.delete_app(_state["app"])
    _state.update(key=None, app=None, pool=None)


def reset() -> None:
    """Forget the App and its threads (tests, or after credentials rotate)."""
    with _lock:
        _close()


def _message(push: PushMessage) -> messaging.Message:
    collapse = push.collapse_key or None
    message = messaging.Message(
        notification=messaging.Notification(title=push.title, body=push.body),
        data=push.data,
        android=messaging.AndroidConfig(
            priority="high",
            collapse_key=collapse,
            ttl=int(settings.FCM_TTL_SECONDS),
            notification=messaging.AndroidNotification(channel_id=settings.FCM_ANDROID_CHANNEL),
        ),
        apns=messaging.APNSConfig(
            headers={"apns-priority": "10", **({"apns-collapse-id": collapse} if collapse else {})},
            payload=messaging.APNSPayload(aps=messaging.Aps(sound="default", thread_id=collapse)),
        ),
    )
    # Our apps hand us FCM registration tokens, which FCM v1 takes in `message.token`. The SDK
    # deprecates the `token=` argument in favour of `fid` (Firebase installation ids, a different
    # identifier the apps do not send); setting the attribute keeps the wire format without the
    # per-message DeprecationWarning.
    message.token = push.token
    return message


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


def _send_one(app: firebase_admin.App, push: PushMessage) -> PushResult:
    try:
        message_id = messaging.send(_message(push), app=app)
    except ValueError as exc:  # the SDK refused the payload before sending it
        return PushResult(Outcome.FAILED, error=f"ValueError: {exc}"[:1000])
    except exceptions.FirebaseError as exc:
        return _classify(exc)
    return PushResult(Outcome.SENT, message_id=message_id)


def send_batch(pushes: Sequence[PushMessage]) -> list[PushResult]:
    """Send up to MAX_BATCH messages concurrently; one result per message, in order."""
    if len(pushes) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} messages per batch")
    if not pushes:
        return []
    app, pool = _app()
    return list(pool.map(lambda push: _send_one(app, push), pushes))
