"""Requests our own partners sign with a shared secret (the telephony CTI, the SMS gateway):
headers with a Unix timestamp and `sha256=<hex>`, the HMAC-SHA256 of `<timestamp>.<raw body>`.
A missing secret refuses everything; comparisons are constant-time; a timestamp further than
`max_skew` seconds from now is stale (a replay)."""

from __future__ import annotations

import hashlib
import hmac
import time
from enum import Enum


class Verdict(Enum):
    GOOD = "good"
    BAD = "bad"  # missing, malformed or wrong
    STALE = "stale"  # signed right, but too old or too far ahead


def timestamped_signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def check_timestamped(
    *,
    secret: str,
    timestamp: str | None,
    given: str | None,
    body: bytes,
    max_skew: float,
    now: float | None = None,
) -> Verdict:
    if not secret or not timestamp or not given:
        return Verdict.BAD
    try:
        sent_at = int(timestamp)
    except ValueError:
        return Verdict.BAD
    if not hmac.compare_digest(timestamped_signature(secret, timestamp, body), given.strip()):
        return Verdict.BAD
    if abs((now if now is not None else time.time()) - sent_at) > max_skew:
        return Verdict.STALE
    return Verdict.GOOD
