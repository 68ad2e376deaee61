import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from backend.units.deadlines import due_at_for, emergency_due_at
from backend.units.models import Category, RoutingRule, SlaPolicy, SlaUnit, Unit
from backend.units.routing import routing_for, unit_for
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


def test_routing_for_is_unit_for_and_its_deadline_in_one_query(
    django_assert_num_queries: Any,
) -> None:
    """A new report's unit and deadline: what unit_for and due_at_for answer, one statement."""
    start = dt.datetime(2026, 12, 31, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    rubbish = Category.objects.get(code="rubbish")
    saigon, own = ward(SAIGON), ward_unit(SAIGON)
    health = Unit.objects.get(code="so-y-te")
    SlaPolicy.objects.create(category=rubbish, amount=3, period=SlaUnit.WORKING_DAYS)
    SlaPolicy.objects.create(category=rubbish, unit=health, amount=4, period=SlaUnit.WORKING_HOURS)

    def same_as_apart() -> Unit | None:
        with django_assert_num_queries(1):
            routing = routing_for(category=rubbish, ward=saigon, start=start)
        unit = unit_for(category=rubbish, ward=saigon)
        assert routing.unit == unit
        assert routing.due_at == due_at_for(category=rubbish, unit=unit, start=start)
        if unit is not None:  # the whole row, as the ORM reads it (the units' JSON fields)
            assert [getattr(routing.unit, f.attname) for f in Unit._meta.concrete_fields] == [
                getattr(unit, f.attname) for f in Unit._meta.concrete_fields
            ]
        return routing.unit

    assert same_as_apart() == own  # the ward's committee, the category's default SLA
    RoutingRule.objects.create(priority=1, category=rubbish, unit=health)
    assert same_as_apart() == health  # a rule, the unit's own SLA (working hours)
    Unit.objects.filter(pk__in=[own.pk, health.pk]).update(is_active=False)
    assert same_as_apart() is None  # no unit: the category's default SLA still
    rubbish.is_urgent = True  # an urgent category: clock hours, day and night
    routing = routing_for(category=rubbish, ward=saigon, start=start)
    assert routing.due_at == emergency_due_at(category=rubbish, start=start)
