"""Map tokens: incident tiles served without a session lookup.

The map asks for dozens of tiles on every pan. Through the session each one costs three queries
before its own (session, user, scope: ≈ 0.8 ms, plus the ORM around them), as much as the tile's
SQL at low zooms (docs/PERFORMANCE.md). So the map page, and `GET map/token` when it runs out,
hand the signed-in staff member a short-lived token that carries who they are and their scope,
signed with SECRET_KEY (`django.core.signing`, its own salt). The map sends it with every tile
request in the `X-Map-Token` header; `tiles.incident_tile` serves the tile from it alone.

Trade-off, on purpose: for at most `MAP_TOKEN_SECONDS` (120 s by default) a token keeps the
scope it was issued with — a member removed from a unit, deactivated or signed out still gets
that unit's tiles (positions, status, overdue flag; nothing else) until it expires. Every other
endpoint, incident details included, checks the session as before. A missing, expired or
tampered token is ignored: the tile is then served through the session (same answer, slower).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from backend.units.selectors import StaffScope, staff_scope

HEADER = "X-Map-Token"
_SALT = "hotline1022.staff.map-token"
# A scope over thousands of units would not fit in a request header (servers refuse heads over
# ~8 KB): such a user gets no token and the map falls back to the session.
MAX_TOKEN_BYTES = 4096


@dataclass(frozen=True)
class TokenUser:
    """Who a valid token speaks for: as much of a user as the tile selectors read."""

    pk: int
    _staff_scope: StaffScope
    is_authenticated: bool = True
    is_active: bool = True


def issue(user: Any) -> dict[str, Any]:
    """A token for a signed-in staff member: `{"token": …, "expires_in": seconds}`; the token
    is None when the scope is too large to carry (see MAX_TOKEN_BYTES)."""
    scope = staff_scope(user)
    claims = {
        "u": user.pk,
        "g": sorted(scope.global_roles),
        "r": {str(unit): sorted(roles) for unit, roles in sorted(scope.roles_by_unit.items())},
    }
    token: str | None = signing.dumps(claims, salt=_SALT, compress=True)
    if token is not None and len(token) > MAX_TOKEN_BYTES:
        token = None
    return {"token": token, "expires_in": int(settings.MAP_TOKEN_SECONDS)}


class MapTokenAuthentication(BaseAuthentication):
    """DRF authentication by map token, for the tile view's refusals (400/404 for a holder)."""

    def authenticate(self, request: Request) -> tuple[TokenUser, None] | None:
        found = holder(request.headers.get(HEADER))
        return (found, None) if found is not None else None


def holder(token: str | None) -> TokenUser | None:
    """The user a token was issued to, with their scope then; None unless valid and current."""
    if not token:
        return None
    try:
        claims = signing.loads(token, salt=_SALT, max_age=settings.MAP_TOKEN_SECONDS)
    except signing.BadSignature:  # tampered, or expired (SignatureExpired)
        return None
    global_roles = frozenset(claims["g"])
    scope = StaffScope(
        is_global=bool(global_roles),
        global_roles=global_roles,
        roles_by_unit={int(unit): frozenset(roles) for unit, roles in claims["r"].items()},
    )
    return TokenUser(pk=int(claims["u"]), _staff_scope=scope)
