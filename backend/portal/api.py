"""/api/public/v1/… — the portal's JSON: report look-up, a resident's web session (phone + SMS
code, the app's codes), filing a report, rating one's own report, following by reference.

A resident signs in with the same codes as the app (`accounts.services.otp_request` and
`otp_verify`) and gets a Django session; every write then needs the session's CSRF token.
Reports are filed through `incident_submit` with channel `web` and the page's Idempotency-Key.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib.auth import login, logout
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from backend.accounts.models import User
from backend.accounts.services import otp_request, otp_verify, phone_from
from backend.common.errors import DomainError
from backend.common.links import public_report_path
from backend.common.schema import errors
from backend.common.throttles import BatchedThrottlesMixin
from backend.incidents.models import Channel
from backend.incidents.selectors.portal import merged_target, portal_report
from backend.incidents.selectors.reporter import active_categories, reports_of
from backend.incidents.services.reporter import incident_rate
from backend.incidents.services.submit import incident_submit
from backend.notifications.selectors import follower_count
from backend.units.models import Category
from geo.points import point_from

from . import follows
from .present import public_report
from .throttles import (
    CodeThrottle,
    LookupThrottle,
    PortalThrottle,
    SignInThrottle,
    SubmitAddressThrottle,
    SubmitThrottle,
)

TAG = ["public: portal"]
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,128}$")
REFERENCE = re.compile(r"^[0-9A-Za-z\-]{1,32}$")


def not_found() -> DomainError:
    return DomainError(_("Không tìm thấy phản ánh."), code="not_found", status_code=404)


def sign_in_required() -> DomainError:
    return DomainError(
        _("Vui lòng đăng nhập bằng số điện thoại."), code="sign_in_required", status_code=401
    )


def clean_reference(raw: str) -> str:
    reference = "".join(raw.split()).upper()
    if not REFERENCE.match(reference):
        raise DomainError(
            _("Số phản ánh không hợp lệ."),
            code="invalid_reference",
            details={"reference": _("Ví dụ 1022-2026-000123.")},
        )
    return reference


class PortalView(BatchedThrottlesMixin, APIView):
    permission_classes = [AllowAny]
    throttle_classes: list[type[BaseThrottle]] = [PortalThrottle]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            # every write needs the page's CSRF token, signed in or not (DRF checks it only
            # for a signed-in session; signing in and asking for a code need it too)
            SessionAuthentication().enforce_csrf(request)

    def resident(self) -> User:
        user = self.request.user
        if not user.is_authenticated or not isinstance(user, User):
            raise sign_in_required()
        return user


class ReportLookupView(PortalView):
    """GET reports/<reference> — a published report's public face (a merged one: its master)."""

    authentication_classes: list[type] = []
    throttle_classes = [PortalThrottle, LookupThrottle]

    @extend_schema(
        summary="Tra cứu phản ánh — a published report by reference",
        request=None,
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT), **errors(400, 404, 429)},
        tags=TAG,
    )
    def get(self, request: Request, reference: str) -> Response:
        reference = clean_reference(reference)
        incident = portal_report(reference=reference)
        if incident is None and (target := merged_target(reference=reference)):
            incident = portal_report(reference=target)
        if incident is None:
            raise not_found()
        body = public_report(incident, interested=follower_count(incident_id=incident.pk) + 1)
        return Response(body)


class WebPhoneIn(serializers.Serializer):
    phone = serializers.CharField(max_length=32)

    def validate_phone(self, value: str) -> str:
        return phone_from(value)


class WebSignInIn(WebPhoneIn):
    code = serializers.RegexField(r"^[0-9]{4,8}$")


def _masked(phone: str | None) -> str:
    phone = phone or ""
    return f"{phone[:-7]}····{phone[-3:]}" if len(phone) > 7 else "····"


class SessionCodeView(PortalView):
    """POST session/code {phone} — text a sign-in code (the app's codes and limits)."""

    authentication_classes: list[type] = []
    throttle_classes = [CodeThrottle]

    @extend_schema(
        summary="Gửi mã đăng nhập — text a sign-in code",
        request=WebPhoneIn,
        responses={202: OpenApiResponse(OpenApiTypes.OBJECT), **errors(400, 403, 429)},
        tags=TAG,
    )
    def post(self, request: Request) -> Response:
        data = WebPhoneIn(data=request.data)
        data.is_valid(raise_exception=True)
        row = otp_request(phone=data.validated_data["phone"])
        body = {
            "phone": _masked(row.phone),
            "expires_in": settings.OTP_TTL_SECONDS,
            "resend_after": settings.OTP_RESEND_SECONDS,
        }
        return Response(body, status=status.HTTP_202_ACCEPTED)


