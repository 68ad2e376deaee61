"""Extra fields some categories ask for (flood depth, whether anyone is hurt …).

Defined here, next to the categories, so every channel validates them the same way. The values
of a report are kept on its first history entry (`IncidentEvent.data["attributes"]`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from backend.common.errors import DomainError


@dataclass(frozen=True)
class Attribute:
    code: str
    kind: str  # "text" | "number" | "choice" | "multichoice"
    description: Any
    required: bool = False
    choices: tuple[tuple[str, Any], ...] = ()
    help: Any = ""
    order: int = 1
    extra: dict[str, Any] = field(default_factory=dict)


YES_NO = (("yes", _("Có")), ("no", _("Không")), ("unknown", _("Không rõ")))

CATEGORY_ATTRIBUTES: dict[str, tuple[Attribute, ...]] = {
    "flooding": (
        Attribute(
            "water_depth",
            "choice",
            _("Mức ngập"),
            required=True,
            choices=(
                ("ankle", _("Đến mắt cá chân")),
                ("knee", _("Đến đầu gối")),
                ("above_knee", _("Trên đầu gối")),
            ),
        ),
        Attribute("blocked_drain", "choice", _("Cống bị tắc?"), choices=YES_NO, order=2),
    ),
    "traffic-accident": (
        Attribute("injured", "choice", _("Có người bị thương?"), required=True, choices=YES_NO),
        Attribute(
            "vehicles", "number", _("Số phương tiện liên quan"), help=_("số nguyên"), order=2
        ),
    ),
    "street-lighting": (
        Attribute("pole_number", "text", _("Số hiệu trụ đèn"), help=_("in trên trụ đèn")),
    ),
}


def attributes_of(category_code: str) -> tuple[Attribute, ...]:
    return CATEGORY_ATTRIBUTES.get(category_code, ())


def clean_attributes(category_code: str, raw: dict[str, list[str]]) -> dict[str, Any]:
    """Validated values of the category's attributes; unknown codes are ignored.

    `raw` maps an attribute code to the submitted values (several for multichoice). Raises a
    400 `invalid_attribute` with per-attribute details.
    """
    values: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for attr in attributes_of(category_code):
        given = [v.strip() for v in raw.get(attr.code, []) if v.strip()]
        if not given:
            if attr.required:
                errors[attr.code] = _("Bắt buộc.")
            continue
        keys = {k for k, _label in attr.choices}
        if attr.kind == "multichoice":
            if not set(given) <= keys:
                errors[attr.code] = _("Giá trị không hợp lệ.")
            values[attr.code] = given
        elif attr.kind == "choice":
            if given[0] not in keys:
                errors[attr.code] = _("Giá trị không hợp lệ.")
            values[attr.code] = given[0]
        elif attr.kind == "number":
            try:
                number = Decimal(given[0])
            except InvalidOperation:
                number = Decimal("NaN")
            if number.is_finite():
                values[attr.code] = str(number)
            else:
                errors[attr.code] = _("Phải là một số.")
        else:
            values[attr.code] = given[0][:500]
    if errors:
        raise DomainError(
            _("Thông tin bổ sung không hợp lệ."), code="invalid_attribute", details=errors
        )
    return values
