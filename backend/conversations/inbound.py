"""Each platform's events, read into one shape the engine understands (`Inbound`), and the key
each event is stored under (the platform's message id, so a redelivery is the same row).

Zalo (OA webhook): `event_name` user_send_text / user_send_image / user_send_location / follow;
`sender.id` (or `follower.id`); `message.msg_id`, `message.text`, `message.attachments[]`
(image: `payload.url`; location: `payload.coordinates.latitude/longitude`).
Messenger (page webhook): `entry[].messaging[]` with `sender.id`, `timestamp`, `message.mid`,
`message.text`, `message.quick_reply.payload`, `message.attachments[]` (image: `payload.url`;
location: `payload.coordinates.lat/long`); echoes, deliveries and reads are not messages.
SMS gateway: `{"message_id", "from", "to", "text", "concat": {"ref", "part", "total"}}`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ZALO_HANDLED = frozenset(
    {"user_send_text", "user_send_image", "user_send_location", "user_send_link", "follow"}
)


@dataclass
class Inbound:
    sender: str
    texts: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    location: tuple[float, float] | None = None  # (lon, lat)
    greeting: bool = False  # followed the account: say hello, nothing to file yet

    @property
    def empty(self) -> bool:
        return not (self.texts or self.images or self.location or self.greeting)


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _point(lat: Any, lon: Any) -> tuple[float, float] | None:
    la, lo = _float(lat), _float(lon)
    if la is None or lo is None or not (-90 <= la <= 90 and -180 <= lo <= 180):
        return None
    return (lo, la)


# Zalo ---------------------------------------------------------------------------------------


def zalo_key(event: dict[str, Any]) -> tuple[str, str]:
    """(message id, sender) of a Zalo event."""
    message = event.get("message") if isinstance(event.get("message"), dict) else {}
    sender = str((event.get("sender") or event.get("follower") or {}).get("id", ""))
    msg_id = str((message or {}).get("msg_id") or "")
    if not msg_id:
        msg_id = f"{event.get('event_name', '')}:{sender}:{event.get('timestamp', '')}"
    return msg_id[:191], sender[:64]


def zalo_inbound(event: dict[str, Any]) -> Inbound | None:
    """The event as an `Inbound`, or None for an event type the engine does not handle."""
    name = str(event.get("event_name", ""))
    if name not in ZALO_HANDLED:
        return None
    _msg_id, sender = zalo_key(event)
    found = Inbound(sender=sender)
    if name == "follow":
        found.greeting = True
        return found
    message = event.get("message") or {}
    text = str(message.get("text") or "").strip()
    if text and name == "user_send_text":
        found.texts.append(text)
    location = message.get("location")
    if isinstance(location, dict):
        found.location = _point(location.get("latitude"), location.get("longitude"))
    for attachment in message.get("attachments") or []:
        payload = attachment.get("payload") or {}
        if attachment.get("type") == "image" and payload.get("url"):
            found.images.append(str(payload["url"]))
        elif attachment.get("type") == "location":
            where = payload.get("coordinates") or {}
            found.location = _point(where.get("latitude"), where.get("longitude"))
    return found


# Messenger ----------------------------------------------------------------------------------


def messenger_items(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The messaging items of a page webhook POST (one POST may batch several)."""
    if body.get("object") != "page":
        return []
    items = []
    for entry in body.get("entry") or []:
        for item in (entry or {}).get("messaging") or []:
            if isinstance(item, dict):
                items.append(item)
    return items


def messenger_key(item: dict[str, Any]) -> tuple[str, str]:
    sender = str((item.get("sender") or {}).get("id", ""))
    message = item.get("message") or {}
    mid = str(message.get("mid") or (item.get("postback") or {}).get("mid") or "")
    return (mid or f"{sender}:{item.get('timestamp', '')}")[:191], sender[:64]


def messenger_inbound(item: dict[str, Any]) -> Inbound | None:
    message = item.get("message")
    postback = item.get("postback")
    if not isinstance(message, dict) and not isinstance(postback, dict):
        return None  # delivery, read, reaction…
    if isinstance(message, dict) and message.get("is_echo"):
        return None  # our own message, echoed back
    _mid, sender = messenger_key(item)
    found = Inbound(sender=sender)
    if isinstance(postback, dict):
        found.texts.append(str(postback.get("payload") or postback.get("title") or ""))
        return found
    assert isinstance(message, dict)
    quick = (message.get("quick_reply") or {}).get("payload")
    text = str(quick or message.get("text") or "").strip()
    if text:
        found.texts.append(text)
    for attachment in message.get("attachments") or []:
        payload = attachment.get("payload") or {}
        if attachment.get("type") == "image" and payload.get("url"):
            found.images.append(str(payload["url"]))
        elif attachment.get("type") == "location":
            where = payload.get("coordinates") or {}
            found.location = _point(where.get("lat"), where.get("long"))
    return found


# SMS ----------------------------------------------------------------------------------------


def sms_key(message: dict[str, Any]) -> tuple[str, str]:
    return str(message.get("message_id", ""))[:191], str(message.get("from", ""))[:64]
