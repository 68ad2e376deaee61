"""manage.py restore DIR — load a backup into an empty database and the photo store."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from backend.common.backups import restore


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into an empty database and photo store."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--photos-only",
            action="store_true",
            help="only the photos the store lacks (after a point-in-time database restore)",
        )

    def handle(self, *args: Any, directory: Path, photos_only: bool, **options: Any) -> None:
        done = restore(directory, photos_only=photos_only)
        what = "" if photos_only else "database and "
        self.stdout.write(f"restored from {directory}: {what}{done['photos']} photo files")
