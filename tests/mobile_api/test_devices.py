"""POST/DELETE /api/mobile/v1/devices: FCM tokens follow the signed-in user."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from backend.accounts.models import User
from backend.notifications.models import Device
from tests.mobile_api.fixtures import client_for, make_resident

pytestmark = pytest.mark.django_db
URL = "/api/mobile/v1/devices"
DEVICE = {
    "token": "fcm:APA91b-abc_123",
    "platform": "android",
    "app_version": "1.4.2",
    "language": "en",
}


def test_register_then_unregister(app: APIClient, resident: User) -> None:
    response = app.post(URL, DEVICE, format="json")
    assert response.status_code == 201 and response.json()["platform"] == "android"
    device = Device.objects.get()
    assert (device.user, device.language, device.app_version) == (resident, "en", "1.4.2")
    assert app.delete(f"{URL}/{DEVICE['token']}").status_code == 204
    assert not Device.objects.exists()


def test_re_registering_moves_the_token_to_the_current_user(app: APIClient) -> None:
    app.post(URL, DEVICE, format="json")
    other = make_resident("+84912345678")
    client_for(other).post(URL, {**DEVICE, "language": "vi"}, format="json")
    device = Device.objects.get()
    assert (device.user, device.language) == (other, "vi")


def test_cannot_delete_someone_elses_device(app: APIClient) -> None:
    app.post(URL, DEVICE, format="json")
    client_for(make_resident("+84912345678")).delete(f"{URL}/{DEVICE['token']}")
    assert Device.objects.count() == 1


def test_validation(app: APIClient) -> None:
    response = app.post(URL, {"token": "", "platform": "symbian"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["details"]) == {"token", "platform"}
