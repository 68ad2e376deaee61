"""manage.py restore DIR — load a backup into an empty database and the photo store."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from backend.common.backups import restore


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into an empty database and photo store."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args: Any, directory: Path, **options: Any) -> None:
        done = restore(directory)
        self.stdout.write(f"restored from {directory}: database and {done['photos']} photo files")