class SessionView(PortalView):
    """GET session — who is signed in; POST {phone, code} — sign in; DELETE — sign out."""

    def get_throttles(self) -> list[BaseThrottle]:
        if self.request.method == "POST":
            return [SignInThrottle()]
        return [PortalThrottle()]

    @extend_schema(
        summary="Phiên đăng nhập — who is signed in",
        request=None,
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT), **errors(429)},
        tags=TAG,
    )
    def get(self, request: Request) -> Response:
        user = request.user
        if not user.is_authenticated or not getattr(user, "phone", ""):
            return Response({"signed_in": False})
        return Response({"signed_in": True, "phone": _masked(user.phone)})

    @extend_schema(
        summary="Đăng nhập bằng mã SMS — sign in (a web session)",
        request=WebSignInIn,
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT), **errors(400, 403, 429)},
        tags=TAG,
    )
    def post(self, request: Request) -> Response:
        data = WebSignInIn(data=request.data)
        data.is_valid(raise_exception=True)
        user = otp_verify(**data.validated_data)
        login(request._request, user, backend="django.contrib.auth.backends.ModelBackend")
        return Response({"signed_in": True, "phone": _masked(user.phone)})

    @extend_schema(
        summary="Đăng xuất — sign out",
        request=None,
        responses={204: None, **errors(403, 429)},
        tags=TAG,
    )
    def delete(self, request: Request) -> Response:
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebReportIn(serializers.Serializer):
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.filter(is_active=True)
    )
    description = serializers.CharField(max_length=4000, trim_whitespace=True)
    address = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    lat = serializers.CharField(required=False, allow_blank=True)
    lon = serializers.CharField(required=False, allow_blank=True)
    photos = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        max_length=5,
        required=False,
        default=list,
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs["location"] = point_from(
            {"lat": attrs.pop("lat", ""), "lon": attrs.pop("lon", "")}, required=False
        )
        return attrs


def idempotency_key_from(request: Request) -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not KEY_PATTERN.match(key):
        raise DomainError(
            _("Thiếu hoặc sai Idempotency-Key (1–128 ký tự ASCII)."),
            code="invalid_idempotency_key",
            details={"Idempotency-Key": key[:140]},
        )
    return key


class ReportsView(PortalView):
    """POST reports — file a report from the web (multipart; signed in; Idempotency-Key)."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]
    throttle_classes = [PortalThrottle, SubmitThrottle, SubmitAddressThrottle]

    @extend_schema(
        summary="Gửi phản ánh từ web — file a report (channel web)",
        request={"multipart/form-data": WebReportIn},
        responses={
            201: OpenApiResponse(OpenApiTypes.OBJECT),
            200: OpenApiResponse(OpenApiTypes.OBJECT),
            **errors(400, 401, 403, 413, 422, 429, 507),
        },
        tags=TAG,
    )
    def post(self, request: Request) -> Response:
        resident = self.resident()
        key = idempotency_key_from(request)
        data = WebReportIn(data=request.data)
        data.is_valid(raise_exception=True)
        result = incident_submit(
            reporter=resident, idempotency_key=key, channel=Channel.WEB, **data.validated_data
        )
        incident = result.incident
        body = {
            "reference": incident.reference,
            "status": incident.status,
            "public_url": public_report_path(incident.reference),
        }
        return Response(body, status=status.HTTP_201_CREATED if result.created else 200)


class WebRatingIn(serializers.Serializer):
    stars = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class MyRatingView(PortalView):
    """POST me/reports/<reference>/rating {stars, comment} — rate (low stars soon: reopen)."""

    @extend_schema(
        summary="Đánh giá kết quả — rate my report",
        request=WebRatingIn,
        responses={
            201: OpenApiResponse(OpenApiTypes.OBJECT),
            **errors(400, 401, 403, 404, 409, 429),
        },
        tags=TAG,
    )
    def post(self, request: Request, reference: str) -> Response:
        resident = self.resident()
        mine = reports_of(reporter_id=resident.pk).filter(reference=clean_reference(reference))
        incident_id = mine.values_list("id", flat=True).first()
        if incident_id is None:
            raise not_found()
        data = WebRatingIn(data=request.data)
        data.is_valid(raise_exception=True)
        rating, reopened = incident_rate(
            incident_id=incident_id, reporter=resident, **data.validated_data
        )
        body = {"stars": rating.stars, "reopened": reopened}
        return Response(body, status=status.HTTP_201_CREATED)


class FollowView(PortalView):
    """POST/DELETE follows/<reference> — follow a published report, or stop (idempotent)."""

    @extend_schema(
        summary="Theo dõi phản ánh — follow by reference",
        request=None,
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT), **errors(400, 401, 403, 404, 429)},
        tags=TAG,
    )
    def post(self, request: Request, reference: str) -> Response:
        return Response(follows.follow(self.resident(), clean_reference(reference)))

    @extend_schema(
        summary="Bỏ theo dõi — unfollow by reference",
        request=None,
        responses={204: None, **errors(400, 401, 403, 429)},
        tags=TAG,
    )
    def delete(self, request: Request, reference: str) -> Response:
        follows.unfollow(self.resident(), clean_reference(reference))
        return Response(status=status.HTTP_204_NO_CONTENT)


class FollowListView(PortalView):
    """GET me/follows — the reports I follow, newest follow first."""

    @extend_schema(
        summary="Phản ánh tôi theo dõi — the reports I follow",
        request=None,
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT), **errors(401, 429)},
        tags=TAG,
    )
    def get(self, request: Request) -> Response:
        return Response({"results": follows.followed(self.resident())})


class CategoriesView(PortalView):
    authentication_classes: list[type] = []

    @extend_schema(
        summary="Lĩnh vực — categories",
        request=None,
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT), **errors(429)},
        tags=TAG,
    )
    def get(self, request: Request) -> Response:
        rows = [{"code": c.code, "name": c.name, "name_en": c.name_en} for c in active_categories()]
        return Response({"results": rows})
