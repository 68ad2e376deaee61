"""A fake FCM HTTP v1 server on 127.0.0.1 for the real firebase-admin SDK to talk to.

    with FakeFCM(project="p") as fcm:           # fcm.endpoint → "http://127.0.0.1:PORT"
        fcm.script("token-1", Reply.quota(retry_after=30), Reply.ok())
        ...
        fcm.bodies_for("token-1")               # every message body received for that token

It speaks `POST /v1/projects/{project}/messages:send` with `{"message": {...}}` (and `POST /token`,
the OAuth grant a service account's `token_uri` points at; once a token was granted, messages
without it are answered 401), answers
`{"name": "projects/p/messages/N"}` or Google's JSON error format (with the FcmError detail the
SDK maps to UnregisteredError etc.), and checks every body the way FCM would: exactly one
target, string-only data, and the notification/android/apns fields our pushes must carry. A body
that breaks a rule is answered 400 INVALID_ARGUMENT and listed in `problems`.

Replies are scripted per token (consumed in order, then `default` applies), so one batch can mix
success, 404 UNREGISTERED, 403 SENDER_ID_MISMATCH, 429 with Retry-After, 503 and slow answers.

The server is one asyncio loop in a daemon thread speaking HTTP/1.1 with keep-alive (requests may
not be pipelined, which no client here does). It replaced a `ThreadingHTTPServer` (a thread and
an `email.parser` per connection) that burned ~140 µs of CPU per request, on the same 2 cores as
the client bench/bench_push.py measures; this one costs ~40 µs and does the same checks.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import itertools
import json
import re
import threading
import urllib.parse
from collections import defaultdict, deque
from dataclasses import dataclass, field, replace
from email.utils import formatdate
from http import HTTPStatus
from typing import Any

FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
PATH = re.compile(r"^/v1/projects/(?P<project>[^/]+)/messages:send$")
TOKEN_PATH = "/token"  # OAuth token endpoint for service-account credentials (`token_uri`)


@dataclass(frozen=True)
class Reply:
    status: int = 200
    error_status: str = ""  # google.rpc code name, e.g. NOT_FOUND
    fcm_code: str = ""  # FcmError errorCode, e.g. UNREGISTERED
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    @classmethod
    def ok(cls, delay: float = 0.0) -> Reply:
        return cls(delay=delay)

    @classmethod
    def slow(cls, delay: float) -> Reply:
        return cls(delay=delay)

    @classmethod
    def unregistered(cls) -> Reply:
        return cls(404, "NOT_FOUND", "UNREGISTERED")

    @classmethod
    def sender_mismatch(cls) -> Reply:
        return cls(403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH")

    @classmethod
    def quota(cls, retry_after: int = 60) -> Reply:
        return cls(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", {"Retry-After": str(retry_after)})

    @classmethod
    def unavailable(cls, retry_after: int | None = None) -> Reply:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        return cls(503, "UNAVAILABLE", "UNAVAILABLE", headers)

    @classmethod
    def invalid(cls) -> Reply:
        return cls(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT")


def check_message(body: Any, project: str, path_project: str) -> list[str]:
    """What FCM (and our app contract) would object to in one request body."""
    problems: list[str] = []
    if path_project != project:
        problems.append(f"unknown project {path_project!r}")
    if not isinstance(body, dict) or set(body) - {"message", "validate_only"}:
        return [*problems, "body must be {'message': {...}}"]
    if body.get("validate_only"):
        problems.append("validate_only set: nothing would be delivered")
    message = body.get("message")
    if not isinstance(message, dict):
        return [*problems, "message missing"]
    targets = [k for k in ("token", "topic", "condition", "fid") if k in message]
    if targets != ["token"] or not isinstance(message["token"], str) or not message["token"]:
        problems.append(f"exactly one non-empty token expected, got {targets}")
    notification = message.get("notification")
    if not isinstance(notification, dict) or not all(
        isinstance(notification.get(k), str) and notification.get(k) for k in ("title", "body")
    ):
        problems.append("notification.title and notification.body required")
    data = message.get("data")
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        problems.append("data must map strings to strings")
    elif not {"report_id", "status"} <= set(data):
        problems.append("data must carry report_id and status (deep link)")
    android = message.get("android")
    if not isinstance(android, dict) or android.get("priority") not in ("high", "normal"):
        problems.append("android.priority required")
    elif not isinstance(android.get("notification"), dict) or not android["notification"].get(
        "channel_id"
    ):
        problems.append("android.notification.channel_id required")
    elif "ttl" in android and not re.fullmatch(r"\d+(\.\d+)?s", str(android["ttl"])):
        problems.append("android.ttl must be a duration like '3.5s'")
    apns = message.get("apns")
    if not isinstance(apns, dict) or not isinstance((apns.get("payload") or {}).get("aps"), dict):
        problems.append("apns.payload.aps required")
    return problems


class FakeFCM:
    def __init__(self, project: str = "hotline1022-test", *, keep_bodies: bool = True) -> None:
        self.project = project
        self.keep_bodies = keep_bodies
        self.default = Reply.ok()
        self.bodies: list[dict[str, Any]] = []  # every well-formed message received
        self.heads: list[dict[str, Any]] = []  # request headers (lower-case names) + body size
        self.grants: list[dict[str, Any]] = []  # claims of each token request's JWT assertion
        self.access_token = ""  # once a token was granted, messages must carry it
        self.token_delay = 0.0  # seconds before the token endpoint answers
        self.gzip = False  # answer gzipped to clients that accept it, as Google's servers do
        self.problems: list[str] = []
        self.count = 0
        self.connections = 0  # TCP connections accepted: keep-alive means few of them
        self.answers: dict[int, int] = defaultdict(int)  # HTTP status → how many
        self._scripts: dict[str, deque[Reply]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._port = 0
        self._connections: set[_Connection] = set()  # touched by the loop's thread only

    # -- control ------------------------------------------------------------------------------
    def script(self, token: str, *replies: Reply) -> None:
        """Answer the next requests for `token` with `replies`, in order, then `default`."""
        with self._lock:
            self._scripts.setdefault(token, deque()).extend(replies)

    def revoke_access_token(self) -> None:
        """The granted token stops working: the next message is answered 401."""
        with self._lock:
            self.access_token = "revoked"

    def bodies_for(self, token: str) -> list[dict[str, Any]]:
        with self._lock:
            return [b for b in self.bodies if b["message"].get("token") == token]

    @property
    def endpoint(self) -> str:
        assert self._loop is not None
        return f"http://127.0.0.1:{self._port}"

    def start(self) -> FakeFCM:
        started = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            try:
                server = loop.run_until_complete(
                    loop.create_server(lambda: _Connection(self), "127.0.0.1", 0, backlog=1024)
                )
            except BaseException as exc:  # pragma: no cover - port trouble
                failure.append(exc)
                started.set()
                return
            self._port = server.sockets[0].getsockname()[1]
            self._loop = loop
            started.set()
            try:
                loop.run_forever()
            finally:
                server.close()
                loop.run_until_complete(server.wait_closed())
                loop.close()

        self._thread = threading.Thread(target=serve, daemon=True, name="fake-fcm")
        self._thread.start()
        started.wait()
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            loop, self._loop = self._loop, None
            loop.call_soon_threadsafe(self._close_all, loop)
            self._thread.join(timeout=10)
            self._thread = None

    def drop_connections(self) -> None:
        """Close every open connection, as a server does with idle keep-alive ones."""
        assert self._loop is not None
        done = threading.Event()

        def close() -> None:
            for connection in list(self._connections):
                connection.close()
            done.set()

        self._loop.call_soon_threadsafe(close)
        done.wait(timeout=10)

    def _close_all(self, loop: asyncio.AbstractEventLoop) -> None:
        for connection in list(self._connections):
            connection.close()
        loop.stop()

    def __enter__(self) -> FakeFCM:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- serving ------------------------------------------------------------------------------
    def _grant(self, raw: bytes) -> tuple[Reply, dict[str, Any]]:
        """OAuth 2.0 JWT-bearer grant (RFC 7523), as Google's token endpoint answers it."""
        form = urllib.parse.parse_qs(raw.decode())
        claims: dict[str, Any] = {}
        try:
            (grant,), (assertion,) = form["grant_type"], form["assertion"]
            payload = assertion.split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except (KeyError, ValueError, IndexError):
            grant = ""
        with self._lock:
            self.grants.append(claims)
            if grant != "urn:ietf:params:oauth:grant-type:jwt-bearer" or not claims:
                self.problems.append(f"bad token request: {raw[:200]!r}")
                return Reply(400), {"error": "invalid_grant"}
            token = self.access_token = f"fake-access-{len(self.grants)}"
        return Reply(), {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}

    def _answer(
        self, path: str, raw: bytes, authorization: str | None = None
    ) -> tuple[Reply, dict[str, Any]]:
        if self.access_token and authorization != f"Bearer {self.access_token}":
            with self._lock:
                self.count += 1
                self.answers[401] += 1
            return Reply(401, "UNAUTHENTICATED"), {
                "error": {"code": 401, "message": "invalid token", "status": "UNAUTHENTICATED"}
            }
        match = PATH.match(path)
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        problems = (
            check_message(body, self.project, match["project"])
            if match
            else [f"unexpected path {path}"]
        )
        with self._lock:
            self.count += 1
            if problems:
                self.problems.extend(problems)
                reply = Reply.invalid()
            else:
                token = body["message"]["token"]
                script = self._scripts.get(token)
                reply = script.popleft() if script else self.default
            if reply.status == 200:
                if self.keep_bodies and body is not None:
                    self.bodies.append(body)
                payload: dict[str, Any] = {
                    "name": f"projects/{self.project}/messages/{next(self._ids)}"
                }
            else:
                payload = {
                    "error": {
                        "code": reply.status,
                        "message": "; ".join(problems) or f"fake {reply.fcm_code}",
                        "status": reply.error_status,
                        "details": [{"@type": FCM_ERROR, "errorCode": reply.fcm_code}],
                    }
                }
            self.answers[reply.status] += 1
        return reply, payload


