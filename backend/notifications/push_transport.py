"""The HTTP client under firebase-admin's FCM service (used only by push.py).

firebase-admin builds, validates and encodes every message. Its asynchronous path
(`_MessagingService.send_each_async`) posts each one with
`service._async_client.request("post", url=…, headers=…, json=…)`, reads `.json()` of the
answer and turns an `httpx.HTTPError` into a `FirebaseError` (`_handle_fcm_httpx_error`). Its
own async client is httpx over HTTP/2: ~1.9 ms of CPU per message on this project's machines.
Its sync path (requests, or urllib3, with a thread per connection in flight) costs ~500 µs,
most of it threads handing the GIL to each other: ~12 context switches and ~90 futex calls per
message at 100 connections (bench/bench_push.py, docs/PERFORMANCE.md).

`FcmClient` is that async client on aiohttp: one event loop (push.py runs it in one thread),
up to `connections` keep-alive connections, HTTP parsed in C — about a fifth of the CPU. It
keeps the contract the SDK relies on:

- an HTTP status ≥ 400 raises `httpx.HTTPStatusError` carrying an `httpx.Response` (status,
  headers, body), so the SDK parses Google's error format itself (UNREGISTERED → Unregistered
  Error, Retry-After readable from `http_response.headers`);
- a timeout raises an `httpx.TimeoutException` (→ DeadlineExceededError), a connection that
  cannot be made or breaks raises `httpx.ConnectError` (→ UnavailableError);
- credentials: a stale OAuth token is refreshed once for all requests in flight (on a worker
  thread, bounded by the timeout; after a failure the others get its error for
  `REFRESH_BACKOFF` seconds instead of each waiting out its own timeout), applied as
  `Authorization`, and a 401 refreshes and resends, at most twice — as the SDK's own
  `GoogleAuthCredentialFlow` does;
- at most `connections` requests in flight; the timeout counts from when a request gets its
  slot, not while it queues behind the others of its batch;
- TLS verified against certifi's bundle (what requests would use); a proxy from the environment
  (`HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`, read as requests reads them, once).
Nothing is resent once a request went out (a POST may have been delivered): the caller retries
later with Retry-After.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from collections.abc import Mapping
from typing import Any

import aiohttp
import certifi
import httpx
import requests
from google.auth import exceptions as google_auth_exceptions
from google.auth.credentials import Credentials
from google.auth.transport.requests import Request as TokenRequest

_BODY_HEADERS = {"content-encoding", "content-length", "transfer-encoding"}
REFRESH_BACKOFF = 10.0  # seconds a failed token refresh is not tried again
MAX_REFRESHES_AFTER_401 = 2  # as firebase-admin's GoogleAuthCredentialFlow


class Reply:
    """A successful answer: what the SDK reads of it is `.json()`."""

    __slots__ = ("content",)

    def __init__(self, content: bytes) -> None:
        self.content = content

    def json(self) -> Any:
        return json.loads(self.content)


def proxy_for(endpoint: str) -> tuple[str | None, dict[str, str] | None]:
    """The proxy the environment names for `endpoint`, as requests reads it ("proxy:3128" is
    http://proxy:3128; NO_PROXY is honoured), and the Proxy-Authorization header for the
    credentials in it (they never travel in the URL). A scheme other than http/https is
    refused here, loudly, rather than on every message."""
    proxy = requests.utils.select_proxy(endpoint, requests.utils.get_environ_proxies(endpoint))
    if not proxy:
        return None, None
    proxy = requests.utils.prepend_scheme_if_needed(proxy, "http")
    url = httpx.URL(proxy)
    if url.scheme not in {"http", "https"}:
        raise ValueError(f"unsupported proxy scheme {url.scheme!r} for {endpoint}: {proxy}")
    user, password = requests.utils.get_auth_from_url(proxy)
    headers = {"Proxy-Authorization": aiohttp.encode_basic_auth(user, password)} if user else None
    return str(url.copy_with(username=None, password=None)), headers


class _BoundedTokenRequest(TokenRequest):
    """google-auth's requests transport with our timeout on every token request (its default
    is 120 s, which would hold every message of a batch behind a hanging token endpoint)."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def __call__(self, url: str, method: str = "GET", body: Any = None, headers: Any = None,
                 timeout: float | None = None, **kwargs: Any) -> Any:  # fmt: skip
        return super().__call__(url, method, body, headers, timeout or self._timeout, **kwargs)


