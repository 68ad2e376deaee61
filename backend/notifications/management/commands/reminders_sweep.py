from typing import Any

from django.core.management.base import BaseCommand

from backend.notifications.reminders import reminders_sweep


class Command(BaseCommand):
    help = (
        "Quét nhắc hạn, cảnh báo quá hạn, báo cáo cấp trên ngay bây giờ / Run the reminder sweep "
        "now (the worker runs it every 15 minutes); notices go out through the worker."
    )

    def handle(self, *args: Any, **opts: Any) -> None:
        run = reminders_sweep()
        found = ", ".join(f"{kind}: {n}" for kind, n in run.found.items())
        self.stdout.write(f"{found}; {run.queued} notice(s) queued")
