"""Seed the handling units of HCMC: the city office, main departments, police, utilities, and the
People's Committee of each of the 168 wards/communes/special zones, plus default routing rules and
SLA policies. Idempotent; a second run makes a handful of read queries and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from geo.locate import boundary_set_id_at
from geo.models import ASSIGNABLE_LEVELS, AdminArea

from .models import Category, RoutingRule, SlaPolicy, SlaUnit, Unit, UnitKind

CITY_OFFICE = "vp-ubnd-tp"


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    name_en: str
    kind: str
    fields: tuple[str, ...] = ()


CITY_UNITS = [
    UnitSpec(CITY_OFFICE, "Văn phòng UBND TP. Hồ Chí Minh", "HCMC People's Committee Office",
             UnitKind.CITY_OFFICE),
    UnitSpec("so-xay-dung", "Sở Xây dựng", "Department of Construction", UnitKind.DEPARTMENT,
             ("infrastructure", "traffic", "urban-order")),
    UnitSpec("so-nn-mt", "Sở Nông nghiệp và Môi trường",
             "Department of Agriculture and Environment",
             UnitKind.DEPARTMENT, ("environment",)),
    UnitSpec("so-y-te", "Sở Y tế", "Department of Health", UnitKind.DEPARTMENT, ("health",)),
    UnitSpec("so-noi-vu", "Sở Nội vụ", "Department of Home Affairs", UnitKind.DEPARTMENT,
             ("administration",)),
    UnitSpec("cong-an-tp", "Công an TP. Hồ Chí Minh", "HCMC Police", UnitKind.POLICE,
             ("security", "traffic")),
    UnitSpec("cty-chieu-sang", "Công ty TNHH MTV Chiếu sáng công cộng TP.HCM",
             "HCMC Public Lighting Company", UnitKind.UTILITY, ("infrastructure",)),
    UnitSpec("cty-thoat-nuoc", "Công ty TNHH MTV Thoát nước đô thị TP.HCM",
             "HCMC Urban Drainage Company", UnitKind.UTILITY, ("infrastructure",)),
]  # fmt: skip

# City-wide rules (area: none): which category goes to a specialised unit instead of the ward.
CITY_RULES = [
    ("street-lighting", "cty-chieu-sang"),
    ("traffic-signals", "so-xay-dung"),
    ("traffic-accident", "cong-an-tp"),
    ("security-order", "cong-an-tp"),
]
SLA = {  # category → (amount, period); others: settings.HOTLINE_DEFAULT_SLA
    "traffic-accident": (4, SlaUnit.WORKING_HOURS),
    "flooding": (16, SlaUnit.WORKING_HOURS),
    "trees": (8, SlaUnit.WORKING_HOURS),
    "security-order": (8, SlaUnit.WORKING_HOURS),
    "illegal-construction": (10, SlaUnit.WORKING_DAYS),
    "administrative": (7, SlaUnit.WORKING_DAYS),
}


def ward_unit_code(area_code: str) -> str:
    return f"ubnd-{area_code}"


@transaction.atomic
def seed_units() -> dict[str, int]:
    """Create missing units, ward links, rules and SLA policies; never overwrite admin edits."""
    existing = dict(Unit.objects.values_list("code", "pk"))
    created = 0
    for spec in CITY_UNITS:
        if spec.code not in existing:
            parent = existing.get(CITY_OFFICE) if spec.code != CITY_OFFICE else None
            unit = Unit.objects.create(
                code=spec.code,
                name=spec.name,
                name_en=spec.name_en,
                kind=spec.kind,
                fields=list(spec.fields),
                parent_id=parent,
            )
            existing[spec.code] = unit.pk
            created += 1
    created += _seed_ward_units(existing)
    rules = _seed_rules(existing)
    slas = _seed_slas()
    return {"units": len(existing), "created": created, "rules": rules, "sla": slas}


def _seed_ward_units(existing: dict[str, int]) -> int:
    set_id = boundary_set_id_at()
    if set_id is None:
        return 0
    wards = list(
        AdminArea.objects.filter(boundary_set_id=set_id, level__in=ASSIGNABLE_LEVELS).values_list(
            "pk", "code", "name", "name_en"
        )
    )
    missing = [w for w in wards if ward_unit_code(w[1]) not in existing]
    new_units = Unit.objects.bulk_create(
        Unit(
            code=ward_unit_code(code),
            name=f"UBND {name}",
            name_en=f"{name_en or name} People's Committee",
            kind=UnitKind.WARD_COMMITTEE,
            parent_id=existing[CITY_OFFICE],
            fields=[],
        )
        for _, code, name, name_en in missing
    )
    for unit in new_units:
        existing[unit.code] = unit.pk
    through: Any = Unit.areas.through
    through.objects.bulk_create(
        [
            through(unit_id=existing[ward_unit_code(code)], adminarea_id=pk)
            for pk, code, _, _ in missing
        ],
        ignore_conflicts=True,
    )
    return len(new_units)


def _seed_rules(existing: dict[str, int]) -> int:
    if RoutingRule.objects.exists():
        return 0  # rules are admin data once present
    categories = dict(Category.objects.values_list("code", "pk"))
    rules = [
        RoutingRule(priority=10 * (i + 1), category_id=categories[cat], unit_id=existing[unit])
        for i, (cat, unit) in enumerate(CITY_RULES)
        if cat in categories and unit in existing
    ]
    RoutingRule.objects.bulk_create(rules)
    return len(rules)


def _seed_slas() -> int:
    if SlaPolicy.objects.exists():
        return 0
    categories = dict(Category.objects.values_list("code", "pk"))
    policies = [
        SlaPolicy(category_id=categories[code], amount=amount, period=period)
        for code, (amount, period) in SLA.items()
        if code in categories
    ]
    SlaPolicy.objects.bulk_create(policies)
    return len(policies)


DEMO_PASSWORD = "demo1022"  # documented in README; demo data only
DEMO_WARDS = {"saigon": "26740", "benthanh": "26743"}  # Phường Sài Gòn, Phường Bến Thành
DEMO_ROLES = {"tiepnhan": "operator", "xuly": "handler", "lanhdao": "leader"}


def seed_demo_staff() -> list[tuple[str, str]]:
    """Demo staff accounts (username, role@unit): a city supervisor and three people per ward."""
    from django.contrib.auth import get_user_model

    from .models import Membership, Role

    users = get_user_model()
    units = dict(Unit.objects.values_list("code", "pk"))
    wanted: list[tuple[str, str, int | None]] = [
        ("giamsat", Role.SUPERVISOR, units.get(CITY_OFFICE))
    ]
    for prefix, area_code in DEMO_WARDS.items():
        for suffix, role in DEMO_ROLES.items():
            wanted.append((f"{prefix}.{suffix}", role, units.get(ward_unit_code(area_code))))
    existing = set(
        users.objects.filter(username__in=[w[0] for w in wanted]).values_list("username", flat=True)
    )
    out = []
    for username, role, unit_id in wanted:
        if unit_id is None:
            continue
        if username not in existing:
            user = users.objects.create_user(username=username, password=DEMO_PASSWORD)
            Membership.objects.get_or_create(user=user, unit_id=unit_id, role=role)
        out.append((username, f"{role}@{unit_id}"))
    return out
