"""How push.py talks HTTP: one write per request, keep-alive connections, the pinned SDK."""

from __future__ import annotations

import socket
from typing import Any

import firebase_admin
import pytest

from backend.notifications import push

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


def _connection() -> tuple[push._OneWriteHTTPConnection, _RecordingSocket, socket.socket]:
    ours, theirs = socket.socketpair()
    theirs.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
    conn = push._OneWriteHTTPConnection("127.0.0.1", 9)
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
