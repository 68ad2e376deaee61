"""Map tokens: tiles for the token's holder without a session lookup, and nothing more."""

import time
from typing import Any
from unittest import mock

import pytest
from rest_framework.test import APIClient

from backend.staff import map_tokens
from tests.geo.mvt import decode
from tests.geo.test_tiles import tile_of
from tests.incidents.factories import BEN_THANH, make_incident

from .test_map_api import API, client_for


def _token(user: Any) -> str:
    response = client_for(user).get(f"{API}map/token")
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    assert response.json()["expires_in"] == 120
    return str(response.json()["token"])


def _tile(client: APIClient, incident: Any, z: int = 15, token: str | None = None) -> Any:
    x, y = tile_of(incident.location.x, incident.location.y, z)
    headers = {"X-Map-Token": token} if token is not None else {}
    return client.get(f"{API}tiles/{z}/{x}/{y}.mvt", headers=headers)


def _ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {f["id"] for f in decode(response.content).get("incidents", [])}


@pytest.mark.django_db
def test_a_token_serves_its_holders_tiles_without_the_session(
    people: dict[str, Any], django_assert_num_queries: Any
) -> None:
    mine, theirs = make_incident(), make_incident(BEN_THANH)
    token = _token(people["operator"])
    anonymous = APIClient()  # no cookie at all: the token alone
    # the tile only: savepoint (BEGIN outside tests), SET LOCAL jit, the tile, release
    with django_assert_num_queries(4):
        response = _tile(anonymous, mine, token=token)
    assert _ids(response) == {mine.pk} == _ids(_tile(client_for(people["operator"]), mine))
    assert "X-Map-Token" in response["Vary"]
    assert theirs.pk not in _ids(_tile(anonymous, theirs, token=token))  # the holder's scope


@pytest.mark.django_db
def test_low_zoom_tiles_from_a_token_equal_the_sessions(people: dict[str, Any]) -> None:
    a = make_incident()
    make_incident(BEN_THANH)
    for role in ("operator", "supervisor"):
        token = _token(people[role])
        by_token = _tile(APIClient(), a, z=8, token=token)
        by_session = _tile(client_for(people[role]), a, z=8)
        assert by_token.status_code == by_session.status_code == 200
        assert decode(by_token.content) == decode(by_session.content)


@pytest.mark.django_db
def test_expired_or_tampered_tokens_are_ignored(people: dict[str, Any]) -> None:
    incident = make_incident()
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 121):
        expired = _token(people["operator"])
    tampered = _token(people["operator"])[:-2] + "xx"
    for token in (expired, tampered, "garbage"):
        refused = _tile(APIClient(), incident, token=token)
        assert refused.status_code == 403 and refused.json()["code"] == "not_authenticated"
        # with a session cookie as well, the session answers as if there were no token
        assert _ids(_tile(client_for(people["operator"]), incident, token=token)) == {incident.pk}


@pytest.mark.django_db
def test_only_staff_get_tokens(people: dict[str, Any]) -> None:
    for who in ("resident", "anonymous"):
        assert client_for(people[who]).get(f"{API}map/token").status_code == 403
    holder = map_tokens.holder(_token(people["supervisor"]))
    assert holder is not None and holder.pk == people["supervisor"].pk
    assert holder._staff_scope.is_global
    operator = map_tokens.holder(_token(people["operator"]))
    assert operator is not None and not operator._staff_scope.is_global
    assert operator._staff_scope.unit_ids  # the operator's ward unit (and any below it)


@pytest.mark.django_db
def test_a_holder_gets_the_apis_refusals_not_a_403(people: dict[str, Any]) -> None:
    incident = make_incident()
    headers = {"X-Map-Token": _token(people["operator"])}
    x, y = tile_of(incident.location.x, incident.location.y, 12)
    bad_filter = APIClient().get(f"{API}tiles/12/{x}/{y}.mvt", {"status": "x"}, headers=headers)
    assert bad_filter.status_code == 400 and bad_filter.json()["code"] == "invalid"
    assert APIClient().get(f"{API}tiles/3/9/0.mvt", headers=headers).status_code == 404


@pytest.mark.django_db
def test_a_scope_too_large_for_a_header_gets_no_token(
    people: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(map_tokens, "MAX_TOKEN_BYTES", 20)
    response = client_for(people["operator"]).get(f"{API}map/token")
    assert response.status_code == 200 and response.json()["token"] is None
