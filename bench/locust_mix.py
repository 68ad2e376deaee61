"""The traffic mix of bench/bench_load.py for locust (run by it; settings in $LOAD_CONFIG).

Three kinds of callers, each at a fixed pace (`constant_throughput`), so the offered rate is
the number of users × their pace whatever the latency (an open-loop load); with
`"closed": true` they send back to back instead (the saturation throughput):

- residents (the app): submit a report with one photo or read "my reports" (half each);
  each submit goes out under the next resident's token (the limit is 30 reports an hour each);
- staff (the map page): one list page of 50 for four map tiles at zoom 12 around District 1;
- Open311 clients: the newest open requests, 50 a page (one API key).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
import uuid
from typing import Any

from locust import constant, constant_throughput, task
from locust.contrib.fasthttp import FastHttpUser

with open(os.environ["LOAD_CONFIG"]) as _config:
    CONFIG: dict[str, Any] = json.load(_config)
with open(CONFIG["photo"], "rb") as _photo:
    PHOTO = _photo.read()
_tokens = itertools.cycle(CONFIG["tokens"])
_lock = threading.Lock()
PROXY = {"X-Forwarded-Proto": "https"}  # what nginx adds in production


def next_token() -> str:
    with _lock:
        token: str = next(_tokens)
        return token


def pace(per_second: float) -> Any:
    return constant(0) if CONFIG.get("closed") else constant_throughput(per_second)


def multipart(fields: dict[str, str], photo: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; filename="p.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + photo
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), boundary


class Resident(FastHttpUser):
    weight = 6
    wait_time = pace(1.0)

    def on_start(self) -> None:
        self.token = next_token()

    @task(1)
    def submit(self) -> None:
        body, boundary = multipart(
            {
                "category": "road-damage",
                "description": "Ổ gà lớn trước nhà số 12",
                "lat": f"{10.7769 + random.uniform(-0.01, 0.01):.6f}",
                "lon": f"{106.7009 + random.uniform(-0.01, 0.01):.6f}",
            },
            PHOTO,
        )
        headers = PROXY | {
            "Authorization": f"Bearer {next_token()}",
            "Idempotency-Key": uuid.uuid4().hex,
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        }
        with self.client.post(
            "/api/mobile/v1/reports",
            data=body,  # type: ignore[arg-type]  # bytes are sent as they are
            headers=headers,
            name="submit (photo)",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}")

    @task(1)
    def my_reports(self) -> None:
        self.client.get(
            "/api/mobile/v1/reports",
            headers=PROXY | {"Authorization": f"Bearer {self.token}"},
            name="my reports",
        )


class Staff(FastHttpUser):
    weight = 2
    wait_time = pace(2.5)

    def on_start(self) -> None:
        self.cookie = {"Cookie": f"sessionid={CONFIG['session']}"}
        self.map_token = {"X-Map-Token": CONFIG["map_token"]}

    @task(1)
    def incident_list(self) -> None:
        self.client.get(
            "/api/staff/v1/incidents?page_size=50", headers=PROXY | self.cookie, name="staff list"
        )

    @task(4)
    def tile(self) -> None:
        x, y = 3261 + random.randint(0, 2), 1923 + random.randint(0, 2)  # zoom 12, District 1
        self.client.get(
            f"/api/staff/v1/tiles/12/{x}/{y}.mvt",
            headers=PROXY | self.map_token,
            name="map tile z12",
        )


class Open311(FastHttpUser):
    weight = 1
    wait_time = pace(1.0)

    @task
    def requests(self) -> None:
        self.client.get(
            f"/open311/v2/requests.json?api_key={CONFIG['api_key']}&status=open&page_size=50",
            headers=PROXY,
            name="open311 requests",
        )
