"""The one module that talks to Firebase Cloud Messaging (firebase-admin, FCM HTTP v1).

Nothing is initialised at import time: the firebase App is created on the first send from the
settings (`FCM_*`) and rebuilt if they change (tests start a fake FCM server per test).

- Credentials: `FCM_CREDENTIALS_FILE` (a service account JSON) or, without it, anonymous
  credentials (no Authorization header) for the loopback fake server.
- Endpoint: `FCM_ENDPOINT` replaces https://fcm.googleapis.com for the v1 send URL.
- HTTP: up to `FCM_MAX_CONNECTIONS` requests in flight on as many keep-alive connections, from
  one event loop in one long-lived thread ("fcm-loop"): the SDK's asynchronous path with its
  async client replaced by `push_transport.FcmClient` (aiohttp), because the SDK's thread per
  connection cost ~500 µs of CPU per message, mostly GIL hand-overs (see that module). No
  retries inside: a 429/503 comes back at once with its Retry-After and the job is retried
  later instead of holding the worker.
- Sending: each message is built, validated and encoded by the SDK (`messaging.Message`,
  `_MessagingService.encode_message`) and posted by the service's async client to the SDK's v1
  URL with its headers; a failed request becomes the exception `messaging.send_each_async`
  would report for it (`_handle_fcm_httpx_error`). That is `send_each_async` with a refused
  payload costing its own message instead of the whole batch.

Private firebase-admin attributes used (checked against 7.7.0, pinned in pyproject.toml; a
version bump must re-check them; tests/notifications/test_push_transport.py pins the version):
`messaging._get_messaging_service`, `_MessagingService._fcm_url`, `._fcm_headers`,
`._async_client` (replaced: `.request`, `.aclose`), `.encode_message`,
`._handle_fcm_httpx_error`; `_http_client.METRICS_HEADERS`.

`send_batch` returns one `PushResult` per message in order; it never raises for a per-message
failure, only sorts it into an `Outcome` the caller acts on.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import enum
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import firebase_admin
import httpx
from django.conf import settings
from firebase_admin import _http_client, credentials, exceptions, messaging
from google.auth import exceptions as google_auth_exceptions
from google.auth.credentials import AnonymousCredentials

from .push_transport import FcmClient

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
_idle = threading.Condition(_lock)  # notified when the last batch in flight is done
_state: dict[str, Any] = {
    "key": None, "app": None, "loop": None, "thread": None, "service": None, "batches": 0,
}  # fmt: skip


def _forget_after_fork() -> None:
    """A forked child has the parent's state but not its loop thread: start afresh."""
    global _lock, _idle
    _lock = threading.Lock()
    _idle = threading.Condition(_lock)
    _state.update(key=None, app=None, loop=None, thread=None, service=None, batches=0)
    # the parent's App stays registered under the parent's pid (_start names it by pid)


os.register_at_fork(after_in_child=_forget_after_fork)


def _config() -> tuple[str, str, str, float, int]:
    return (
        settings.FCM_CREDENTIALS_FILE,
        settings.FCM_PROJECT_ID,
        settings.FCM_ENDPOINT.rstrip("/"),
        float(settings.FCM_TIMEOUT_SECONDS),
        int(settings.FCM_MAX_CONNECTIONS),
    )


def _app() -> tuple[Any, asyncio.AbstractEventLoop]:
    """The SDK's messaging service and the sender loop for the current settings, created on
    first use, with one more batch counted in flight (`_done()` when it is over)."""
    key = _config()
    with _lock:
        while _state["key"] != key:  # _close() waits, and others may start meanwhile: look again
            if _state["key"] is None:
                _start(key)
            else:
                _close()
        _state["batches"] += 1
        return _state["service"], _state["loop"]


def _done() -> None:
    with _lock:
        _state["batches"] -= 1
        if not _state["batches"]:
            _idle.notify_all()


