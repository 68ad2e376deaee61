"""Fake Zalo OA and Messenger servers on 127.0.0.1, speaking their real protocols: the
customer-service message endpoint and the v4 token refresh (Zalo), the Send API (Messenger),
and image URLs as the platforms' CDNs serve them (including one that stalls and one that serves
HTML). The production clients (backend/notifications/zalo.py, messenger.py) talk to them
through their base-URL settings; nothing is patched."""

from __future__ import annotations

import hashlib
import io
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from PIL import Image

APP_ID = "1022-app"
APP_SECRET = "app-secret-key"
OA_SECRET = "oa-secret-key"
PAGE_TOKEN = "page-access-token"


def jpeg(color: str = "red", size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


class FakeServer:
    """A threaded HTTP server; subclasses answer `handle(method, path, query, headers, body)`."""

    def __init__(self) -> None:
        self.images: dict[str, tuple[str, bytes]] = {}  # path → (content type, body)
        self.stall_seconds = 0.0
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parsed = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parsed.query))
                status, ctype, out = fake.route(method, parsed.path, query, self.headers, body)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def do_GET(self) -> None:
                self._answer("GET")

            def do_POST(self) -> None:
                self._answer("POST")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def image_url(self, name: str, content: bytes, ctype: str = "image/jpeg") -> str:
        self.images[f"/cdn/{name}"] = (ctype, content)
        return f"{self.url}/cdn/{name}"

    def route(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes
    ) -> tuple[int, str, bytes]:
        if method == "GET" and path == "/cdn/stall":
            time.sleep(self.stall_seconds)
            return 200, "image/jpeg", jpeg()
        if method == "GET" and path in self.images:
            ctype, content = self.images[path]
            return 200, ctype, content
        return self.handle(method, path, query, headers, body)

    def handle(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes
    ) -> tuple[int, str, bytes]:
        return 404, "text/plain", b"not found"


def _json(status: int, payload: dict[str, Any]) -> tuple[int, str, bytes]:
    return status, "application/json", json.dumps(payload).encode()


class FakeZalo(FakeServer):
    """The OA API: `sent` holds the messages it accepted; `errors` are Zalo error codes to
    answer the next sends with (one each); `http_down` answers 503. Tokens rotate on refresh
    and a refresh token works once, as Zalo's do."""

    def __init__(self) -> None:
        super().__init__()
        self.access_token = "access-1"
        self.refresh_token = "refresh-1"
        self.generation = 1
        self.sent: list[dict[str, Any]] = []
        self.errors: list[int] = []
        self.http_down = False
        self.refreshes = 0
        self.problems: list[str] = []

    def handle(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes
    ) -> tuple[int, str, bytes]:
        with self.lock:
            if path == "/v4/oa/access_token" and method == "POST":
                return self._refresh(headers, body)
            if path == "/v3.0/oa/message/cs" and method == "POST":
                return self._send(headers, body)
        return 404, "text/plain", b"not found"

    def _refresh(self, headers: Any, body: bytes) -> tuple[int, str, bytes]:
        form = dict(urllib.parse.parse_qsl(body.decode()))
        if headers.get("secret_key") != APP_SECRET or form.get("app_id") != APP_ID:
            return _json(200, {"error": -14002, "message": "Invalid app id or secret key"})
        if form.get("grant_type") != "refresh_token":
            return _json(200, {"error": -14004, "message": "Invalid grant type"})
        if form.get("refresh_token") != self.refresh_token:
            self.problems.append(f"refresh with a spent token {form.get('refresh_token')}")
            return _json(200, {"error": -14014, "message": "Invalid refresh token"})
        self.refreshes += 1
        self.generation += 1
        self.access_token = f"access-{self.generation}"
        self.refresh_token = f"refresh-{self.generation}"
        return _json(
            200,
            {
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expires_in": "90000",
            },
        )

    def _send(self, headers: Any, body: bytes) -> tuple[int, str, bytes]:
        if self.http_down:
            return 503, "text/plain", b"unavailable"
        if headers.get("access_token") != self.access_token:
            return _json(200, {"error": -216, "message": "Access token is invalid"})
        if self.errors:
            code = self.errors.pop(0)
            return _json(200, {"error": code, "message": f"error {code}"})
        message = json.loads(body)
        self.sent.append(
            {"user_id": message["recipient"]["user_id"], "text": message["message"]["text"]}
        )
        return _json(
            200, {"error": 0, "message": "Success", "data": {"message_id": f"z{len(self.sent)}"}}
        )

    def texts(self, user_id: str) -> list[str]:
        return [m["text"] for m in self.sent if m["user_id"] == user_id]


def zalo_event(
    event_name: str, sender: str, msg_id: str, *, at: float | None = None, **message: Any
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "app_id": APP_ID,
        "user_id_by_app": f"app-{sender}",
        "event_name": event_name,
        "timestamp": str(int((at if at is not None else time.time()) * 1000)),
    }
    if event_name == "follow":
        event["follower"] = {"id": sender}
        event["oa_id"] = "oa-1022"
    else:
        event["sender"] = {"id": sender}
        event["recipient"] = {"id": "oa-1022"}
        event["message"] = {"msg_id": msg_id, **message}
    return event


def zalo_signed(event: dict[str, Any], secret: str = OA_SECRET) -> tuple[bytes, str]:
    """The body and the X-ZEvent-Signature header Zalo sends with `event`."""
    body = json.dumps(event, ensure_ascii=False).encode()
    data = APP_ID.encode() + body + str(event["timestamp"]).encode() + secret.encode()
    return body, "mac=" + hashlib.sha256(data).hexdigest()


class FakeMessenger(FakeServer):
    """The Send API: `sent` holds accepted messages; `errors` are Graph errors (code, subcode)
    to answer the next sends with."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[dict[str, Any]] = []
        self.errors: list[tuple[int, int | None]] = []

    def handle(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes
    ) -> tuple[int, str, bytes]:
        if not (method == "POST" and path.endswith("/me/messages")):
            return 404, "text/plain", b"not found"
        if query.get("access_token") != PAGE_TOKEN:
            return _json(400, {"error": {"message": "Invalid OAuth access token.", "code": 190}})
        with self.lock:
            if self.errors:
                code, subcode = self.errors.pop(0)
                error: dict[str, Any] = {"message": "refused", "type": "OAuthException"}
                error["code"] = code
                if subcode is not None:
                    error["error_subcode"] = subcode
                return _json(400, {"error": error})
            message = json.loads(body)
            self.sent.append(message)
            return _json(
                200,
                {"recipient_id": message["recipient"]["id"], "message_id": f"m{len(self.sent)}"},
            )

    def texts(self, psid: str) -> list[str]:
        return [m["message"]["text"] for m in self.sent if m["recipient"]["id"] == psid]
