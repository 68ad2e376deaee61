"""The devices that receive a resident's push notifications (FCM tokens)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from backend.notifications.services import device_register, device_unregister

from .serializers import DeviceIn
from .views_reports import ResidentView


class DevicesView(ResidentView):
    @extend_schema(
        summary="Đăng ký thiết bị nhận thông báo — register an FCM token",
        request=DeviceIn,
        responses={201: DeviceIn},
        tags=["mobile: devices"],
    )
    def post(self, request: Request) -> Response:
        data = DeviceIn(data=request.data)
        data.is_valid(raise_exception=True)
        device = device_register(user=self.resident(), **data.validated_data)
        return Response(DeviceIn(device).data, status=status.HTTP_201_CREATED)


class DeviceView(ResidentView):
    @extend_schema(
        summary="Hủy đăng ký thiết bị (khi đăng xuất) — unregister on sign-out",
        responses={204: None},
        tags=["mobile: devices"],
    )
    def delete(self, request: Request, token: str) -> Response:
        device_unregister(user=self.resident(), token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)
