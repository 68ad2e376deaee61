"""Read side of units: who a staff member is, and which units they can see and act for."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection, router
from django.db.models import QuerySet

from backend.common.db import from_row, server_bound_cursor

from .models import CONTACT_ROLES, Category, Membership, Role, Unit, UnitKind

GLOBAL_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True)
class StaffScope:
    """A user's reach: global (supervisor/admin) or a set of units with the roles held there.

    A role held in a unit also applies in its sub-units (a department leader leads its teams).
    """

    is_global: bool = False
    global_roles: frozenset[str] = frozenset()
    roles_by_unit: dict[int, frozenset[str]] = field(default_factory=dict)

    @property
    def is_staff(self) -> bool:
        return self.is_global or bool(self.roles_by_unit)

    @property
    def unit_ids(self) -> frozenset[int]:
        return frozenset(self.roles_by_unit)

    @property
    def roles(self) -> frozenset[str]:
        out: set[str] = set(self.global_roles)
        for roles in self.roles_by_unit.values():
            out |= roles
        return frozenset(out)

    def roles_for(self, unit_id: int | None) -> frozenset[str]:
        own = self.roles_by_unit.get(unit_id, frozenset()) if unit_id is not None else frozenset()
        return own | self.global_roles

    def may_contact(self, unit_id: int | None) -> bool:
        """May call back the residents who reported to `unit_id` (name and phone visible)."""
        return bool(self.roles_for(unit_id) & CONTACT_ROLES)

    def sees_unit(self, unit_id: int | None) -> bool:
        return self.is_global or (unit_id is not None and unit_id in self.roles_by_unit)


# One statement for the whole scope: the user's memberships, and (for unit staff) every unit
# below them with the role inherited; `direct` tells the memberships from the inherited rows.
# UNION (not UNION ALL) ends the walk on a cycle. Global users skip the walk.
_SCOPE_SQL = """
    WITH RECURSIVE mine AS (
        SELECT unit_id, role FROM {membership} WHERE user_id = %s
    ), below(unit_id, role) AS (
        SELECT unit_id, role FROM mine
        WHERE NOT EXISTS (SELECT 1 FROM mine WHERE role = ANY(%s))
        UNION
        SELECT u.id, b.role FROM {unit} u JOIN below b ON u.parent_id = b.unit_id
    )
    SELECT unit_id, role, true FROM mine
    UNION ALL
    SELECT unit_id, role, false FROM below
"""


def staff_scope(user: Any) -> StaffScope:
    """The scope of `user`, computed once per user object (one query)."""
    cached = getattr(user, "_staff_scope", None)
    if isinstance(cached, StaffScope):
        return cached
    scope = _compute_scope(user)
    if user is not None and getattr(user, "is_authenticated", False):
        user._staff_scope = scope
    return scope


def _compute_scope(user: Any) -> StaffScope:
    if user is None or not user.is_authenticated or not user.is_active:
        return StaffScope()
    sql = _SCOPE_SQL.format(
        membership=connection.ops.quote_name(Membership._meta.db_table),
        unit=connection.ops.quote_name(Unit._meta.db_table),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, sorted(str(r.value) for r in GLOBAL_ROLES)])
        rows: list[tuple[int, str, bool]] = cursor.fetchall()
    global_roles = frozenset(r for _, r, direct in rows if direct and r in GLOBAL_ROLES)
    if user.is_superuser:
        global_roles |= {Role.ADMIN}
    if global_roles:
        return StaffScope(is_global=True, global_roles=global_roles)
    roles: dict[int, set[str]] = {}
    for unit_id, role, direct in rows:
        if not direct:
            roles.setdefault(unit_id, set()).add(role)
    return StaffScope(roles_by_unit={k: frozenset(v) for k, v in roles.items()})


def units_visible_to(user: Any) -> QuerySet[Unit]:
    scope = staff_scope(user)
    units = Unit.objects.filter(is_active=True).order_by("code")
    return units if scope.is_global else units.filter(pk__in=scope.unit_ids)


def unit_members(*, unit: Unit) -> QuerySet[Membership]:
    return Membership.objects.filter(unit=unit).select_related("user").order_by("role", "user_id")


def _root_id(unit: Unit) -> int:
    """The top of `unit`'s parent chain (the city/province office); stops on a cycle."""
    seen: set[int] = set()
    current: Unit | None = unit
    while current is not None and current.parent_id is not None and current.pk not in seen:
        seen.add(current.pk)
        current = current.parent
    return current.pk if current is not None else unit.pk


def transfer_targets(*, unit: Unit | None, province_id: int | None) -> QuerySet[Unit]:
    """The units an incident of `unit` may be handed to: active units of the same city (the same
    top of the parent chain: the parent chain, its siblings and the city departments), not the
    unit itself, and of the ward committees only those of the incident's province (`province_id`:
    the parent area of its ward). One rule for the picker and for the server's check."""
    units = Unit.objects.filter(is_active=True)
    if unit is None:
        return units.filter(parent__isnull=True)
    root = _root_id(unit)
    same_city = [root]
    frontier = [root]
    while frontier:  # the city's tree, level by level (a handful of levels)
        frontier = list(
            Unit.objects.filter(parent_id__in=frontier)
            .exclude(pk__in=same_city)
            .values_list("pk", flat=True)
        )
        same_city += frontier
    units = units.filter(pk__in=same_city).exclude(pk=unit.pk)
    if province_id is not None:
        wards = Unit.objects.filter(kind=UnitKind.WARD_COMMITTEE)
        elsewhere = wards.exclude(areas__parent_id=province_id)
        units = units.exclude(pk__in=elsewhere.values("pk"))
    return units.order_by("kind", "name")


def _active_category_sql() -> str:
    meta = Category._meta
    columns = ", ".join(f'"{f.column}"' for f in meta.concrete_fields)
    return f'SELECT {columns} FROM "{meta.db_table}" WHERE code = %s AND is_active LIMIT 1'


ACTIVE_CATEGORY_SQL = _active_category_sql()


def active_category(code: str) -> Category | None:
    """The active category with this code, or None. Every report asks (the app's and Open311's
    input): one statement bound server-side, prepared once per connection, where the ORM would
    compile and PostgreSQL plan it each time."""
    using = router.db_for_read(Category)
    with server_bound_cursor(using) as cursor:
        cursor.execute(ACTIVE_CATEGORY_SQL, [code])
        row = cursor.fetchone()
    return from_row(Category, row, using) if row is not None else None
