"""Contact-centre test helpers: operators, signed CTI requests, a fake SMS gateway on 127.0.0.1
speaking HTTP (the real HttpGateway talks to it), running deferred jobs from their rows."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from procrastinate.contrib.django.models import ProcrastinateJob
from rest_framework.test import APIClient

from backend.accounts import sms
from backend.accounts.models import User
from backend.contact import cti
from tests.incidents.factories import SAIGON, make_staff, ward_unit

SECRET = "test-cti-secret"
CALLER = "+84901234567"


def operator(username: str | None = None) -> User:
    return make_staff("operator", ward_unit(SAIGON), username)


def signed_in(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def cti_post(
    client: APIClient, payload: dict[str, Any], *, secret: str = SECRET, at: float | None = None
) -> Any:
    body = json.dumps(payload).encode()
    stamp = str(int(at if at is not None else time.time()))
    return client.post(
        "/api/contact/v1/cti/events",
        data=body,
        content_type="application/json",
        headers={
            cti.TIMESTAMP_HEADER: stamp,
            cti.SIGNATURE_HEADER: cti.signature(secret, stamp, body),
        },
    )


def job_args(task_name: str) -> list[dict[str, Any]]:
    return [j.args for j in ProcrastinateJob.objects.filter(task_name=task_name).order_by("id")]


class Gateway:
    """What the fake SMS gateway received; `down` makes it answer 503."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.down = False


@pytest.fixture
def cti_secret(settings: Any) -> str:
    settings.CTI_SHARED_SECRET = SECRET
    return SECRET


@pytest.fixture
def gateway(settings: Any) -> Iterator[Gateway]:
    state = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if state.down:
                self.send_response(503)
            else:
                state.received.append(json.loads(body))
                self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_GATEWAY = "backend.accounts.sms.HttpGateway"
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{server.server_port}/send"
    sms._gateway.cache_clear()
    yield state
    server.shutdown()
    server.server_close()
    sms._gateway.cache_clear()
