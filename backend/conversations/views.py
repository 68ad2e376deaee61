"""The chat platforms' webhooks and the operator's view of a conversation.

Webhooks (`/api/conversations/v1/…`): verified first (signatures.py: 403 `bad_signature` /
`stale_signature`, nothing stored), then each event is stored once and its handling deferred
(services.event_store); the answer is 200 within milliseconds, also for a redelivered event
(stored before: nothing new) and for event types the engine does not handle (logged, ignored).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.models import User
from backend.accounts.services import phone_from
from backend.common.errors import DomainError, error_body
from backend.common.schema import errors
from backend.contact.permissions import AUTHENTICATION, PERMISSIONS

from . import inbound as parse
from . import schema as sch
from . import signatures as sig
from .models import ConversationChannel, ConversationMessage
from .operators import conversation_get, conversation_messages, conversation_reply, reply_blocked
from .outbound import reply_route
from .services import event_store

logger = logging.getLogger(__name__)


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:
        raise DomainError(code="malformed_request") from None
    if not isinstance(data, dict):
        raise DomainError(code="malformed_request")
    return data


class _Webhook(APIView):
    authentication_classes: list[type] = []
    permission_classes: list[type] = []
    parser_classes: list[type[BaseParser]] = []  # the raw body is read, after the signature
    throttle_classes: list[type] = []


@csrf_exempt
@require_POST
def zalo_webhook(request: HttpRequest) -> JsonResponse:
    """The OA's events. A plain Django view, not DRF: it is the hottest path of the channels
    (every message of every resident; Zalo waits at most 2 s) and needs no parsing, content
    negotiation or authentication classes — the MAC is the authentication."""
    try:
        event = sig.zalo_verify(body=request.body, given=request.headers.get(sig.ZALO_HEADER))
    except DomainError as exc:
        return JsonResponse(error_body(exc.code, exc.message, exc.details), status=exc.status_code)
    name = str(event.get("event_name", ""))
    if name not in parse.ZALO_HANDLED:
        logger.info("zalo event %r ignored", name)
        return JsonResponse({"received": False})
    message_id, sender = parse.zalo_key(event)
    created = event_store(
        channel=ConversationChannel.ZALO,
        message_id=message_id,
        sender=sender,
        payload=request.body,  # verified above: stored exactly as Zalo sent it
    )
    return JsonResponse({"received": True, "duplicate": not created})


class MessengerWebhookView(_Webhook):
    schema_security = (sch.MESSENGER_SECURITY, sch.MESSENGER_SECURITY_DEFINITION)

    @extend_schema(
        operation_id="conversations_messenger_verify",
        parameters=sch.HUB_PARAMETERS,
        responses={(200, "text/plain"): str, **errors(403)},
        tags=["conversations: webhooks"],
        summary="Messenger webhook verification handshake",
    )
    def get(self, request: Request) -> HttpResponse:
        mode = request.query_params.get("hub.mode", "")
        token = request.query_params.get("hub.verify_token", "")
        expected = settings.MESSENGER_VERIFY_TOKEN
        if mode == "subscribe" and expected and constant_time_compare(token, expected):
            challenge = request.query_params.get("hub.challenge", "")
            return HttpResponse(challenge, content_type="text/plain")
        raise sig.BadSignature(code="bad_verify_token")

    @extend_schema(
        operation_id="conversations_messenger_events",
        request={"application/json": dict},
        responses={200: dict, **errors(400, 403)},
        tags=["conversations: webhooks"],
        summary="Messenger page webhook (signed): messages stored once, handled by a job",
    )
    def post(self, request: Request) -> Response:
        sig.messenger_verify(body=request.body, given=request.headers.get(sig.MESSENGER_HEADER))
        stored = duplicates = ignored = 0
        for item in parse.messenger_items(_json(request.body)):
            if parse.messenger_inbound(item) is None:
                ignored += 1
                continue
            message_id, sender = parse.messenger_key(item)
            if event_store(
                channel=ConversationChannel.MESSENGER,
                message_id=message_id,
                sender=sender,
                payload=item,
            ):
                stored += 1
            else:
                duplicates += 1
        if ignored:
            logger.info("messenger: %s items ignored (not messages)", ignored)
        return Response({"stored": stored, "duplicates": duplicates, "ignored": ignored})


class SmsInSerializer(serializers.Serializer[dict[str, Any]]):
    message_id = serializers.CharField(max_length=128)
    to = serializers.CharField(max_length=32, required=False, allow_blank=True)
    text = serializers.CharField(max_length=2000, allow_blank=True, trim_whitespace=False)
    concat = serializers.DictField(required=False)


class SmsWebhookView(_Webhook):
    schema_security = (sch.SMS_SECURITY, sch.SMS_SECURITY_DEFINITION)

    @extend_schema(
        operation_id="conversations_sms_inbound",
        parameters=[sch.SMS_TIMESTAMP],
        request={"application/json": SmsInSerializer},
        responses={200: dict, **errors(400, 403)},
        tags=["conversations: webhooks"],
        summary="Inbound SMS from the gateway (signed); parts of a long message joined",
    )
    def post(self, request: Request) -> Response:
        sig.sms_verify(
            body=request.body,
            timestamp=request.headers.get(sig.SMS_TIMESTAMP_HEADER),
            given=request.headers.get(sig.SMS_SIGNATURE_HEADER),
        )
        data = _json(request.body)
        serializer = SmsInSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        phone = phone_from(str(data.get("from", "")))
        message = dict(serializer.validated_data)
        message["from"] = phone
        created = event_store(
            channel=ConversationChannel.SMS,
            message_id=message["message_id"],
            sender=phone,
            payload=message,
        )
        return Response({"received": True, "duplicate": not created})


def _message_row(message: ConversationMessage) -> dict[str, Any]:
    return {
        "id": message.pk,
        "direction": message.direction,
        "text": message.text,
        "status": message.status,
        "sent_via": message.sent_via,
        "author": (message.author.get_full_name() or message.author.username)
        if message.author
        else None,
        "created_at": message.created_at.isoformat(),
    }


class ConversationView(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = PERMISSIONS

    @extend_schema(
        operation_id="conversations_detail",
        responses={200: dict, **errors(403, 404)},
        tags=["conversations: operators"],
        summary="A conversation and its messages (operators)",
    )
    def get(self, request: Request, pk: int) -> Response:
        conversation = conversation_get(pk)
        route = reply_route(conversation)
        return Response(
            {
                "id": conversation.pk,
                "channel": conversation.channel,
                "state": conversation.state,
                "language": conversation.language,
                "reference": conversation.incident.reference if conversation.incident else None,
                "inbox_item_id": conversation.inbox_item_id,
                "closed_at": conversation.closed_at.isoformat() if conversation.closed_at else None,
                # how an answer would go now; None with `reply_blocked` saying why
                "reply_via": route,
                "reply_blocked": reply_blocked(conversation) if route is None else None,
                "messages": [_message_row(m) for m in conversation_messages(conversation)],
            }
        )


class ReplyInSerializer(serializers.Serializer[dict[str, Any]]):
    text = serializers.CharField(max_length=2000)


class ConversationReplyView(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = PERMISSIONS

    @extend_schema(
        operation_id="conversations_reply",
        request=ReplyInSerializer,
        responses={201: dict, **errors(400, 403, 404, 409)},
        tags=["conversations: operators"],
        summary="Answer in a conversation (sent on the resident's channel, or by SMS; 409 "
        "window_closed when neither can reach them). An Idempotency-Key header makes a resent "
        "request the same message",
    )
    def post(self, request: Request, pk: int) -> Response:
        serializer = ReplyInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        operator = request.user
        assert isinstance(operator, User)  # IsOperator let only signed-in staff through
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 64:
            raise DomainError(_("Idempotency-Key quá dài (tối đa 64 ký tự)."), code="invalid_key")
        message = conversation_reply(
            conversation_id=pk,
            operator=operator,
            text=serializer.validated_data["text"],
            client_key=key,
        )
        return Response(_message_row(message), status=201)
