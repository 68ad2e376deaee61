"""The one module that talks to Firebase Cloud Messaging (firebase-admin, FCM HTTP v1).

Nothing is initialised at import time: the firebase App is created on the first send from the
settings (`FCM_*`) and rebuilt if they change (tests start a fake FCM server per test).

- Credentials: `FCM_CREDENTIALS_FILE` (a service account JSON) or, without it, anonymous
  credentials (no Authorization header) for the loopback fake server.
- Endpoint: `FCM_ENDPOINT` replaces https://fcm.googleapis.com for the v1 send URL.
- HTTP: `FCM_MAX_CONNECTIONS` keep-alive connections to that endpoint, used by as many long-lived
  sender threads (`send_each` starts one thread per message for every batch, which cost ~40 % of
  the throughput in bench/bench_push.py). The SDK's own status retries are off: a 429/503 comes
  back at once with its Retry-After and the job is retried later instead of holding a worker
  thread asleep.
- Sending: each message is built, validated and encoded by the SDK (`messaging.Message`,
  `_MessagingService.encode_message`) and posted by the SDK's own JSON client
  (`_http_client.JsonHttpClient`, given our session through its `session=` argument) to the
  SDK's v1 URL with its headers; a failed request becomes the exception `messaging.send` would
  raise (`_handle_fcm_error`). That is `_MessagingService.send` minus the service lookup per call.
  The session is `push_transport.FcmSession`: google-auth's urllib3 transport (credentials,
  token refresh) behind the requests interface the client expects, without requests' per-request
  preparation (see that module).

Private firebase-admin attributes used (checked against 7.7.0, pinned in pyproject.toml; a
version bump must re-check them; tests/notifications/test_push_transport.py pins the version):
`messaging._get_messaging_service`, `_MessagingService._fcm_url`, `._fcm_headers`, `._client`
(replaced by a `_http_client.JsonHttpClient`: `.session`, `.body`), `.encode_message`,
`._handle_fcm_error`.

`send_batch` returns one `PushResult` per message in order; it never raises for a per-message
failure, only sorts it into an `Outcome` the caller acts on.
"""

from __future__ import annotations

import enum
import itertools
import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, cast

import firebase_admin
import requests
from django.conf import settings
from firebase_admin import _http_client, credentials, exceptions, messaging
from google.auth import exceptions as google_auth_exceptions
from google.auth.credentials import AnonymousCredentials

from .push_transport import FcmSession, pool_manager

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
_state: dict[str, Any] = {"key": None, "app": None, "pool": None, "service": None}


def _config() -> tuple[str, str, str, float, int]:
    return (
        settings.FCM_CREDENTIALS_FILE,
        settings.FCM_PROJECT_ID,
        settings.FCM_ENDPOINT.rstrip("/"),
        float(settings.FCM_TIMEOUT_SECONDS),
        int(settings.FCM_MAX_CONNECTIONS),
    )


def _app() -> tuple[Any, ThreadPoolExecutor]:
    """The SDK's messaging service and the sender threads for the current settings, created on
    first use."""
    key = _config()
    with _lock:
        if _state["key"] == key:
            return _state["service"], _state["pool"]
        _close()
        cred_file, project_id, endpoint, timeout, connections = key
        cred = credentials.Certificate(cred_file) if cred_file else _Anonymous()
        # the service account names its project; an explicit FCM_PROJECT_ID wins
        project_id = project_id or getattr(cred, "project_id", None) or "hotline1022-dev"
        http = pool_manager(endpoint, connections, timeout)  # may refuse a bad proxy setting
        app = firebase_admin.initialize_app(
            cred, {"projectId": project_id, "httpTimeout": timeout}, name=_APP_NAME
        )
        try:
            # firebase-admin has no public option for the endpoint or the pool: both live on
            # the messaging service (checked against firebase-admin 7.7, pinned).
            service = messaging._get_messaging_service(app)
            service._fcm_url = f"{endpoint}/v1/projects/{project_id}/messages:send"
            # the SDK's own JSON client, on a leaner session (push_transport.FcmSession)
            session = FcmSession(app.credential.get_credential(), http)
            service._client = _http_client.JsonHttpClient(
                session=session, retries=None, timeout=timeout
            )
        except BaseException:
            firebase_admin.delete_app(app)  # else the next attempt finds the name taken
            raise
        pool = ThreadPoolExecutor(max_workers=connections, thread_name_prefix="fcm")
        _state.update(key=key, app=app, pool=pool, service=service)
        return service, pool


def _close() -> None:
    if _state["pool"] is not None:
        _state["pool"].shutdown(wait=True)
    if _state["service"] is not None:
        _state["service"]._client.session.close()
    if _state["app"] is not None:
        firebase_admin.delete_app(_state["app"])
    _state.update(key=None, app=None, pool=None, service=None)


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


def _send_one(service: Any, headers: dict[str, str], push: PushMessage) -> PushResult:
    """`messaging.send(message)`, as `_MessagingService.send` does it (firebase-admin 7.7)."""
    try:
        data = {"message": service.encode_message(_message(push))}
    except ValueError as exc:  # the SDK refused the payload before sending it
        return PushResult(Outcome.FAILED, error=f"ValueError: {exc}"[:1000])
    try:
        # body() adds the SDK's metrics header to `headers` in place: a copy per request
        response = service._client.body(
            "post", url=service._fcm_url, headers={**headers}, json=data
        )
    except requests.exceptions.RequestException as error:
        return _classify(service._handle_fcm_error(error))
    except google_auth_exceptions.GoogleAuthError as error:  # e.g. a refused token refresh
        return PushResult(Outcome.RETRY, error=f"{type(error).__name__}: {error}"[:1000])
    return PushResult(Outcome.SENT, message_id=str(response["name"]))


def send_batch(pushes: Sequence[PushMessage]) -> list[PushResult]:
    """Send up to MAX_BATCH messages concurrently; one result per message, in order."""
    if len(pushes) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} messages per batch")
    if not pushes:
        return []
    service, pool = _app()
    headers = dict(service._fcm_headers)
    results: list[PushResult | None] = [None] * len(pushes)
    claim = itertools.count()  # next() on it is atomic: each message is taken by one lane

    def lane() -> None:
        # one sender thread takes messages until none is left: a slow message holds up only
        # itself, and there is no future or queue hand-over per message (~15 % of its CPU)
        for index in claim:
            if index >= len(pushes):
                return
            try:
                results[index] = _send_one(service, headers, pushes[index])
            except Exception as exc:  # a bug or an unforeseen error: this message only, later
                logger.exception("push: unexpected error for message %s", index)
                error = f"{type(exc).__name__}: {exc}"[:1000]
                results[index] = PushResult(Outcome.RETRY, error=error)

    lanes = [pool.submit(lane) for _ in range(min(pool._max_workers, len(pushes)))]
    for done in lanes:
        done.result()
    return cast(list[PushResult], results)