_REASONS = {status.value: status.phrase for status in HTTPStatus}
_MAX_HEAD = 64 * 1024


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection: a request (head + Content-Length body), an answer."""

    def __init__(self, owner: FakeFCM) -> None:
        self.owner = owner
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.busy = False  # an answer is being delayed: hold further input until it is out
        self.gzip = False  # this request's answer goes gzipped

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.owner._connections.add(self)
        with self.owner._lock:
            self.owner.connections += 1

    def connection_lost(self, exc: Exception | None) -> None:
        self.owner._connections.discard(self)
        self.transport = None

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._serve()

    def _serve(self) -> None:
        while not self.busy and self.transport is not None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > _MAX_HEAD:
                    self.close()
                return
            head = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
            method, path = [*head[0].split(" "), "", ""][:2]
            fields = {}
            for line in head[1:]:
                name, _, value = line.partition(":")
                fields[name.strip().lower()] = value.strip()
            length = int(fields.get("content-length") or 0)
            if len(self.buffer) < end + 4 + length:
                return  # the rest of the body is on its way
            raw = bytes(self.buffer[end + 4 : end + 4 + length])
            del self.buffer[: end + 4 + length]
            if self.owner.keep_bodies:
                with self.owner._lock:
                    self.owner.heads.append({**fields, "body-bytes": len(raw)})
            self.gzip = self.owner.gzip and "gzip" in fields.get("accept-encoding", "")
            if method != "POST":
                self._write(Reply(405), {"error": {"code": 405, "message": "POST only"}})
                continue
            if path == TOKEN_PATH:
                reply, payload = self.owner._grant(raw)
                reply = replace(reply, delay=self.owner.token_delay)
            else:
                reply, payload = self.owner._answer(path, raw, fields.get("authorization"))
            if reply.delay:
                self.busy = True
                asyncio.get_running_loop().call_later(reply.delay, self._late, reply, payload)
                return
            self._write(reply, payload)

    def _late(self, reply: Reply, payload: dict[str, Any]) -> None:
        self.busy = False
        self._write(reply, payload)  # a client that timed out and hung up is part of the game
        self._serve()

    def _write(self, reply: Reply, payload: dict[str, Any]) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        out = json.dumps(payload).encode()
        encoding = []
        if self.gzip:
            out = gzip.compress(out)
            encoding = ["Content-Encoding: gzip", "Vary: Accept-Encoding"]
        lines = [
            f"HTTP/1.1 {reply.status} {_REASONS.get(reply.status, '')}",
            "Server: fake-fcm",
            f"Date: {formatdate(usegmt=True)}",
            "Content-Type: application/json; charset=UTF-8",
            *encoding,
            f"Content-Length: {len(out)}",
            *(f"{name}: {value}" for name, value in reply.headers.items()),
        ]
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + out)
