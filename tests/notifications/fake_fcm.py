"""A fake FCM HTTP v1 server on 127.0.0.1 for the real firebase-admin SDK to talk to.

    with FakeFCM(project="p") as fcm:           # fcm.endpoint → "http://127.0.0.1:PORT"
        fcm.script("token-1", Reply.quota(retry_after=30), Reply.ok())
        ...
        fcm.bodies_for("token-1")               # every message body received for that token

It speaks `POST /v1/projects/{project}/messages:send` with `{"message": {...}}`, answers
`{"name": "projects/p/messages/N"}` or Google's JSON error format (with the FcmError detail the
SDK maps to UnregisteredError etc.), and checks every body the way FCM would: exactly one
target, string-only data, and the notification/android/apns fields our pushes must carry. A body
that breaks a rule is answered 400 INVALID_ARGUMENT and listed in `problems`.

Replies are scripted per token (consumed in order, then `default` applies), so one batch can mix
success, 404 UNREGISTERED, 403 SENDER_ID_MISMATCH, 429 with Retry-After, 503 and slow answers.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
PATH = re.compile(r"^/v1/projects/(?P<project>[^/]+)/messages:send$")


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
        self.problems: list[str] = []
        self.count = 0
        self.answers: dict[int, int] = defaultdict(int)  # HTTP status → how many
        self._scripts: dict[str, deque[Reply]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- control ------------------------------------------------------------------------------
    def script(self, token: str, *replies: Reply) -> None:
        """Answer the next requests for `token` with `replies`, in order, then `default`."""
        with self._lock:
            self._scripts.setdefault(token, deque()).extend(replies)

    def bodies_for(self, token: str) -> list[dict[str, Any]]:
        with self._lock:
            return [b for b in self.bodies if b["message"].get("token") == token]

    @property
    def endpoint(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeFCM:
        fake = self

        class Handler(_Handler):
            owner = fake

        server = _Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True, name="fake-fcm").start()
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeFCM:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- serving ------------------------------------------------------------------------------
    def _answer(self, path: str, raw: bytes) -> tuple[Reply, dict[str, Any]]:
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


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out and hung up is part of the game


class _Handler(BaseHTTPRequestHandler):
    owner: FakeFCM
    protocol_version = "HTTP/1.1"  # keep-alive, like FCM
    disable_nagle_algorithm = True  # headers and body leave at once (no 40 ms delayed-ACK stall)

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        reply, payload = self.owner._answer(self.path, raw)
        if reply.delay:
            time.sleep(reply.delay)
        out = json.dumps(payload).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(out)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, format: str, *args: Any) -> None:
        pass
