"""Load the reference data (boundaries, categories, units, routing, SLA): at every release.

Idempotent and fast on a second run. Creates no accounts: demo staff and reports come from
`seed_demo`, which refuses to run with production settings."""

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from backend.units.models import Category
from backend.units.seed import seed_units
from geo.loaders import load_boundaries

FIXTURES = settings.BASE_DIR / "fixtures"
HCMC_SET: dict[str, Any] = {
    "slug": "hcmc-2025",
    "name": "TP. Hồ Chí Minh — 168 phường, xã, đặc khu (từ 01/07/2025)",
    "valid_from": dt.date(2025, 7, 1),
    "source": "thanglequoc/vietnamese-provinces-database a108d4d2; bản đồ sapnhap.bando.com.vn",
    "licence": "MIT © 2021 Thang Le Quoc; geometry © Bando (NXB TN-MT và Bản đồ VN)",
}


class Command(BaseCommand):
    help = "Nạp dữ liệu nền / Load the reference data (idempotent; no accounts)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("==> seed: HCMC boundaries")
        report = load_boundaries(FIXTURES / "boundaries" / "hcmc_wards.geojson", **HCMC_SET)
        state = "unchanged" if report.skipped else f"{report.created} new, {report.updated} updated"
        self.stdout.write(f"    {report.total} areas ({state}), {report.pieces} lookup pieces")
        self.stdout.write(f"    {self.seed_categories()} categories")
        units = seed_units()
        self.stdout.write(
            f"    {units['units']} units ({units['created']} new), "
            f"{units['rules']} new routing rules, {units['sla']} new SLA policies"
        )

    @transaction.atomic
    def seed_categories(self) -> int:
        rows = json.loads((FIXTURES / "categories.json").read_text(encoding="utf-8"))
        for order, row in enumerate(rows):
            Category.objects.update_or_create(
                code=row["code"], defaults={**row, "sort_order": order}
            )
        return len(rows)
