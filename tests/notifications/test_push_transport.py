"""How push.py talks HTTP: one event loop, keep-alive connections, bounded requests in flight,
proxies from the environment, OAuth tokens, the pinned SDK."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import threading
import time
from pathlib import Path
from typing import Any

import firebase_admin
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from backend.notifications import push, push_transport

from .fake_fcm import FakeFCM, Reply


def test_messages_reuse_keep_alive_connections_from_one_sender_thread(
    fcm: FakeFCM, settings: Any
) -> None:
    settings.FCM_MAX_CONNECTIONS = 4
    pushes = _pushes(60)
    threads = threading.active_count()
    for _ in range(2):
        assert {r.outcome for r in push.send_batch(pushes)} == {push.Outcome.SENT}
    assert fcm.count == 120
    assert 1 <= fcm.connections <= 4  # not one connection per message
    assert threading.active_count() <= threads + 1  # the sender loop, not a thread per message


def test_at_most_max_connections_in_flight_and_the_timeout_counts_from_the_slot(
    fcm: FakeFCM, settings: Any
) -> None:
    settings.FCM_MAX_CONNECTIONS = 2
    settings.FCM_TIMEOUT_SECONDS = 1
    pushes = _pushes(6)
    for message in pushes:
        fcm.script(message.token, Reply.slow(0.4))
    started = time.monotonic()
    results = push.send_batch(pushes)
    elapsed = time.monotonic() - started
    # each request takes 0.4 s (< the 1 s timeout) but the batch 3 × 0.4 s: none timed out
    # while it waited for one of the two slots, and no more than two ran at once
    assert [r.outcome for r in results] == [push.Outcome.SENT] * 6, results
    assert elapsed >= 1.15
    assert fcm.connections <= 2


def test_firebase_admin_is_the_version_push_py_was_checked_against() -> None:
    # push.py uses private attributes of firebase-admin's messaging service (listed in its
    # docstring); a new version must be checked against them before this pin moves.
    assert firebase_admin.__version__ == "7.7.0"


def _pushes(count: int) -> list[push.PushMessage]:
    return [
        push.PushMessage(
            token=f"t{i}", title="t", body="b", data={"report_id": "1", "status": "new"}
        )
        for i in range(count)
    ]


def test_connections_closed_by_the_server_while_idle_are_replaced(
    fcm: FakeFCM, settings: Any
) -> None:
    settings.FCM_MAX_CONNECTIONS = 4
    assert {r.outcome for r in push.send_batch(_pushes(8))} == {push.Outcome.SENT}
    fcm.drop_connections()
    time.sleep(0.05)  # let the FIN arrive
    results = push.send_batch(_pushes(8))
    assert {r.outcome for r in results} == {push.Outcome.SENT}, results[0]
    assert fcm.count == 16  # each message reached the server once


def test_refused_connection_is_a_retry_not_a_failure(settings: Any) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.FCM_ENABLED = True
    settings.FCM_CREDENTIALS_FILE = ""
    settings.FCM_PROJECT_ID = "hotline1022-test"
    settings.FCM_ENDPOINT = f"http://127.0.0.1:{port}"
    try:
        (result,) = push.send_batch(_pushes(1))
    finally:
        push.reset()
    assert result.outcome is push.Outcome.RETRY
    assert result.error.startswith("UnavailableError"), result.error


def test_requests_carry_the_sdk_headers_and_a_compact_json_body(fcm: FakeFCM) -> None:
    (result,) = push.send_batch(_pushes(1))
    assert result.outcome is push.Outcome.SENT
    (head,) = fcm.heads
    assert head["content-type"] == "application/json"
    assert head["x-goog-api-format-version"] == "2"
    assert head["x-firebase-client"].startswith("fire-admin-python/")
    assert head["x-goog-api-client"].startswith("gl-python/")
    assert "authorization" not in head  # anonymous credentials for the loopback server
    assert int(head["content-length"]) == head["body-bytes"]


def _service_account(path: Path, token_uri: str) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    info = {
        "type": "service_account",
        "project_id": "hotline1022-test",
        "private_key_id": "k1",
        "private_key": pem,
        "client_email": "push@hotline1022-test.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": token_uri,
    }
    path.write_text(json.dumps(info))
    return path


def test_service_account_token_is_fetched_sent_and_refreshed_after_a_401(
    fcm: FakeFCM, settings: Any, tmp_path: Path
) -> None:
    settings.FCM_CREDENTIALS_FILE = str(
        _service_account(tmp_path / "sa.json", f"{fcm.endpoint}/token")
    )
    settings.FCM_PROJECT_ID = ""  # the service account names it
    settings.FCM_MAX_CONNECTIONS = 2
    assert {r.outcome for r in push.send_batch(_pushes(3))} == {push.Outcome.SENT}
    (claims,) = fcm.grants  # one token for the three messages
    assert "https://www.googleapis.com/auth/cloud-platform" in claims["scope"].split()
    assert claims["iss"] == "push@hotline1022-test.iam.gserviceaccount.com"
    sent = [h for h in fcm.heads if h.get("x-goog-api-format-version")]
    assert {h["authorization"] for h in sent} == {"Bearer fake-access-1"}

    fcm.revoke_access_token()
    (result,) = push.send_batch(_pushes(1))
    assert result.outcome is push.Outcome.SENT  # 401 → new token → sent again, once
    assert len(fcm.grants) == 2
    assert fcm.answers[401] == 1 and fcm.answers[200] == 4


def test_a_hanging_token_endpoint_times_out_into_a_retry(
    fcm: FakeFCM, settings: Any, tmp_path: Path
) -> None:
    settings.FCM_CREDENTIALS_FILE = str(
        _service_account(tmp_path / "sa.json", f"{fcm.endpoint}/token")
    )
    settings.FCM_PROJECT_ID = ""
    settings.FCM_TIMEOUT_SECONDS = 1
    fcm.token_delay = 3.0
    started = time.monotonic()
    results = push.send_batch(_pushes(4))
    assert time.monotonic() - started < 2.9  # bounded by the timeout, not by the server
    assert {r.outcome for r in results} == {push.Outcome.RETRY}, results[0]
    assert fcm.answers[200] == 0  # nothing was sent without a token


def _no_proxy_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)


def test_proxy_from_the_environment_as_requests_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_proxy_settings(monkeypatch)
    assert push_transport.proxy_for("https://fcm.googleapis.com") == (None, None)
    monkeypatch.setenv("HTTPS_PROXY", "proxy.example:3128")
    url, headers = push_transport.proxy_for("https://fcm.googleapis.com")
    assert url == "http://proxy.example:3128" and headers is None  # scheme added, as requests
    monkeypatch.setenv("HTTPS_PROXY", "http://ops:s3cret@proxy.example:3128")
    url, headers = push_transport.proxy_for("https://fcm.googleapis.com")
    assert url == "http://proxy.example:3128"  # credentials travel apart, not in the URL
    assert headers == {"Proxy-Authorization": "Basic b3BzOnMzY3JldA=="}  # ops:s3cret
    monkeypatch.setenv("NO_PROXY", "fcm.googleapis.com")
    assert push_transport.proxy_for("https://fcm.googleapis.com") == (None, None)


class _RecordingProxy:
    """An HTTP proxy on 127.0.0.1 that answers every request itself, as FCM would, and keeps
    each request's head: enough to see what a client behind a proxy puts on the wire."""

    def __init__(self) -> None:
        self.heads: list[list[str]] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                head, _, body = data.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                length = next(
                    (
                        int(line.split(":", 1)[1])
                        for line in lines
                        if line.lower().startswith("content-length:")
                    ),
                    0,
                )
                while len(body) < length:
                    body += conn.recv(65536)
                if lines[0].startswith("CONNECT "):  # a tunnel to FCM: refused, recorded
                    self.heads.append(lines)
                    conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                    continue
                self.heads.append(lines)
                out = b'{"name": "projects/p/messages/1"}'
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(out), out)
                )

    def close(self) -> None:
        self._server.close()


