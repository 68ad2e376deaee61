"""API keys of third-party applications (Open311 `api_key`): issue, look up, revoke.

Invariants: a key is 32 random bytes (URL-safe text) shown once; only its SHA-256 is stored.
Every client files reports as its own inactive service user, so reports are attributed to the
application and never to a resident account. A revoked key stops working at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .models import ApiClient, User


@dataclass(frozen=True)
class IssuedKey:
    client: ApiClient
    key: str


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _new_key() -> tuple[str, str, str]:
    key = "o311_" + secrets.token_urlsafe(32)
    return key, key[:12], key_hash(key)


@transaction.atomic
def api_client_create(
    *, name: str, contact_email: str = "", rate_limit: str = "600/hour"
) -> IssuedKey:
    """A new client with a fresh key and its service user (inactive: it cannot sign in)."""
    key, prefix, digest = _new_key()
    user = User.objects.create_user(
        username=f"open311-{prefix[5:]}-{secrets.token_hex(3)}", is_active=False
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    client = ApiClient(
        name=name,
        contact_email=contact_email,
        rate_limit=rate_limit,
        user=user,
        key_prefix=prefix,
        key_hash=digest,
    )
    client.full_clean(exclude=["user"])
    client.save()
    return IssuedKey(client, key)


def api_client_rotate(*, client: ApiClient) -> IssuedKey:
    """Replace the key (the old one stops working); un-revokes the client."""
    key, prefix, digest = _new_key()
    client.key_prefix, client.key_hash, client.revoked_at = prefix, digest, None
    client.save(update_fields=["key_prefix", "key_hash", "revoked_at"])
    return IssuedKey(client, key)


def api_client_revoke(*, client: ApiClient) -> None:
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])


def api_client_for_key(key: str) -> ApiClient | None:
    """The active client owning `key`, with its service user; None if unknown or revoked."""
    if not key or len(key) > 128:
        return None
    return (
        ApiClient.objects.select_related("user")
        .filter(key_hash=key_hash(key), revoked_at__isnull=True)
        .first()
    )
