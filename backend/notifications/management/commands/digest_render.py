import re
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation

from backend.notifications.digest import iso_week, unit_digests, week_before
from backend.notifications.digest_notices import csv_text, email_html, email_text, sms_text
from backend.units.models import Unit

RENDERERS = {"sms": sms_text, "text": email_text, "html": email_html, "csv": csv_text}


class Command(BaseCommand):
    help = (
        "In báo cáo tuần của một đơn vị, không gửi / Render the weekly digest of a unit for a "
        "week without sending it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", required=True, help="unit code, e.g. vp-ubnd-tp")
        parser.add_argument(
            "--week",
            help="ISO week the digest is sent in, e.g. 2026-W48 (default: the latest one sent)",
        )
        parser.add_argument(
            "--format", choices=[*RENDERERS, "all"], default="all", help="default: all"
        )
        parser.add_argument("--language", default=settings.LANGUAGE_CODE, choices=["vi", "en"])

    def handle(self, *args: Any, **opts: Any) -> None:
        unit = Unit.objects.filter(code=opts["unit"]).first()
        if unit is None:
            raise CommandError(f"no unit '{opts['unit']}'")
        if opts["week"]:
            match = re.fullmatch(r"(\d{4})-?W(\d{1,2})", opts["week"].strip(), re.IGNORECASE)
            if match is None:
                raise CommandError("--week must look like 2026-W48")
            try:
                week = iso_week(int(match[1]), int(match[2]))
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        else:
            week = week_before(timezone.now())
        with translation.override(opts["language"]):
            (digest,) = unit_digests(week, units=[unit])
            names = list(RENDERERS) if opts["format"] == "all" else [opts["format"]]
            for name in names:
                if len(names) > 1:
                    self.stdout.write(f"===== {name} =====")
                self.stdout.write(RENDERERS[name](digest))
