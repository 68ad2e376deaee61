import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from geo.loaders import BoundaryFileError, load_boundaries
from geo.models import Level


class Command(BaseCommand):
    help = "Nạp địa giới / Load boundaries from GeoJSON or Shapefile (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--set", dest="slug", required=True, help="boundary set slug")
        parser.add_argument("--name", required=True, help="boundary set name")
        parser.add_argument("--valid-from", required=True, type=dt.date.fromisoformat)
        parser.add_argument("--valid-to", type=dt.date.fromisoformat, default=None)
        parser.add_argument("--source", default="")
        parser.add_argument("--licence", default="")
        parser.add_argument(
            "--level",
            choices=Level.values,
            default=None,
            help="level for every feature (default: the 'level' property)",
        )
        parser.add_argument("--force", action="store_true", help="reload even if unchanged")

    def handle(self, *args: Any, **opts: Any) -> None:
        path: Path = opts["path"]
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        self.stdout.write(f"Loading {path} into boundary set '{opts['slug']}' …")
        try:
            report = load_boundaries(
                path,
                slug=opts["slug"],
                name=opts["name"],
                valid_from=opts["valid_from"],
                valid_to=opts["valid_to"],
                source=opts["source"],
                licence=opts["licence"],
                level=opts["level"],
                progress=self.stdout.write,
                force=opts["force"],
            )
        except BoundaryFileError as exc:
            raise CommandError(f"nothing loaded: {exc}") from exc
        if report.skipped:
            self.stdout.write(f"unchanged since last load ({report.total} areas); use --force")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.total} areas: {report.created} created, {report.updated} updated, "
                f"{report.unchanged} unchanged; {len(report.repaired)} repaired; "
                f"{report.pieces} lookup pieces"
            )
        )
