"""How push.py uses firebase-admin: its public API only, in one module; messages in flight
bounded, keep-alive connections, OAuth tokens, a fork, the SDK's answers read right."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from backend.notifications import push

from .fake_fcm import FakeFCM, Reply

ROOT = Path(__file__).resolve().parents[2]
PRIVATE_SDK = re.compile(
    r"firebase_admin\.[a-z_.]*\._[a-z]|messaging\._[a-zA-Z]|_fcm_url|_async_client"
)


def _pushes(count: int) -> list[push.PushMessage]:
    return [
        push.PushMessage(
            token=f"t{i}",
            title="t",
            body="b",
            data={"report_id": "1", "status": "new"},
            collapse_key="report-1-event-1",
        )
        for i in range(count)
    ]


def test_firebase_admin_is_used_through_its_public_api_in_one_module() -> None:
    importers, private = [], []
    for app in ("backend", "geo", "mobile_api"):
        for path in sorted((ROOT / app).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            name = str(path.relative_to(ROOT))
            if re.search(r"^\s*(import|from) firebase_admin\b", text, re.MULTILINE):
                importers.append(name)
            private += [f"{name}: {m.group(0)}" for m in PRIVATE_SDK.finditer(text)]
    assert importers == ["backend/notifications/push.py"]
    assert private == []


def test_messages_in_flight_are_bounded_and_connections_kept_alive(
    fcm: FakeFCM, settings: Any
) -> None:
    settings.FCM_MAX_CONNECTIONS = 4
    pushes = _pushes(60)
    for _ in range(2):
        assert {r.outcome for r in push.send_batch(pushes)} == {push.Outcome.SENT}
    assert fcm.count == 120
    assert 1 <= fcm.tunnels <= 4  # not one connection (and TLS handshake) per message


def test_at_most_max_connections_in_flight(fcm: FakeFCM, settings: Any) -> None:
    settings.FCM_MAX_CONNECTIONS = 2
    settings.FCM_TIMEOUT_SECONDS = 1
    pushes = _pushes(6)
    for message in pushes:
        fcm.script(message.token, Reply.slow(0.4))
    started = time.monotonic()
    results = push.send_batch(pushes)
    elapsed = time.monotonic() - started
    # each request takes 0.4 s (< the 1 s timeout), the batch 3 × 0.4 s: two at a time
    assert [r.outcome for r in results] == [push.Outcome.SENT] * 6, results
    assert elapsed >= 1.15
    assert fcm.tunnels <= 2


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


def test_an_unreachable_fcm_is_a_retry_not_a_failure(
    fcm: FakeFCM, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for name in ("HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{port}")
    (result,) = push.send_batch(_pushes(1))
    assert result.outcome is push.Outcome.RETRY
    assert result.error.startswith("UnavailableError"), result.error
    assert fcm.count == 0


def test_requests_carry_the_sdk_headers_and_a_json_body(fcm: FakeFCM) -> None:
    (result,) = push.send_batch(_pushes(1))
    assert result.outcome is push.Outcome.SENT
    (head,) = fcm.heads
    assert head["host"] == "fcm.googleapis.com"  # inside the tunnel, as to Google
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


def test_service_account_token_is_fetched_once_sent_and_refreshed_after_a_401(
    fcm: FakeFCM, settings: Any, tmp_path: Path
) -> None:
    settings.FCM_CREDENTIALS_FILE = str(
        _service_account(tmp_path / "sa.json", f"{fcm.endpoint}/token")
    )
    settings.FCM_PROJECT_ID = ""  # the service account names it
    assert {r.outcome for r in push.send_batch(_pushes(20))} == {push.Outcome.SENT}
    (claims,) = fcm.grants  # one token for the twenty messages, not one per sender thread
    assert "https://www.googleapis.com/auth/cloud-platform" in claims["scope"].split()
    assert claims["iss"] == "push@hotline1022-test.iam.gserviceaccount.com"
    sent = [h for h in fcm.heads if h.get("x-goog-api-format-version")]
    assert {h["authorization"] for h in sent} == {"Bearer fake-access-1"}

    fcm.revoke_access_token()
    (result,) = push.send_batch(_pushes(1))
    assert result.outcome is push.Outcome.SENT  # 401 → new token → sent again, once
    assert len(fcm.grants) == 2
    assert fcm.answers[401] == 1 and fcm.answers[200] == 21


def test_a_hanging_token_endpoint_times_out_into_a_retry_and_sends_nothing(
    fcm: FakeFCM, settings: Any, tmp_path: Path
) -> None:
    settings.FCM_CREDENTIALS_FILE = str(
        _service_account(tmp_path / "sa.json", f"{fcm.endpoint}/token")
    )
    settings.FCM_PROJECT_ID = ""
    settings.FCM_TIMEOUT_SECONDS = 0.5
    fcm.token_delay = 10.0
    started = time.monotonic()
    results = push.send_batch(_pushes(4))
    assert time.monotonic() - started < 8  # bounded by the timeout, not by the server
    assert {r.outcome for r in results} == {push.Outcome.RETRY}, results[0]
    assert fcm.answers[200] == 0  # nothing was sent without a token


def test_gzipped_answers_keep_their_meaning(fcm: FakeFCM) -> None:
    # Google gzips when asked (requests asks); the SDK must still see UNREGISTERED, a 429
    # and a refused payload, not a decoding error retried forever
    fcm.gzip = True
    pushes = _pushes(4)
    fcm.script("t1", Reply.unregistered())
    fcm.script("t2", Reply(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"))
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
    assert results[2].error.startswith("QuotaExceededError")


def test_a_reset_does_not_cut_off_the_batch_in_flight(fcm: FakeFCM) -> None:
    pushes = _pushes(3)
    for message in pushes:
        fcm.script(message.token, Reply.slow(0.5))
    results: list[list[push.PushResult]] = []
    sender = threading.Thread(target=lambda: results.append(push.send_batch(pushes)))
    sender.start()
    time.sleep(0.2)  # the batch is on the wire
    push.reset()  # e.g. after credentials rotate
    sender.join(timeout=10)
    assert results and [r.outcome for r in results[0]] == [push.Outcome.SENT] * 3, results
    assert push.send_batch(_pushes(1))[0].outcome is push.Outcome.SENT  # and starts afresh


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_sends_on_its_own_connections(fcm: FakeFCM) -> None:
    assert push.send_batch(_pushes(1))[0].outcome is push.Outcome.SENT  # parent's App ready
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a new App, not the parent's pooled connections
        code = 1
        try:
            (result,) = push.send_batch(_pushes(1))
            code = 0 if result.outcome is push.Outcome.SENT else 2
        finally:
            os.write(write, bytes([code]))
            os._exit(0)
    os.close(write)
    ready, _, _ = select.select([read], [], [], 20)
    if not ready:  # the child hangs: stop it, fail below
        os.kill(pid, signal.SIGKILL)
    answer = os.read(read, 1) if ready else b"hung"
    os.close(read)
    os.waitpid(pid, 0)
    assert answer == b"\x00"
    assert fcm.count == 2 and fcm.tunnels == 2
