import pytest

from backend.units.models import Unit, UnitKind
from backend.units.seed import seed_units

pytestmark = pytest.mark.django_db


def test_every_ward_has_a_committee_and_departments_exist() -> None:
    assert Unit.objects.filter(kind=UnitKind.WARD_COMMITTEE).count() == 168
    assert Unit.objects.filter(kind=UnitKind.WARD_COMMITTEE, areas__isnull=True).count() == 0
    assert Unit.objects.filter(kind=UnitKind.DEPARTMENT).count() >= 4


def test_second_run_writes_nothing_and_is_cheap(django_assert_max_num_queries) -> None:
    before = Unit.objects.count()
    with django_assert_max_num_queries(12):
        report = seed_units()
    assert report["created"] == 0 and Unit.objects.count() == before
