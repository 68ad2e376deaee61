"""manage.py backup DIR — the database and the photo store into an empty directory."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from backend.common.backups import backup


class Command(BaseCommand):
    help = "Back up the database (pg_dump) and every stored photo into DIR."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args: Any, directory: Path, **options: Any) -> None:
        manifest = backup(directory)
        photos = manifest["photos"]
        assert isinstance(photos, dict)
        self.stdout.write(f"backup in {directory}: database and {len(photos)} photo files")
