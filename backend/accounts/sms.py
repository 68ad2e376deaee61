"""The one module that talks to SMS gateways.

`settings.SMS_GATEWAY` names the gateway class:
- `backend.accounts.sms.ConsoleGateway` (default): writes the message to the log;
- `backend.accounts.sms.MemoryGateway`: keeps messages in `outbox` (tests);
- `backend.accounts.sms.HttpGateway`: POSTs to `SMS_HTTP_URL` the body `SMS_HTTP_BODY_TEMPLATE`
  (a `string.Template` with `$to`, `$text`, `$sender`; default JSON `{"to", "text", "sender"}`)
  as `SMS_HTTP_CONTENT_TYPE`, with `Authorization: Bearer SMS_HTTP_TOKEN` or HTTP basic
  `SMS_HTTP_USERNAME`/`SMS_HTTP_PASSWORD`. Values are escaped for the content type (JSON strings,
  form-encoding, XML text), so a brand-name SMS aggregator's JSON, form or SOAP body is a setting,
  not code.
"""

from __future__ import annotations

import base64
import json
import logging
import string
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Protocol
from xml.sax.saxutils import escape as xml_escape

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


DEFAULT_BODY_TEMPLATE = '{"to": $to, "text": $text, "sender": $sender}'


def _quoting(content_type: str) -> Callable[[str], str]:
    kind = content_type.split(";")[0].strip().lower()
    if kind.endswith("json"):
        return lambda value: json.dumps(value, ensure_ascii=False)
    if kind == "application/x-www-form-urlencoded":
        return urllib.parse.quote_plus
    if kind.endswith("xml"):
        return xml_escape
    return str


class HttpGateway:
    def __init__(self) -> None:
        self.url: str = settings.SMS_HTTP_URL
        self.token: str = settings.SMS_HTTP_TOKEN
        self.username: str = getattr(settings, "SMS_HTTP_USERNAME", "")
        self.password: str = getattr(settings, "SMS_HTTP_PASSWORD", "")
        self.sender: str = settings.SMS_SENDER
        self.timeout: float = settings.SMS_HTTP_TIMEOUT_SECONDS
        self.template = string.Template(
            getattr(settings, "SMS_HTTP_BODY_TEMPLATE", "") or DEFAULT_BODY_TEMPLATE
        )
        self.content_type: str = getattr(settings, "SMS_HTTP_CONTENT_TYPE", "application/json")

    def body(self, *, to: str, text: str) -> bytes:
        quote = _quoting(self.content_type)
        values = {"to": to, "text": text, "sender": self.sender}
        return self.template.substitute({k: quote(v) for k, v in values.items()}).encode()

    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": self.content_type}
        if self.username:
            pair = f"{self.username}:{self.password}".encode()
            headers["Authorization"] = f"Basic {base64.b64encode(pair).decode()}"
        elif self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def send(self, *, to: str, text: str) -> None:
        request = urllib.request.Request(
            self.url, data=self.body(to=to, text=text), method="POST", headers=self.headers()
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
