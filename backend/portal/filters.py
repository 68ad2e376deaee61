"""The public map's filters from a query string: field, status, ward, period.

`field` and `ward` are ids (comma-separated), `status` is `open`, `done` or one shown status,
`period` is a number of days back (7, 30, 90, 365). Anything else is a clear 400.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.utils import timezone
from django.utils.translation import gettext as _

from backend.common.errors import DomainError
from backend.incidents.models import OPEN_STATUSES, Status
from backend.incidents.selectors.portal import SHOWN_STATUSES, PortalFilters

STATUS_GROUPS: dict[str, list[str]] = {
    "open": [s for s in SHOWN_STATUSES if s in OPEN_STATUSES],
    "done": [str(Status.RESOLVED), str(Status.CLOSED)],
}
PERIOD_DAYS = (7, 30, 90, 365)
MAX_IDS = 20


def _ids(raw: str, name: str) -> list[int]:
    parts = [p for p in raw.split(",") if p.strip()]
    if len(parts) > MAX_IDS or not all(p.strip().isdigit() for p in parts):
        raise _invalid(name, _("Danh sách số, cách nhau bởi dấu phẩy."))
    return sorted({int(p) for p in parts})


def _invalid(name: str, message: str) -> DomainError:
    return DomainError(_("Bộ lọc không hợp lệ."), code="invalid_filter", details={name: [message]})


def portal_filters(query: Mapping[str, str], now: dt.datetime | None = None) -> PortalFilters:
    statuses: list[str] = []
    status = query.get("status", "").strip()
    if status in STATUS_GROUPS:
        statuses = list(STATUS_GROUPS[status])
    elif status in SHOWN_STATUSES:
        statuses = [status]
    elif status:
        raise _invalid("status", _("open, done hoặc một trạng thái công khai."))
    since = None
    period = query.get("period", "").strip()
    if period:
        if not period.isdigit() or int(period) not in PERIOD_DAYS:
            raise _invalid("period", _("Số ngày: 7, 30, 90 hoặc 365."))
        since = (now or timezone.now()) - dt.timedelta(days=int(period))
    return PortalFilters(
        categories=_ids(query.get("field", ""), "field"),
        statuses=statuses,
        wards=_ids(query.get("ward", ""), "ward"),
        since=since,
    )
