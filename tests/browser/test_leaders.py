"""Staff alerts and the leaders' dashboard in a real browser: each role sees its alert in the
bell (and as a browser notification when it arrives while the page is open), and the dashboard
draws the API's numbers."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from procrastinate.contrib.django.models import ProcrastinateJob

from backend.incidents.models import Incident, Status
from backend.incidents.services.changes import NOTIFY_TASK, STAFF_ALERT_TASK
from backend.incidents.services.emergency import incident_mark_emergency
from backend.incidents.services.handling import incident_add_direction, incident_assign
from backend.notifications.alert_jobs import staff_alert
from backend.notifications.tasks import notify_incident_status_changed
from tests.incidents.factories import make_incident

from .conftest import PASSWORD
from .test_staff_workspace import axe_serious

pytestmark = [pytest.mark.browser]

# records what the page shows as browser notifications, then shows them (the real API)
RECORD_NOTIFICATIONS = """
window.HOTLINE_ALERT_POLL_MS = 300;
window.shownNotifications = [];
const RealNotification = window.Notification;
window.Notification = class extends RealNotification {
  constructor(title, options) { super(title, options); window.shownNotifications.push(title); }
};
"""


def run_alert_jobs() -> None:
    """The worker's part: run the alert jobs the changes deferred (running one twice is
    harmless: rows are unique per event, person and channel)."""
    tasks: dict[str, Any] = {
        STAFF_ALERT_TASK: staff_alert,
        NOTIFY_TASK: notify_incident_status_changed,
    }
    for job in ProcrastinateJob.objects.filter(task_name__in=tasks).order_by("id"):
        tasks[job.task_name](**job.args)


def user(name: str) -> Any:
    return get_user_model().objects.get(username=name)


def sign_in(page: Any, base: str, username: str, next_url: str) -> None:
    page.goto(f"{base}{reverse('staff-login')}?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")


def new_report() -> tuple[Incident, str]:
    return make_incident(description="Ngập nước sau mưa"), "Phản ánh mới"


def assignment() -> tuple[Incident, str]:
    incident = make_incident(status=Status.RECEIVED)
    incident = incident_assign(
        actor=user("saigon.lanhdao"), incident=incident, assignee=user("saigon.xuly")
    )
    return incident, "Bạn được phân công xử lý"


def direction() -> tuple[Incident, str]:
    incident = make_incident(status=Status.RECEIVED)
    incident_add_direction(actor=user("giamsat"), incident=incident, text="Báo cáo trong ngày")
    return incident, "Chỉ đạo mới"


def emergency() -> tuple[Incident, str]:
    incident = make_incident(status=Status.RECEIVED)
    incident_mark_emergency(actor=user("saigon.tiepnhan"), incident=incident, note="Cây đổ")
    return incident, "KHẨN CẤP"


@pytest.mark.parametrize(
    ("username", "cause"),
    [
        ("saigon.tiepnhan", new_report),
        ("saigon.xuly", assignment),
        ("saigon.lanhdao", direction),
        ("saigon.lanhdao", emergency),
    ],
    ids=["operator-new-report", "handler-assigned", "leader-direction", "leader-emergency"],
)
def test_each_role_is_alerted_in_the_bell_and_the_browser(
    page: Any, live_server: Any, username: str, cause: Any
) -> None:
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    page.add_init_script(RECORD_NOTIFICATIONS)
    sign_in(page, live_server.url, username, reverse("staff-dashboard"))
    page.wait_for_selector("#alerts-bell[data-polled]")
    page.locator("#alerts-bell > button").click()
    page.wait_for_selector("#alert-settings")  # the settings load with the list
    incident, text = cause()
    run_alert_jobs()
    page.wait_for_selector("#alerts-unread:not([hidden])")
    assert page.locator("#alerts-unread").inner_text() == "1"
    item = page.locator(f"#alerts-list li >> text={incident.reference}")
    assert text in item.inner_text()
    if text == "KHẨN CẤP":
        assert "emergency" in (item.get_attribute("class") or "")
    page.wait_for_function("window.shownNotifications.length > 0")
    assert text in page.evaluate("window.shownNotifications[0]")
    page.click("#alerts-read-all")
    page.wait_for_selector("#alerts-unread[hidden]", state="attached")
    assert not page.errors


def test_the_dashboard_draws_the_apis_numbers(page: Any, live_server: Any) -> None:
    make_incident(status=Status.RECEIVED)
    leader = user("saigon.lanhdao")
    incident = make_incident(status=Status.RECEIVED)
    incident_add_direction(actor=user("giamsat"), incident=incident, text="Xử lý gấp")
    sign_in(page, live_server.url, "saigon.lanhdao", reverse("staff-dashboard"))
    page.wait_for_selector("#board[data-loaded]")
    client = Client()
    client.force_login(leader)
    unit = page.locator("#scope select[name=unit]").input_value()
    body = client.get(reverse("staff:dashboard"), {"scope": "unit", "unit": unit}).json()
    assert page.locator("#kpi-open").inner_text() == str(body["open"]) == "2"
    assert page.locator("#kpi-overdue").inner_text() == str(body["overdue"])
    assert page.locator("#directions-count").inner_text() == "1"
    assert page.evaluate("window.Chart.getChart('trend-chart').data.labels.length") == 13
    digest = client.get(reverse("staff:digest"), {"unit": unit}).json()
    assert page.locator("#digest-sms").inner_text() == digest["sms"]
    assert page.locator("#periods tbody tr").count() == 3
    # every table says what it is to a screen reader; axe-core finds nothing serious
    captions = page.eval_on_selector_all("table", "ts => ts.map(t => t.caption?.textContent)")
    assert captions and all(captions)
    assert axe_serious(page) == []
    assert not page.errors
