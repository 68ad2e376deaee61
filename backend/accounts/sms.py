"""The one module that talks to SMS gateways.

`settings.SMS_GATEWAY` names the gateway class:
- `backend.accounts.sms.ConsoleGateway` (default): writes the message to the log;
- `backend.accounts.sms.MemoryGateway`: keeps messages in `outbox` (tests);
- `backend.accounts.sms.HttpGateway`: POSTs JSON `{"to", "text", "sender"}` to `SMS_HTTP_URL`
  with `Authorization: Bearer SMS_HTTP_TOKEN` — the shape most Vietnamese brand-name SMS
  aggregators accept behind a small adapter.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    pass


class SmsGateway(Protocol):
    def send(self, *, to: str, text: str) -> None: ...


@dataclass(frozen=True)
class SmsMessage:
    to: str
    text: str


class ConsoleGateway:
    def send(self, *, to: str, text: str) -> None:
        logger.info("SMS to %s: %s", to, text)


outbox: list[SmsMessage] = []


class MemoryGateway:
    def send(self, *, to: str, text: str) -> None:
        outbox.append(SmsMessage(to=to, text=text))


class HttpGateway:
    def __init__(self) -> None:
        self.url: str = settings.SMS_HTTP_URL
        self.token: str = settings.SMS_HTTP_TOKEN
        self.sender: str = settings.SMS_SENDER
        self.timeout: float = settings.SMS_HTTP_TIMEOUT_SECONDS

    def send(self, *, to: str, text: str) -> None:
        body = json.dumps({"to": to, "text": text, "sender": self.sender}).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                if not 200 <= response.status < 300:
                    raise SmsError(f"SMS gateway answered {response.status}")
        except OSError as exc:
            raise SmsError(str(exc)) from exc


@cache
def _gateway(path: str) -> SmsGateway:
    gateway: SmsGateway = import_string(path)()
    return gateway


def send_sms(*, to: str, text: str) -> None:
    """Send one SMS through the configured gateway; raises SmsError when it refuses."""
    _gateway(settings.SMS_GATEWAY).send(to=to, text=text)
