from typing import Any

import pytest

from backend.units.models import Category, RoutingRule, Unit
from backend.units.routing import unit_for
from geo.models import AdminArea
from tests.incidents.factories import BEN_THANH, SAIGON, ward_unit

pytestmark = pytest.mark.django_db


def ward(code: str) -> AdminArea:
    return AdminArea.objects.get(code=code, boundary_set__slug="hcmc-2025")


def test_fallback_is_the_wards_own_committee() -> None:
    rubbish = Category.objects.get(code="rubbish")
    assert unit_for(category=rubbish, ward=ward(SAIGON)) == ward_unit(SAIGON)


def test_first_matching_rule_wins_and_area_rules_apply_only_there() -> None:
    rubbish = Category.objects.get(code="rubbish")
    env, health = Unit.objects.get(code="so-nn-mt"), Unit.objects.get(code="so-y-te")
    RoutingRule.objects.create(priority=1, category=rubbish, area=ward(SAIGON), unit=env)
    RoutingRule.objects.create(priority=2, category=rubbish, unit=health)
    assert unit_for(category=rubbish, ward=ward(SAIGON)) == env
    assert unit_for(category=rubbish, ward=ward(BEN_THANH)) == health


def test_inactive_rules_are_skipped() -> None:
    lighting = Category.objects.get(code="street-lighting")
    RoutingRule.objects.filter(category=lighting).update(is_active=False)
    assert unit_for(category=lighting, ward=ward(SAIGON)) == ward_unit(SAIGON)


def test_rule_and_fallback_are_one_query(django_assert_num_queries: Any) -> None:
    rubbish = Category.objects.get(code="rubbish")
    saigon, own = ward(SAIGON), ward_unit(SAIGON)
    with django_assert_num_queries(1):
        assert unit_for(category=rubbish, ward=saigon) == own
    health = Unit.objects.get(code="so-y-te")
    RoutingRule.objects.create(priority=1, category=rubbish, unit=health)
    with django_assert_num_queries(1):
        assert unit_for(category=rubbish, ward=saigon) == health


def test_rules_of_inactive_units_are_skipped_and_ties_go_to_the_older_rule() -> None:
    rubbish = Category.objects.get(code="rubbish")
    env, health = Unit.objects.get(code="so-nn-mt"), Unit.objects.get(code="so-y-te")
    RoutingRule.objects.create(priority=5, category=rubbish, unit=env)
    RoutingRule.objects.create(priority=5, category=rubbish, unit=health)
    assert unit_for(category=rubbish, ward=ward(SAIGON)) == env
    Unit.objects.filter(pk=env.pk).update(is_active=False)
    assert unit_for(category=rubbish, ward=ward(SAIGON)) == health
    Unit.objects.filter(pk=health.pk).update(is_active=False)
    assert unit_for(category=rubbish, ward=ward(SAIGON)) == ward_unit(SAIGON)


def test_fallback_skips_inactive_committees_and_returns_full_units() -> None:
    rubbish = Category.objects.get(code="rubbish")
    own = ward_unit(SAIGON)
    found = unit_for(category=rubbish, ward=ward(SAIGON))
    assert found is not None
    assert (found.code, found.name, found.kind, found.fields) == (
        own.code,
        own.name,
        own.kind,
        own.fields,
    )
    Unit.objects.filter(pk=own.pk).update(is_active=False)
    assert unit_for(category=rubbish, ward=ward(SAIGON)) is None
