"""Every throttle identifies an anonymous caller by `client_address`, never by a raw header.

`BatchedThrottlesMixin`: a view's rate throttles read their counters in one statement and write
them in one, instead of one read and one write each (the app's submit has two throttles, the
portal's three). Same decisions as DRF's `check_throttles`: every throttle is asked, in order,
each one that lets the request through records it (also when another refuses it), and the
longest wait is answered.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.core.cache import cache as default_cache
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from .client_address import client_address


class ClientAddressIdent:
    """Mixin for DRF throttles: DRF's own get_ident trusts X-Forwarded-For from anyone."""

    def get_ident(self, request: Any) -> str:
        return client_address(request)


class ClientRateThrottle(ClientAddressIdent, SimpleRateThrottle):
    """The base of the project's throttles."""


class ResidentThrottle(ClientRateThrottle):
    """Per resident when signed in, per client address before. The rates are the settings dict
    named `rates_setting` (by scope); the counters live under `key_prefix` + scope."""

    rates_setting = ""
    key_prefix = ""
    scope = "default"

    def get_rate(self) -> str:
        rate: str = getattr(settings, self.rates_setting)[self.scope]
        return rate

    def get_cache_key(self, request: Request, view: Any) -> str:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            ident = f"u{user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.key_prefix + self.scope, "ident": ident}


class _RequestCounters:
    """The default cache as the rate throttles of one request see it: the counters they will
    read, fetched together; their writes kept and stored together by `flush`."""

    def __init__(self, keys: list[str]) -> None:
        self.read = default_cache.get_many(keys) if keys else {}
        self.written: dict[str, tuple[Any, Any]] = {}

    def get(self, key: str, default: Any = None) -> Any:
        if key in self.written:
            return self.written[key][0]
        return self.read.get(key, default)

    def set(self, key: str, value: Any, timeout: Any = None) -> None:
        self.written[key] = (value, timeout)

    def flush(self) -> None:
        if not self.written:
            return
        set_each = getattr(default_cache, "set_each", None)  # PostgresCache: one statement
        if set_each is not None:
            set_each(self.written)
            return
        for key, (value, timeout) in self.written.items():
            default_cache.set(key, value, timeout)


class BatchedThrottlesMixin:
    """For an APIView: its rate throttles on the default cache cost two statements together."""

    def check_throttles(self, request: Request) -> None:
        view = cast(APIView, self)
        throttles = view.get_throttles()
        batched = [
            t
            for t in throttles
            if isinstance(t, SimpleRateThrottle) and t.cache is default_cache and t.rate
        ]
        keys = [key for t in batched if (key := t.get_cache_key(request, view)) is not None]
        counters = _RequestCounters(keys)
        for throttle in batched:
            throttle.cache = counters  # type: ignore[assignment]
        waits = [t.wait() for t in throttles if not t.allow_request(request, view)]
        counters.flush()
        if waits:
            # None: no throttle can say how long (DRF passes it on too; its stubs say float)
            wait = max((w for w in waits if w is not None), default=None)
            view.throttled(request, wait)  # type: ignore[arg-type]
