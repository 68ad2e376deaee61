"""A fake FCM HTTP v1 server on 127.0.0.1 for the real firebase-admin SDK to talk to.

    with FakeFCM(project="p") as fcm:           # fcm.endpoint → "http://127.0.0.1:PORT"
        os.environ.update(fcm.environ())        # tests: monkeypatch.setenv each of them
        fcm.script("token-1", Reply.quota(retry_after=30), Reply.ok())
        ...
        fcm.bodies_for("token-1")               # every message body received for that token

firebase-admin hard-codes https://fcm.googleapis.com and offers no public option to change it;
what it does honour is the environment of the HTTP library under `messaging.send_each`
(requests): `HTTPS_PROXY` and `REQUESTS_CA_BUNDLE`. So this server is reached the way a client
behind an egress proxy reaches FCM: `environ()` names it as the HTTPS proxy, it accepts
`CONNECT fcm.googleapis.com:443`, and inside the tunnel it speaks TLS with a certificate for
fcm.googleapis.com signed by a throwaway CA (`ca_file`, trusted through REQUESTS_CA_BUNDLE).

It speaks `POST /v1/projects/{project}/messages:send` with `{"message": {...}}` (and, in plain
HTTP, `POST /token`, the OAuth grant a service account's `token_uri` points at; once a token was
granted, messages without it are answered 401), answers
`{"name": "projects/p/messages/N"}` or Google's JSON error format (with the FcmError detail the
SDK maps to UnregisteredError etc.), and checks every body the way FCM would: exactly one
target, string-only data, and the notification/android/apns fields our pushes must carry
(among them one collapse identity on Android and APNs). A body
that breaks a rule is answered 400 INVALID_ARGUMENT and listed in `problems`.

Replies are scripted per token (consumed in order, then `default` applies), so one batch can mix
success, 404 UNREGISTERED, 403 SENDER_ID_MISMATCH, 429 with Retry-After, 503 and slow answers.

The server is one asyncio loop in a daemon thread speaking HTTP/1.1 with keep-alive (requests may
not be pipelined, which no client here does). It replaced a `ThreadingHTTPServer` (a thread and
an `email.parser` per connection) that burned ~140 µs of CPU per request, on the same 2 cores as
the client bench/bench_push.py measures; this one costs ~40 µs (plus TLS) and does the same
checks.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import contextlib
import gzip
import itertools
import json
import os
import re
import shutil
import socket
import ssl
import tempfile
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
FCM_HOST = "fcm.googleapis.com"


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
    elif isinstance(android, dict):
        problems.extend(_collapse_problems(android, apns))
    return problems


def _collapse_problems(android: dict[str, Any], apns: dict[str, Any]) -> list[str]:
    """A resend must replace the first notice on the phone, not add a second: the same
    collapse identity on Android (collapse_key, notification tag) and APNs (apns-collapse-id,
    at most 64 bytes)."""
    key = android.get("collapse_key")
    if not isinstance(key, str) or not key:
        return ["android.collapse_key required"]
    problems = []
    if (android.get("notification") or {}).get("tag") != key:
        problems.append("android.notification.tag must equal the collapse key")
    collapse_id = (apns.get("headers") or {}).get("apns-collapse-id")
    if collapse_id != key or len(key.encode()) > 64:
        problems.append("apns-collapse-id must equal the collapse key (≤ 64 bytes)")
    return problems


_CA_KEY_USAGE = dict.fromkeys(
    ("content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
     "encipher_only", "decipher_only"), False,
) | dict.fromkeys(("digital_signature", "key_cert_sign", "crl_sign"), True)  # fmt: skip
_tls_lock = threading.Lock()
_tls_files: dict[str, str] = {}


def _tls_files_once() -> dict[str, str]:
    """A throwaway CA and a certificate for fcm.googleapis.com it signed, as PEM files (made
    once per process: EC keys, so a handshake is cheap)."""
    with _tls_lock:
        if not _tls_files:
            _tls_files.update(_make_tls_files())
        return _tls_files


def _make_tls_files() -> dict[str, str]:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hotline1022 fake FCM CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(**_CA_KEY_USAGE),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, FCM_HOST)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(FCM_HOST)]), critical=False)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    directory = tempfile.mkdtemp(prefix="fake-fcm-tls-")
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    files = {
        "ca": os.path.join(directory, "ca.pem"),
        "cert": os.path.join(directory, "fcm.pem"),
        "key": os.path.join(directory, "fcm.key"),
    }
    pem = serialization.Encoding.PEM
    with open(files["ca"], "wb") as out:
        out.write(ca.public_bytes(pem))
    with open(files["cert"], "wb") as out:
        out.write(leaf.public_bytes(pem) + ca.public_bytes(pem))
    with open(files["key"], "wb") as out:
        out.write(
            key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )
    return files


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
        self.tunnels = 0  # CONNECT fcm.googleapis.com:443 accepted (TLS inside)
        tls = _tls_files_once()
        self.ca_file = tls["ca"]  # what a client must trust to reach us as fcm.googleapis.com
        self._tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._tls.load_cert_chain(tls["cert"], tls["key"])
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

    def environ(self) -> dict[str, str]:
        """The environment that routes firebase-admin's FCM requests here: this server as the
        HTTPS proxy (lower-case names win in urllib's reading, so both cases are set), our CA
        trusted, and nothing on 127.0.0.1 (the token endpoint) sent through a proxy."""
        proxy = self.endpoint
        return {
            "HTTPS_PROXY": proxy,
            "https_proxy": proxy,
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "REQUESTS_CA_BUNDLE": self.ca_file,
        }

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
            connection.abort()  # no TLS close_notify exchange: the server is going away
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
        self._ack_at_once()
        self.owner._connections.add(self)
        with self.owner._lock:
            self.owner.connections += 1

    def connection_lost(self, exc: Exception | None) -> None:
        self.owner._connections.discard(self)
        self.transport = None

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def data_received(self, data: bytes) -> None:
        self._ack_at_once()
        self.buffer += data
        self._serve()

    def _ack_at_once(self) -> None:
        """Re-arm TCP quick ACKs. urllib3 keeps Nagle's algorithm on behind a proxy, so a
        request goes as two segments (head, then body) and the body waits for the head's ACK;
        a delayed ACK would add 40 ms to every request, which Google's front ends (reached
        directly, with TCP_NODELAY) do not. Linux only; elsewhere the stall stays."""
        sock = self.transport.get_extra_info("socket") if self.transport is not None else None
        if sock is not None and hasattr(socket, "TCP_QUICKACK"):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)

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
            if method == "CONNECT":
                self._tunnel(path)
                return
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

    def _tunnel(self, target: str) -> None:
        """Answer a proxy CONNECT: to FCM, a tunnel with TLS inside, as fcm.googleapis.com."""
        assert self.transport is not None
        if target != f"{FCM_HOST}:443" or self.buffer:
            with self.owner._lock:
                self.owner.problems.append(f"unexpected CONNECT {target}")
            self.transport.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            self.close()
            return
        self.busy = True  # nothing is read until TLS is up
        self.transport.pause_reading()  # the ClientHello stays in the socket for start_tls
        self.transport.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        asyncio.get_running_loop().create_task(self._start_tls())

    async def _start_tls(self) -> None:
        transport = self.transport
        assert transport is not None
        try:
            tls = await asyncio.get_running_loop().start_tls(
                transport, self, self.owner._tls, server_side=True, ssl_handshake_timeout=10
            )
        except (OSError, ssl.SSLError, TimeoutError, ConnectionError):
            transport.close()  # e.g. the client gave up: not our problem to record
            return
        if tls is None:
            return
        self.transport = tls
        with self.owner._lock:
            self.owner.tunnels += 1
        self.busy = False
        self._serve()

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
