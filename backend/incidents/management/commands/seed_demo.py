"""Demo data for development and tests: the demo staff (password `demo1022`, including the
city supervisor `giamsat`) and, unless --staff-only, 60 demo reports. Never in production:
refused unless the settings allow demo data (DEMO_DATA_ALLOWED, off in production)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from backend.units.seed import DEMO_PASSWORD, seed_demo_staff


class Command(BaseCommand):
    help = "Nạp dữ liệu mẫu / Load demo staff and reports (development only; run `seed` first)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--staff-only", action="store_true", help="demo staff without demo reports (tests)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "seed_demo: demo accounts have a published password; refused with these settings "
                "(DEMO_DATA_ALLOWED is off in production)."
            )
        staff = seed_demo_staff()
        names = ", ".join(u for u, _ in staff)
        self.stdout.write(f"==> seed_demo: staff (password {DEMO_PASSWORD!r}): {names}")
        if not options["staff_only"]:
            from backend.incidents.demo import seed_demo_incidents

            made = seed_demo_incidents()
            self.stdout.write(
                f"    {made} demo incidents" if made else "    demo incidents: present"
            )
