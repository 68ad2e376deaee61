"""The client's address for rate limits and audit: the socket, or what a trusted proxy saw.

`X-Forwarded-For` is written by whoever sends the request, so it only counts when the request
reached us from one of TRUSTED_PROXIES (addresses or CIDR networks, e.g. the load balancer).
Then the header is read right to left, skipping trusted hops: the first address not ours is the
client. Anyone else's header is ignored, so a spoofed value cannot buy a fresh rate limit.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def _parse(raw: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(raw.strip())
    except ValueError:
        return None


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    parsed = _parse(address)
    return parsed is not None and any(parsed in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, unless it is a trusted proxy: then the nearest untrusted forwarded hop."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if not networks or not _trusted(remote, networks):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    client = remote
    for hop in reversed(hops):
        if _parse(hop) is None:
            break  # garbage left of here was written by the client, not by a proxy
        client = hop
        if not _trusted(hop, networks):
            break
    return client
