"""Contact-centre API shapes: inputs validated, outputs as plain dicts. No rules, no writes."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from backend.accounts.services import phone_from
from backend.incidents.models import Channel, Incident

from .models import CLOSING_OUTCOMES, Contact, InboxItem, KnowledgeArticle
from .selectors import CardReport, Place, Preview


class PhoneField(serializers.CharField):
    """A Vietnamese mobile number in any usual writing → E.164 (400 `invalid_phone` otherwise)."""

    def to_internal_value(self, data: Any) -> str:
        return phone_from(str(super().to_internal_value(data)))


@extend_schema_serializer(component_name="ContactCtiEventIn")
class CtiEventSerializer(serializers.Serializer):
    event = serializers.ChoiceField(choices=[("ringing", "ringing"), ("hangup", "hangup")])
    call_id = serializers.CharField(max_length=128)
    caller = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")


@extend_schema_serializer(component_name="ContactOpenCallIn")
class OpenCallSerializer(serializers.Serializer):
    caller = PhoneField(max_length=32)


class ReportSerializer(serializers.Serializer):
    category = serializers.IntegerField()
    description = serializers.CharField(max_length=4000)
    address = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    sms_consent = serializers.BooleanField(default=True)
    emergency = serializers.BooleanField(default=False)
    verify = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="why the report needs a check: it waits in the triage inbox",
    )


@extend_schema_serializer(component_name="ContactEmergencyIn")
class EmergencySerializer(serializers.Serializer):
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


@extend_schema_serializer(component_name="ContactAnswerIn")
class AnswerSerializer(serializers.Serializer):
    article = serializers.IntegerField()
    send_sms = serializers.BooleanField(default=False)


@extend_schema_serializer(component_name="ContactAddToReportIn")
class AddToReportSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=32)
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    follow = serializers.BooleanField(default=False)


@extend_schema_serializer(component_name="ContactCloseIn")
class CloseSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[(str(o), o.label) for o in CLOSING_OUTCOMES])
    reason = serializers.CharField(max_length=2000)


class SearchSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=200)
    field = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


def contact_row(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.pk,
        "channel": contact.channel,
        "call_id": contact.call_id,
        "caller_phone": contact.caller_phone,
        "operator": contact.operator_id,
        "started_at": contact.started_at.isoformat(),
        "ended_at": contact.ended_at.isoformat() if contact.ended_at else None,
        "outcome": contact.outcome,
        "reason": contact.reason,
        "incident": contact.incident_id,
        "article": contact.article_id,
        "inbox_item": contact.inbox_item_id,
    }


def report_row(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.pk,
        "reference": incident.reference,
        "status": incident.status,
        "status_label": str(incident.get_status_display()),
        "category": incident.category.name,
        "ward": incident.ward.name,
        "unit": incident.unit.name if incident.unit else None,
        "description": incident.description,
        "created_at": incident.created_at.isoformat(),
        "due_at": incident.due_at.isoformat() if incident.due_at else None,
        "is_emergency": incident.is_emergency,
        "sms_status": getattr(incident, "sms_status", None),
    }


def card_report_row(report: CardReport) -> dict[str, Any]:
    """A report on the call card: the same shape as `report_row`."""
    return {
        "id": report.id,
        "reference": report.reference,
        "status": report.status,
        "status_label": report.status_label,
        "category": report.category,
        "ward": report.ward,
        "unit": report.unit,
        "description": report.description,
        "created_at": report.created_at.isoformat(),
        "due_at": report.due_at.isoformat() if report.due_at else None,
        "is_emergency": report.is_emergency,
        "sms_status": report.sms_status,
    }


def article_row(article: KnowledgeArticle) -> dict[str, Any]:
    return {
        "id": article.pk,
        "question": article.question,
        "answer": article.answer,
        "sms": article.sms_body(),
        "field": article.field,
        "owner": article.owner.name if article.owner else None,
    }


def place_row(place: Place) -> dict[str, Any]:
    return {
        "kind": place.kind,
        "name": place.name,
        "ward": {"id": place.ward_id, "name": place.ward_name},
        "lon": place.lon,
        "lat": place.lat,
    }


def preview_row(preview: Preview) -> dict[str, Any]:
    unit = preview.unit
    return {
        "ward": {"id": preview.ward.pk, "code": preview.ward.code, "name": preview.ward_full_name},
        "unit": {"id": unit.pk, "code": unit.code, "name": unit.name} if unit else None,
        "due_at": preview.due_at.isoformat() if preview.due_at else None,
        "no_unit": str(_("Chưa có đơn vị phụ trách")) if unit is None else "",
    }


class CompleteSerializer(serializers.Serializer):
    category = serializers.IntegerField()
    description = serializers.CharField(
        max_length=4000, required=False, allow_blank=True, default=""
    )
    address = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


@extend_schema_serializer(component_name="ContactInboxRejectIn")
class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


CONVERSATION_KEY = "conversation:"  # source_key of an item a chat conversation handed over
CHAT_CHANNELS = frozenset({Channel.SMS, Channel.ZALO, Channel.MESSENGER})


def conversation_of(item: InboxItem) -> int | None:
    """The chat conversation (Zalo, Messenger, SMS) `item` came from, if any: the console shows
    its transcript and answers in it (the conversations API). Only items of a chat channel: an
    e-mail's key is its Message-ID, which the sender chooses (`conversation:42` included)."""
    key, number = item.source_key, item.source_key[len(CONVERSATION_KEY) :]
    if (
        item.channel in CHAT_CHANNELS
        and key.startswith(CONVERSATION_KEY)
        and number.isascii()
        and number.isdigit()
    ):
        return int(number)
    return None


def inbox_row(item: InboxItem) -> dict[str, Any]:
    holder = item.claimed_by
    point = item.location
    return {
        "id": item.pk,
        "channel": item.channel,
        "description": item.description,
        "address": item.address,
        "location": {"lon": point.x, "lat": point.y} if point else None,
        "category": item.category_id,
        "flag": item.flag,
        "status": item.status,
        "claimed_by": (holder.get_full_name() or holder.username) if holder else None,
        "claimed_by_id": item.claimed_by_id,
        "incident": item.incident_id,
        "reason": item.reason,
        "conversation": conversation_of(item),
        "created_at": item.created_at.isoformat(),
    }
