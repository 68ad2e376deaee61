"""Re-map incidents to the wards of another boundary set: in place (one UPDATE) or as mapping rows.

    manage.py reassign_wards --to SLUG [--all] [--mapping]

In place, the map's count triggers are switched off for the command's transaction and the
counts rebuilt before it commits (`grid.trigger_off_then_rebuild`): the triggers cost ≈ 50 µs
per moved incident, a rebuild ≈ 4 µs per incident in the table (docs/PERFORMANCE.md), and the
command moves every open incident, or with --all every one. Other writers of incidents wait
for the commit (the switch locks the table).
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from backend.incidents import grid
from backend.incidents.models import Incident
from geo.bulk import assign_to_set, reassign_areas
from geo.models import BoundarySet


class Command(BaseCommand):
    help = (
        "Gán lại phường/xã cho phản ánh theo bộ địa giới mới / "
        "Re-map incidents to the wards of another boundary set (one SQL statement)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", dest="slug", required=True, help="target boundary set slug")
        parser.add_argument(
            "--all",
            action="store_true",
            help="also closed/resolved incidents (default: open ones only)",
        )
        parser.add_argument(
            "--mapping",
            action="store_true",
            help="write the wards of the new set as fresh mapping rows (geo AreaAssignment) "
            "and leave incidents as filed: the fast way for millions of old incidents",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        target = BoundarySet.objects.filter(slug=opts["slug"]).first()
        if target is None:
            raise CommandError(f"no boundary set '{opts['slug']}'")
        incidents = Incident.objects.all() if opts["all"] else Incident.objects.open()
        total = incidents.count()
        self.stdout.write(f"Re-mapping {total} incidents to '{target.slug}' …")
        if opts["mapping"]:
            with transaction.atomic():
                written = assign_to_set(
                    incidents, point_field="location", boundary_set_id=target.pk
                )
            self.stdout.write(
                self.style.SUCCESS(
                    f"{written} incidents mapped to a ward of '{target.slug}'; "
                    f"{total - written} outside every ward of the new set"
                )
            )
            return
        # one UPDATE of up to every incident: cheaper with the count triggers off and one
        # rebuild before the commit (see the module docstring)
        with grid.trigger_off_then_rebuild():
            changed = reassign_areas(
                incidents, point_field="location", area_field="ward", boundary_set_id=target.pk
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{changed} incidents moved to a ward of '{target.slug}'; "
                f"{total - changed} kept (already there, or outside every ward of the new set)"
            )
        )
