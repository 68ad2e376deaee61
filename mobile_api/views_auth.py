"""Sign-in: phone → SMS code → tokens; refresh; sign-out."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.authentication import BearerTokenAuthentication
from backend.accounts.models import AuthToken
from backend.accounts.services import (
    IssuedTokens,
    otp_request,
    otp_sign_in,
    token_refresh,
    token_revoke,
)
from backend.common.schema import errors

from . import schema as _schema  # noqa: F401 — registers the bearer scheme
from .serializers import OtpSentOut, PhoneIn, RefreshIn, SignInIn, TokensOut
from .throttles import OtpThrottle, SignInThrottle


def tokens_payload(issued: IssuedTokens) -> dict[str, object]:
    return dict(
        TokensOut(
            {
                "token_type": "Bearer",
                "access": issued.access,
                "refresh": issued.refresh,
                "access_expires_at": issued.token.access_expires_at,
                "refresh_expires_at": issued.token.refresh_expires_at,
            }
        ).data
    )


class PublicView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]


class OtpRequestView(PublicView):
    throttle_classes = [OtpThrottle]

    @extend_schema(
        summary="Gửi mã đăng nhập qua SMS — send a sign-in code",
        request=PhoneIn,
        responses={202: OtpSentOut},
        tags=["mobile: sign-in"],
    )
    def post(self, request: Request) -> Response:
        data = PhoneIn(data=request.data)
        data.is_valid(raise_exception=True)
        row = otp_request(phone=data.validated_data["phone"])
        body = OtpSentOut(
            {
                "phone": row.phone,
                "expires_in": settings.OTP_TTL_SECONDS,
                "resend_after": settings.OTP_RESEND_SECONDS,
            }
        ).data
        return Response(body, status=status.HTTP_202_ACCEPTED)


class SignInView(PublicView):
    throttle_classes = [SignInThrottle]

    @extend_schema(
        summary="Đổi mã SMS lấy token — exchange the SMS code for tokens",
        request=SignInIn,
        responses={200: TokensOut},
        tags=["mobile: sign-in"],
    )
    def post(self, request: Request) -> Response:
        data = SignInIn(data=request.data)
        data.is_valid(raise_exception=True)
        issued = otp_sign_in(**data.validated_data)
        return Response(tokens_payload(issued))


class RefreshView(PublicView):
    throttle_classes = [SignInThrottle]

    @extend_schema(
        summary="Làm mới token — rotate the token pair",
        request=RefreshIn,
        responses={200: TokensOut, **errors(401)},
        tags=["mobile: sign-in"],
    )
    def post(self, request: Request) -> Response:
        data = RefreshIn(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(tokens_payload(token_refresh(refresh=data.validated_data["refresh"])))


class SignOutView(APIView):
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Đăng xuất — revoke the current tokens",
        request=None,
        responses={204: None},
        tags=["mobile: sign-in"],
    )
    def post(self, request: Request) -> Response:
        assert isinstance(request.auth, AuthToken)
        token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)
