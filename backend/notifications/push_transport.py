"""The HTTP session under firebase-admin's FCM client (used only by push.py).

firebase-admin builds, validates and encodes every message and posts it with its own
`_http_client.JsonHttpClient`, which takes any requests-style session (`session=`) and calls
`session.request(method, url, headers=…, json=…, timeout=…)`, then `raise_for_status()` and
`json()` on the `requests.Response`, and maps a `requests` exception to a `FirebaseError`.

By default that session is google-auth's `requests` transport (`AuthorizedSession`): per message,
requests merges environment settings, cookies and hooks, re-parses the URL and copies headers
three times — about 45 % of the client's CPU per message (bench/bench_push.py). `FcmSession` keeps
the same contract over google-auth's **urllib3** transport (`AuthorizedHttp`: the same credentials,
token refresh and refresh-on-401), on one pool of keep-alive connections per endpoint:

- TLS verified against certifi's bundle (what requests would use); proxies from the environment,
  read once (`HTTPS_PROXY`/`NO_PROXY`, as requests would).
- A connection that cannot be opened is tried once more; a keep-alive connection the server
  closed while idle is replaced before reuse; nothing is resent once a request went out, and
  HTTP statuses come back at once — the caller retries later with Retry-After.
- Every request has the client's timeout, the OAuth token requests too (pool default), and a
  stale token is refreshed by one thread for all (`_fresh_token`).
- urllib3 exceptions become the `requests` exceptions the SDK maps (timeout → DeadlineExceeded,
  connection trouble → Unavailable), so error handling is the SDK's own.
- Each request leaves in one write (`_OneWrite`): urllib3 writes the head and the body
  separately, which costs a second syscall here and a second wake-up (or TLS record) there.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from typing import Any

import certifi
import requests
import urllib3
from google.auth import exceptions as google_auth_exceptions
from google.auth.credentials import Credentials
from google.auth.transport.urllib3 import AuthorizedHttp
from requests.structures import CaseInsensitiveDict
from urllib3 import exceptions as u3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util.retry import Retry


class _OneWrite:
    """An HTTP connection that sends the request head together with the first body chunk.

    http.client sends the head on `endheaders()` and urllib3 then sends the body: two writes,
    two TCP segments (TCP_NODELAY is on), two wake-ups of the server. Held bytes go out with the
    body, or before the response is read if there is no body.
    """

    _holding = False
    _held = b""

    def endheaders(self, message_body: Any = None, *, encode_chunked: bool = False) -> None:
        self._held, self._holding = b"", True
        try:
            super().endheaders(message_body, encode_chunked=encode_chunked)  # type: ignore[misc]
        finally:
            self._holding = False

    def send(self, data: Any) -> None:
        if self._holding and isinstance(data, bytes):
            self._held += data
            return
        if self._held:
            held, self._held = self._held, b""
            if isinstance(data, bytes):
                data = held + data
            else:  # a file-like body: the head goes first
                super().send(held)  # type: ignore[misc]
        super().send(data)  # type: ignore[misc]

    def getresponse(self) -> Any:
        if self._held:
            held, self._held = self._held, b""
            super().send(held)  # type: ignore[misc]
        return super().getresponse()  # type: ignore[misc]


class OneWriteHTTPConnection(_OneWrite, HTTPConnection):
    pass


class OneWriteHTTPSConnection(_OneWrite, HTTPSConnection):
    pass


class _OneWriteHTTPPool(HTTPConnectionPool):
    ConnectionCls = OneWriteHTTPConnection


class _OneWriteHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = OneWriteHTTPSConnection


# A connection that could not be opened is tried once more; nothing is retried once the request
# was sent (a POST may have been delivered). A keep-alive connection the server closed while idle
# is noticed by the pool before reuse and replaced.
_RETRIES = Retry(total=1, connect=1, read=0, status=0, other=0, redirect=0, raise_on_status=False)


_REFRESH_BACKOFF = 10.0  # seconds a failed token refresh is not tried again


def pool_manager(endpoint: str, connections: int, timeout: float) -> urllib3.PoolManager:
    """Up to `connections` keep-alive connections to `endpoint` (through the environment's proxy,
    if it names one for it, as requests would use it), writing each request once. `timeout`
    bounds every request made through it, the OAuth token requests included."""
    options: dict[str, Any] = {
        "num_pools": 4,
        "maxsize": connections,
        "block": True,
        "cert_reqs": "CERT_REQUIRED",
        "ca_certs": certifi.where(),
        "retries": _RETRIES,
        "timeout": urllib3.Timeout(connect=timeout, read=timeout),
    }
    scheme = endpoint.split("://", 1)[0]
    proxy = requests.utils.get_environ_proxies(endpoint).get(scheme)
    if proxy:
        proxy = requests.utils.prepend_scheme_if_needed(proxy, "http")  # "proxy:3128" as requests
        user, password = requests.utils.get_auth_from_url(proxy)
        if user:
            options["proxy_headers"] = urllib3.make_headers(proxy_basic_auth=f"{user}:{password}")
        manager: urllib3.PoolManager = urllib3.ProxyManager(proxy, **options)
    else:
        manager = urllib3.PoolManager(**options)
    manager.pool_classes_by_scheme = {"http": _OneWriteHTTPPool, "https": _OneWriteHTTPSPool}
    return manager


class FcmSession(requests.Session):
    """The `requests.Session` surface firebase-admin's HTTP client uses, over `AuthorizedHttp`."""

    def __init__(self, credentials: Credentials, http: urllib3.PoolManager) -> None:
        super().__init__()
        self.headers.clear()
        self.headers["User-Agent"] = f"hotline1022 urllib3/{urllib3.__version__}"
        self._authed = AuthorizedHttp(credentials, http=http)
        self._credentials = credentials
        self._refreshing = threading.Lock()
        self._refresh_failure: tuple[float, google_auth_exceptions.GoogleAuthError | None] = (
            0.0,
            None,
        )

    def _fresh_token(self) -> None:
        """Refresh an expired token once, not once per sender thread: AuthorizedHttp refreshes
        in whichever thread finds it stale, so 100 lanes would ask for 100 tokens an hour. After
        a failed refresh the others get its error for `_REFRESH_BACKOFF` seconds instead of each
        waiting out its own timeout in turn."""
        if self._credentials.valid:
            return
        with self._refreshing:
            if self._credentials.valid:
                return
            failed_at, error = self._refresh_failure
            if error is not None and time.monotonic() - failed_at < _REFRESH_BACKOFF:
                raise error
            try:
                self._credentials.refresh(self._authed._request)
            except google_auth_exceptions.GoogleAuthError as exc:
                self._refresh_failure = (time.monotonic(), exc)
                raise
            self._refresh_failure = (0.0, None)

    def request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        data: bytes | None = None,
        timeout: float | None = None,
        **unsupported: Any,
    ) -> requests.Response:
        if unsupported:  # the SDK's FCM calls pass only the above
            raise TypeError(f"FcmSession.request: unsupported arguments {sorted(unsupported)}")
        head = {**self.headers, **(headers or {})}
        body = data
        if json is not None:
            body = _dumps(json)
            head["Content-Type"] = "application/json"
        try:
            self._fresh_token()
            raw = self._authed.urlopen(
                method.upper(),
                url,
                body=body,
                headers=head,
                timeout=urllib3.Timeout(connect=timeout, read=timeout),
                redirect=False,
                preload_content=True,
            )
        except u3.HTTPError as exc:
            raise _requests_error(exc) from exc
        except google_auth_exceptions.TransportError as exc:  # the token endpoint unreachable
            raise requests.exceptions.ConnectionError(exc) from exc
        return _response(raw, url)

    def close(self) -> None:
        self._authed.http.clear()  # closes the pooled connections
        super().close()


def _requests_error(exc: u3.HTTPError) -> requests.exceptions.RequestException:
    """The exception requests would have raised (the SDK maps those to FirebaseErrors)."""
    reason = exc.reason if isinstance(exc, u3.MaxRetryError) else exc
    if isinstance(reason, u3.NewConnectionError):  # refused, unreachable, DNS (a subclass of
        return requests.exceptions.ConnectionError(exc)  # ConnectTimeoutError, as in requests)
    if isinstance(reason, u3.ConnectTimeoutError):
        return requests.exceptions.ConnectTimeout(exc)
    if isinstance(reason, u3.TimeoutError):
        return requests.exceptions.ReadTimeout(exc)
    return requests.exceptions.ConnectionError(exc)  # refused, reset, protocol errors


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _response(raw: urllib3.BaseHTTPResponse, url: str) -> requests.Response:
    response = requests.Response()
    response.status_code = raw.status
    response.reason = raw.reason or ""
    response.headers = CaseInsensitiveDict(raw.headers)
    response._content = raw.data
    response.url = url
    response.encoding = "utf-8"
    return response
