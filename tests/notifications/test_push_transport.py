"""How push.py talks HTTP: one write per request, keep-alive connections, the pinned SDK."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import firebase_admin
import pytest
import urllib3
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from backend.notifications import push, push_transport

from .fake_fcm import FakeFCM


class _RecordingSocket:
    """One end of a socketpair that records every sendall()."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.writes: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        self.writes.append(bytes(data))
        self.sock.sendall(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sock, name)


def _connection() -> tuple[push_transport.OneWriteHTTPConnection, _RecordingSocket, socket.socket]:
    ours, theirs = socket.socketpair()
    theirs.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
    conn = push_transport.OneWriteHTTPConnection("127.0.0.1", 9)
    recorder = _RecordingSocket(ours)
    conn.sock = recorder
    return conn, recorder, theirs


@pytest.mark.parametrize("body", [b'{"message": {}}', None])
def test_request_head_and_body_leave_in_one_write(body: bytes | None) -> None:
    conn, recorder, theirs = _connection()
    conn.request("POST", "/v1/x", body=body, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    assert response.status == 200 and response.data == b"{}"
    (write,) = recorder.writes
    assert write.startswith(b"POST /v1/x HTTP/1.1\r\n")
    assert write.endswith(b"\r\n\r\n" + (body or b""))
    conn.close()
    theirs.close()


def test_sender_threads_reuse_their_keep_alive_connections(fcm: FakeFCM, settings: Any) -> None:
    settings.FCM_MAX_CONNECTIONS = 4
    pushes = [
        push.PushMessage(
            token=f"t{i}", title="t", body="b", data={"report_id": "1", "status": "new"}
        )
        for i in range(60)
    ]
    for _ in range(2):
        assert {r.outcome for r in push.send_batch(pushes)} == {push.Outcome.SENT}
    assert fcm.count == 120
    assert 1 <= fcm.connections <= 4  # not one connection per message


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


def test_proxy_from_the_environment_as_requests_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "proxy.example:3128")
    manager = push_transport.pool_manager("https://fcm.googleapis.com", 4, 5.0)
    assert isinstance(manager, urllib3.ProxyManager)
    assert manager.proxy is not None and manager.proxy.scheme == "http"  # scheme added
    assert manager.proxy.host == "proxy.example" and manager.proxy.port == 3128
    assert "proxy-authorization" not in manager.proxy_headers
    monkeypatch.setenv("HTTPS_PROXY", "http://ops:s3cret@proxy.example:3128")
    manager = push_transport.pool_manager("https://fcm.googleapis.com", 4, 5.0)
    assert isinstance(manager, urllib3.ProxyManager)
    expected = urllib3.make_headers(proxy_basic_auth="ops:s3cret")["proxy-authorization"]
    assert manager.proxy_headers["proxy-authorization"] == expected
    monkeypatch.setenv("NO_PROXY", "fcm.googleapis.com")
    direct = push_transport.pool_manager("https://fcm.googleapis.com", 4, 5.0)
    assert not isinstance(direct, urllib3.ProxyManager)


def test_a_bad_proxy_setting_fails_loudly_and_does_not_stick(
    fcm: FakeFCM, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "ftp://proxy.example:21")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with pytest.raises(urllib3.exceptions.ProxySchemeUnknown):
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