def _start(key: tuple[str, str, str, float, int]) -> None:
    """Create the App, its messaging service and the sender loop (with `_lock` held)."""
    cred_file, project_id, endpoint, timeout, connections = key
    cred = credentials.Certificate(cred_file) if cred_file else _Anonymous()
    # the service account names its project; an explicit FCM_PROJECT_ID wins
    project_id = project_id or getattr(cred, "project_id", None) or "hotline1022-dev"
    app = firebase_admin.initialize_app(
        cred, {"projectId": project_id, "httpTimeout": timeout}, name=f"{_APP_NAME}-{os.getpid()}"
    )
    try:
        # firebase-admin has no public option for the endpoint or the HTTP client: both
        # live on the messaging service (checked against firebase-admin 7.7, pinned).
        service = messaging._get_messaging_service(app)
        service._fcm_url = f"{endpoint}/v1/projects/{project_id}/messages:send"
        service._async_client = FcmClient(  # may refuse a bad proxy setting
            app.credential.get_credential(),
            endpoint=endpoint,
            timeout=timeout,
            connections=connections,
            headers={
                "User-Agent": f"hotline1022 fire-admin-python/{firebase_admin.__version__}",
                **_http_client.METRICS_HEADERS,
            },
        )
    except BaseException:
        firebase_admin.delete_app(app)  # else the next attempt finds the name taken
        raise
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fcm-loop", daemon=True)
    thread.start()
    _state.update(key=key, app=app, loop=loop, thread=thread, service=service)


def _close() -> None:
    """Stop the sender loop and delete the App (with `_lock` held), once the batches in flight
    on them are over: another thread's batch is never cut off."""
    while _state["batches"]:
        _idle.wait()
    loop, service = _state["loop"], _state["service"]
    if loop is not None:
        if service is not None:  # close the connections in the loop that opened them
            asyncio.run_coroutine_threadsafe(service._async_client.aclose(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        _state["thread"].join()
        loop.close()
    if _state["app"] is not None:
        firebase_admin.delete_app(_state["app"])
    _state.update(key=None, app=None, loop=None, thread=None, service=None, batches=0)


def reset() -> None:
    """Forget the App and its loop (tests, or after credentials rotate)."""
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


async def _send_one(service: Any, headers: dict[str, str], push: PushMessage) -> PushResult:
    """One message as `_MessagingService.send_each_async` sends it (firebase-admin 7.7)."""
    try:
        data = {"message": service.encode_message(_message(push))}
    except ValueError as exc:  # the SDK refused the payload before sending it
        return PushResult(Outcome.FAILED, error=f"ValueError: {exc}"[:1000])
    try:
        reply = await service._async_client.request(
            "post", url=service._fcm_url, headers={**headers}, json=data
        )
    except httpx.HTTPError as error:
        return _classify(service._handle_fcm_httpx_error(error))
    except google_auth_exceptions.GoogleAuthError as error:  # e.g. a refused token refresh
        return PushResult(Outcome.RETRY, error=f"{type(error).__name__}: {error}"[:1000])
    return PushResult(Outcome.SENT, message_id=str(reply.json()["name"]))


async def _guarded(
    service: Any, headers: dict[str, str], index: int, push: PushMessage
) -> PushResult:
    try:
        return await _send_one(service, headers, push)
    except Exception as exc:  # a bug or an unforeseen error: this message only, later
        logger.exception("push: unexpected error for message %s", index)
        return PushResult(Outcome.RETRY, error=f"{type(exc).__name__}: {exc}"[:1000])


async def _send_all(service: Any, pushes: Sequence[PushMessage]) -> list[PushResult]:
    headers = dict(service._fcm_headers)
    # the client lets FCM_MAX_CONNECTIONS of them in flight at once; a slow one holds up itself
    return list(
        await asyncio.gather(*(_guarded(service, headers, i, p) for i, p in enumerate(pushes)))
    )


def send_batch(pushes: Sequence[PushMessage]) -> list[PushResult]:
    """Send up to MAX_BATCH messages concurrently; one result per message, in order."""
    if len(pushes) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} messages per batch")
    if not pushes:
        return []
    service, loop = _app()
    try:
        future = asyncio.run_coroutine_threadsafe(_send_all(service, pushes), loop)
        try:
            return future.result(timeout=_batch_bound(len(pushes)))
        except concurrent.futures.TimeoutError:
            # a last guard, far beyond every request's own timeout: never hold the worker
            future.cancel()
            logger.error("push: a batch of %s messages did not finish; retried later", len(pushes))
            return [PushResult(Outcome.RETRY, error="batch did not finish")] * len(pushes)
    finally:
        _done()


def _batch_bound(count: int) -> float:
    """Seconds a batch may take at most: its rounds of requests on the connections, each
    within the timeout, plus a token refresh (google-auth tries up to 3 times)."""
    timeout, connections = float(settings.FCM_TIMEOUT_SECONDS), int(settings.FCM_MAX_CONNECTIONS)
    rounds = -(-count // max(connections, 1))
    return timeout * (rounds + 4) + 30.0