class FcmClient:
    """`_MessagingService._async_client` for firebase-admin, on aiohttp (see the module doc).

    Created anywhere; used from one event loop, where its session is opened on first use."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        endpoint: str,
        timeout: float,
        connections: int,
        headers: Mapping[str, str],
    ) -> None:
        self._credentials = credentials
        self._timeout = timeout
        self._connections = connections
        self._headers = dict(headers)
        self._proxy, self._proxy_headers = proxy_for(endpoint)  # may refuse a bad setting
        if self._proxy_headers and endpoint.startswith("http://"):
            # aiohttp sends proxy_headers with a CONNECT (https targets) only; a plain-http
            # request goes to the proxy as it is, so its Proxy-Authorization rides along
            self._headers.update(self._proxy_headers)
            self._proxy_headers = None
        self._token_request = _BoundedTokenRequest(timeout)
        self._session: aiohttp.ClientSession | None = None
        self._slots: asyncio.Semaphore | None = None
        self._refreshing: asyncio.Lock | None = None
        self._refresh_failure: tuple[float, google_auth_exceptions.GoogleAuthError | None] = (
            0.0,
            None,
        )

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._connections,
                ssl=ssl.create_default_context(cafile=certifi.where()),
                ttl_dns_cache=300,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers=self._headers,
                timeout=aiohttp.ClientTimeout(total=self._timeout),
                trust_env=False,  # the proxy was read once, in proxy_for()
            )
            self._slots = asyncio.Semaphore(self._connections)
            self._refreshing = asyncio.Lock()
        return self._session

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        **unsupported: Any,
    ) -> Reply:
        if unsupported:  # the SDK's FCM calls pass only the above
            raise TypeError(f"FcmClient.request: unsupported arguments {sorted(unsupported)}")
        session = self._open()
        assert self._slots is not None
        body = _dumps(json)
        async with self._slots:
            refreshes = 0
            while True:
                head = {**(headers or {}), "Content-Type": "application/json"}
                token = await self._authorize(head)
                status, answer_headers, content = await self._post(session, method, url, head, body)
                if status != 401 or token is None or refreshes >= MAX_REFRESHES_AFTER_401:
                    break
                refreshes += 1
                await self._refresh(stale=token)
        if status >= 400:
            # the headers describe the body as sent, but `content` is already decompressed:
            # without these, httpx would decode it a second time (a gzipped 404 UNREGISTERED
            # would turn into a DecodingError)
            kept = [(k, v) for k, v in answer_headers.items() if k.lower() not in _BODY_HEADERS]
            request = httpx.Request(method.upper(), url)
            response = httpx.Response(status, headers=kept, content=content, request=request)
            raise httpx.HTTPStatusError(
                f"HTTP {status} from {url}", request=request, response=response
            )
        return Reply(content)

    async def _post(
        self, session: aiohttp.ClientSession, method: str, url: str, head: dict[str, str],
        body: bytes,
    ) -> tuple[int, Mapping[str, str], bytes]:  # fmt: skip
        try:
            async with session.request(
                method,
                url,
                data=body,
                headers=head,
                proxy=self._proxy,
                proxy_headers=self._proxy_headers,
                allow_redirects=False,
            ) as answer:
                content = await answer.read()  # decompressed, if it came gzipped
                return answer.status, answer.headers, content
        except TimeoutError as exc:  # aiohttp's timeouts are TimeoutErrors too
            raise httpx.ReadTimeout(f"no answer within {self._timeout} s: {exc!r}") from exc
        except (aiohttp.ClientError, OSError) as exc:  # refused, reset, TLS, protocol errors
            raise httpx.ConnectError(f"{type(exc).__name__}: {exc}") from exc

    async def _authorize(self, head: dict[str, str]) -> str | None:
        """Put the current OAuth token on `head` (refreshing it first if stale); the token used,
        or None for credentials without one (the loopback fake server)."""
        if not self._credentials.valid:
            await self._refresh(stale=self._credentials.token)
        self._credentials.apply(head)
        token = self._credentials.token
        return token if isinstance(token, str) else None

    async def _refresh(self, *, stale: Any) -> None:
        """Refresh the token unless another request already replaced `stale` meanwhile: one
        refresh for all requests in flight, off the event loop."""
        assert self._refreshing is not None
        async with self._refreshing:
            if self._credentials.token != stale and self._credentials.valid:
                return
            failed_at, error = self._refresh_failure
            if error is not None and time.monotonic() - failed_at < REFRESH_BACKOFF:
                raise error
            loop = asyncio.get_running_loop()
            try:
                await loop.run_in_executor(None, self._credentials.refresh, self._token_request)
            except google_auth_exceptions.GoogleAuthError as exc:
                self._refresh_failure = (time.monotonic(), exc)
                raise
            self._refresh_failure = (0.0, None)

    async def aclose(self) -> None:
        """Close the pooled connections; safe to call again (firebase-admin calls it from
        `delete_app`, after push.py already did)."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()
        self._token_request.session.close()


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