def _one_through_proxy(
    settings: Any, monkeypatch: pytest.MonkeyPatch, variable: str, endpoint: str
) -> tuple[push.PushResult, list[str]]:
    """Send one message to `endpoint` with `variable` naming a recording proxy (with
    credentials); the result and the head of the one request the proxy received."""
    _no_proxy_settings(monkeypatch)
    proxy = _RecordingProxy()
    monkeypatch.setenv(variable, f"http://ops:s3cret@127.0.0.1:{proxy.port}")
    settings.FCM_ENABLED = True
    settings.FCM_CREDENTIALS_FILE = ""
    settings.FCM_PROJECT_ID = "hotline1022-test"
    settings.FCM_ENDPOINT = endpoint  # only the proxy knows where that is
    try:
        (result,) = push.send_batch(_pushes(1))
    finally:
        push.reset()
        proxy.close()
    (head,) = proxy.heads
    return result, head


def test_messages_go_through_the_proxy_with_its_credentials(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, head = _one_through_proxy(settings, monkeypatch, "HTTP_PROXY", "http://fcm.invalid")
    assert result.outcome is push.Outcome.SENT, result
    assert head[0] == "POST http://fcm.invalid/v1/projects/hotline1022-test/messages:send HTTP/1.1"
    assert "Proxy-Authorization: Basic b3BzOnMzY3JldA==" in head  # ops:s3cret


def test_https_goes_through_a_tunnel_with_the_proxy_credentials(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, head = _one_through_proxy(settings, monkeypatch, "HTTPS_PROXY", "https://fcm.invalid")
    assert result.outcome is push.Outcome.RETRY  # the proxy refused the tunnel
    assert result.error.startswith("UnavailableError"), result.error
    assert head[0] == "CONNECT fcm.invalid:443 HTTP/1.1"
    assert "Proxy-Authorization: Basic b3BzOnMzY3JldA==" in head


def test_a_bad_proxy_setting_fails_loudly_and_does_not_stick(
    fcm: FakeFCM, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_proxy_settings(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", "ftp://proxy.example:21")
    with pytest.raises(ValueError, match="proxy"):
        push.send_batch(_pushes(1))
    monkeypatch.delenv("HTTP_PROXY")
    assert push.send_batch(_pushes(1))[0].outcome is push.Outcome.SENT  # app name not stuck


def test_an_unexpected_error_costs_one_message_not_the_batch(
    fcm: FakeFCM, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = push._message

    def broken_for_t3(message: push.PushMessage) -> Any:
        if message.token == "t3":
            raise RuntimeError("simulated bug")
        return build(message)

    monkeypatch.setattr(push, "_message", broken_for_t3)
    results = push.send_batch(_pushes(6))
    assert [r.outcome for r in results].count(push.Outcome.SENT) == 5
    assert results[3].outcome is push.Outcome.RETRY
    assert results[3].error == "RuntimeError: simulated bug"
    assert fcm.count == 5


def test_gzipped_answers_keep_their_meaning(fcm: FakeFCM) -> None:
    # Google gzips when asked (aiohttp asks); the SDK must still see UNREGISTERED, the
    # Retry-After of a 429 and a refused payload, not a decoding error retried forever
    fcm.gzip = True
    pushes = _pushes(4)
    fcm.script("t1", Reply.unregistered())
    fcm.script("t2", Reply.quota(retry_after=42))
    fcm.script("t3", Reply.invalid())
    results = push.send_batch(pushes)
    assert fcm.heads[0]["accept-encoding"].startswith("gzip")
    assert [r.outcome for r in results] == [
        push.Outcome.SENT,
        push.Outcome.DEAD_TOKEN,
        push.Outcome.RETRY,
        push.Outcome.FAILED,
    ], results
    assert results[0].message_id.startswith("projects/hotline1022-test/messages/")
    assert results[1].error.startswith("UnregisteredError")
    assert results[2].retry_after == 42.0


def test_a_reset_waits_for_the_batch_in_flight(fcm: FakeFCM) -> None:
    pushes = _pushes(3)
    for message in pushes:
        fcm.script(message.token, Reply.slow(0.5))
    results: list[list[push.PushResult]] = []
    sender = threading.Thread(target=lambda: results.append(push.send_batch(pushes)))
    sender.start()
    time.sleep(0.2)  # the batch is on the wire
    push.reset()  # e.g. after credentials rotate: must not cut it off
    sender.join(timeout=10)
    assert results and [r.outcome for r in results[0]] == [push.Outcome.SENT] * 3, results
    assert push.send_batch(_pushes(1))[0].outcome is push.Outcome.SENT  # and starts afresh


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_starts_its_own_sender(fcm: FakeFCM) -> None:
    assert push.send_batch(_pushes(1))[0].outcome is push.Outcome.SENT  # parent's loop running
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the parent's loop thread does not exist here
        code = 1
        try:
            (result,) = push.send_batch(_pushes(1))
            code = 0 if result.outcome is push.Outcome.SENT else 2
        finally:
            os.write(write, bytes([code]))
            os._exit(0)
    os.close(write)
    ready, _, _ = select.select([read], [], [], 20)
    if not ready:  # the child hangs (e.g. on the parent's loop): stop it, fail below
        os.kill(pid, signal.SIGKILL)
    answer = os.read(read, 1) if ready else b"hung"
    os.close(read)
    os.waitpid(pid, 0)
    assert answer == b"\x00"
    assert fcm.count == 2
