"""A confirmed conversation becomes a report — through the same intake service as the app —
or, when that cannot be done automatically, an item of the contact centre's triage inbox with
the whole conversation attached.

- Filed: `incident_submit(reporter, category, description, address, location, photos,
  idempotency_key="conversation-<id>", channel=<the conversation's>)`. The place is the shared
  location, else the GPS of a photo, else the first earlier report's point at the address
  typed (`place_search`); the photos are cleaned there like an app upload.
- To the inbox (no field chosen, no usable place, outside the city, a photo refused at filing):
  `inbox_add(source_key="conversation:<id>")`, the transcript as its description.
Both are idempotent on the conversation's id, so a retried job files once. The conversation is
closed and the reply queued (reference + public link, or "an operator will complete it") in
one transaction that first checks it is still `filing`.
"""

from __future__ import annotations

import io

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone

from backend.common.errors import DomainError
from backend.common.links import public_report_url
from backend.contact.selectors import place_search
from backend.contact.services.inbox import inbox_add
from backend.incidents.models import Incident
from backend.incidents.photo_store import StorageUnavailable
from backend.incidents.services.submit import incident_submit
from backend.units.models import Category

from . import texts as t
from .engine import Dialogue, transcript
from .models import Conversation, ConversationState


def _place(conversation: Conversation) -> Point | None:
    data = conversation.data
    if "lon" in data and not data.get("from_photo"):
        return Point(float(data["lon"]), float(data["lat"]), srid=4326)
    address = data.get("address") or ""
    if address and "lon" not in data:
        for place in place_search(query=address, limit=3):
            if place.kind == "address" and place.lon is not None and place.lat is not None:
                return Point(place.lon, place.lat, srid=4326)
    return None  # a photo's GPS is found again by incident_submit


def conversation_file(*, conversation_id: int) -> str:
    """File or hand over conversation `conversation_id` if it is waiting to be filed; what
    happened: "filed", "inbox" or "" (nothing to do)."""
    conversation = Conversation.objects.select_related("user").get(pk=conversation_id)
    if conversation.state != ConversationState.FILING:
        return ""
    data = conversation.data
    category = Category.objects.filter(code=data.get("category") or "", is_active=True).first()
    location = _place(conversation)
    incident: Incident | None = None
    flag = ""
    if category is not None and (location is not None or "lon" in data):
        photos = [io.BytesIO(bytes(p.content)) for p in conversation.photos.order_by("pk")]
        try:
            incident = incident_submit(
                reporter=conversation.user,
                category=category,
                description=data.get("description", "")[:4000],
                address=(data.get("address") or "")[:500],
                location=location,
                photos=photos,
                idempotency_key=f"conversation-{conversation.pk}",
                channel=conversation.channel,
                intake={"conversation_id": conversation.pk},
            ).incident
        except StorageUnavailable:  # the store, not the report: the job runs again
            raise
        except DomainError as exc:  # outside the city, a photo refused…
            flag = str(exc.message)
    else:
        flag = str(t.NO_PLACE_FLAG) if category is not None else str(t.NO_FIELD)
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation_id)
        if conversation.state != ConversationState.FILING:
            return ""
        dialogue = Dialogue(conversation)
        if incident is not None:
            conversation.incident = incident
            dialogue.say(
                t.FILED, reference=incident.reference, link=public_report_url(incident.reference)
            )
            outcome = "filed"
        else:
            item, _created = inbox_add(
                reporter=conversation.user,
                channel=conversation.channel,
                description=transcript(conversation)[:4000] or data.get("description", "-"),
                location=location,
                category=category,
                address=(data.get("address") or "")[:500],
                flag=flag[:500],
                source_key=f"conversation:{conversation.pk}",
            )
            conversation.inbox_item_id = item.pk
            dialogue.say(t.TO_INBOX)
            outcome = "inbox"
        dialogue.close(outcome)
        conversation.updated_at = timezone.now()
        conversation.save()
    return outcome
