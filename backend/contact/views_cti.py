"""The telephone system's webhook: `POST /api/contact/v1/cti/events`.

Verified first (`cti.verify`: 403 and nothing stored on a bad or missing signature), then
validated (a caller number that is not a Vietnamese mobile number → 400 `invalid_phone`), then
one service: `ringing` opens a call card (201, or 200 for a call id already seen), `hangup`
ends it (200; an unknown call id → 404).
"""

from __future__ import annotations

import json

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.services import phone_from
from backend.common.errors import DomainError
from backend.common.schema import errors

from . import cti
from . import schema as sch
from .serializers import CtiEventSerializer, contact_row
from .services.calls import contact_hang_up, contact_open


class CtiEventView(APIView):
    authentication_classes: list[type] = []
    permission_classes: list[type] = []
    parser_classes: list[type[BaseParser]] = []  # the raw body is read, after the signature
    schema_security = (sch.CTI_SECURITY, sch.CTI_SECURITY_DEFINITION)  # the HMAC, not a session

    @extend_schema(
        operation_id="contact_cti_event",
        parameters=[sch.CTI_TIMESTAMP],
        request={"application/json": CtiEventSerializer},
        responses={
            200: OpenApiResponse(sch.ContactOut, description="hangup, or a call id already seen"),
            201: OpenApiResponse(sch.ContactOut, description="ringing: a call card opened"),
            **errors(400, 403, 404),
        },
        tags=["contact: cti"],
        summary="Sự kiện tổng đài — the telephone system's signed webhook (ringing, hangup)",
        description=(
            "403 `bad_signature`/`stale_signature` before anything is read; 400 "
            "`malformed_request`, `invalid`, `invalid_phone`; 404 `contact_not_found` for the "
            "hangup of an unknown call id."
        ),
    )
    def post(self, request: Request) -> Response:
        body = request.body
        cti.verify(
            timestamp=request.headers.get(cti.TIMESTAMP_HEADER),
            given=request.headers.get(cti.SIGNATURE_HEADER),
            body=body,
        )
        try:
            data = json.loads(body)
        except ValueError:
            raise DomainError(code="malformed_request") from None
        serializer = CtiEventSerializer(data=data if isinstance(data, dict) else {})
        serializer.is_valid(raise_exception=True)
        event = serializer.validated_data
        if event["event"] == "hangup":
            contact = contact_hang_up(call_id=event["call_id"])
            return Response(contact_row(contact))
        phone = phone_from(event["caller"])
        contact, created = contact_open(caller_phone=phone, call_id=event["call_id"])
        return Response(contact_row(contact), status=201 if created else 200)
