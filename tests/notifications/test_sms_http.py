"""The generic HTTP SMS gateway: URL, credentials and body template come from settings."""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from backend.accounts import sms


@pytest.fixture
def gateway(settings: Any) -> Iterator[list[dict[str, str]]]:
    received: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            received.append(
                {
                    "auth": self.headers.get("Authorization", ""),
                    "type": self.headers["Content-Type"],
                    "body": body,
                }
            )
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
    yield received
    server.shutdown()
    server.server_close()
    sms._gateway.cache_clear()


def test_form_template_with_basic_auth(settings: Any, gateway: list[dict[str, str]]) -> None:
    settings.SMS_HTTP_CONTENT_TYPE = "application/x-www-form-urlencoded"
    settings.SMS_HTTP_BODY_TEMPLATE = "phone=$to&message=$text&brandname=$sender"
    settings.SMS_HTTP_USERNAME, settings.SMS_HTTP_PASSWORD = "hotline", "p@ss"
    sms.send_sms(to="+84901234567", text="Tỉ lệ trễ 5,0% & còn 3")
    (request,) = gateway
    assert request["type"] == "application/x-www-form-urlencoded"
    assert request["auth"] == "Basic aG90bGluZTpwQHNz"
    assert urllib.parse.parse_qs(request["body"]) == {
        "phone": ["+84901234567"],
        "message": ["Tỉ lệ trễ 5,0% & còn 3"],
        "brandname": ["HOTLINE1022"],
    }


def test_xml_template_escapes_text(settings: Any, gateway: list[dict[str, str]]) -> None:
    settings.SMS_HTTP_CONTENT_TYPE = "text/xml; charset=utf-8"
    settings.SMS_HTTP_BODY_TEMPLATE = "<sms><to>$to</to><text>$text</text></sms>"
    settings.SMS_HTTP_TOKEN = "tok"
    sms.send_sms(to="0901234567", text="a < b & c")
    (request,) = gateway
    assert request["body"] == "<sms><to>0901234567</to><text>a &lt; b &amp; c</text></sms>"
    assert request["auth"] == "Bearer tok"


def test_json_template_quotes_values(settings: Any, gateway: list[dict[str, str]]) -> None:
    settings.SMS_HTTP_BODY_TEMPLATE = '{"msisdn": $to, "content": $text, "type": 1}'
    sms.send_sms(to="+84901234567", text='nói "xin chào"')
    (request,) = gateway
    assert (
        request["body"] == '{"msisdn": "+84901234567", "content": "nói \\"xin chào\\"", "type": 1}'
    )
