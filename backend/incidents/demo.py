"""Demo incidents for `make run` (`manage.py seed --demo`): a city that looks lived in.

Everything goes through the production services (submit, transition, assign, resolve), so the
history, deadlines and notification jobs are real. Idempotent: nothing is added once the demo
resident has reports. Never called by the tests' seed.
"""

from __future__ import annotations

import io
import random

from django.contrib.auth import get_user_model
from PIL import Image

from backend.units.models import Category, Membership, Role
from backend.units.seed import DEMO_WARDS
from geo.points import make_point
from geo.selectors import sample_points

from .models import Incident, Status
from .services.handling import incident_assign
from .services.resolution import incident_add_resolution_photo
from .services.submit import incident_submit
from .services.workflow import incident_transition

DEMO_RESIDENT = "demo.resident"
TEXTS = {
    "road-damage": "Ổ gà lớn giữa đường, xe máy dễ té ngã khi trời mưa.",
    "street-lighting": "Đèn đường hư mấy đêm nay, cả đoạn đường tối om.",
    "flooding": "Mưa lớn là ngập tới bánh xe, nước rút rất chậm.",
    "trees": "Cây xanh nghiêng, nhánh khô có thể gãy rơi xuống đường.",
    "encroachment": "Quán lấn chiếm hết vỉa hè, người đi bộ phải xuống lòng đường.",
    "illegal-construction": "Công trình đang xây thêm tầng, không thấy bảng giấy phép.",
    "rubbish": "Rác tập kết bừa bãi ở góc đường, bốc mùi hôi.",
    "pollution": "Khói bụi từ xưởng gần nhà, buổi tối rất khó thở.",
    "noise": "Karaoke mở lớn sau 22 giờ nhiều đêm liền.",
    "traffic-signals": "Đèn tín hiệu giao lộ chỉ chớp vàng từ sáng đến giờ.",
}
# how far along the workflow each demo report goes, cycling
STAGES = ["new", "received", "assigned", "in_progress", "resolved", "closed"]


def seed_demo_incidents(count: int = 60) -> int:
    """Create `count` demo reports (half in the demo staff's wards); 0 if they exist already."""
    users = get_user_model()
    resident, _ = users.objects.get_or_create(
        username=DEMO_RESIDENT, defaults={"phone": "+84900001022", "first_name": "Dân"}
    )
    if Incident.objects.filter(reporter=resident).exists():
        return 0
    rng = random.Random(1022)
    categories = list(Category.objects.filter(is_active=True, code__in=TEXTS))
    points = sample_points(per_area=12, seed=1022)
    demo_ward_ids = _demo_ward_ids()
    near = [p for p in points if p[0] in demo_ward_ids]
    for i in range(count):
        _, lon, lat = rng.choice(near if near and rng.random() < 0.6 else points)
        category = rng.choice(categories)
        incident = incident_submit(
            reporter=resident,
            category=category,
            description=TEXTS[category.code],
            location=make_point(lon, lat),
            idempotency_key=f"demo-{i}",
        ).incident
        _advance(incident, STAGES[i % len(STAGES)])
    return count


def _demo_ward_ids() -> set[int]:
    from geo.models import AdminArea

    return set(AdminArea.objects.filter(code__in=DEMO_WARDS.values()).values_list("pk", flat=True))


def _advance(incident: Incident, stage: str) -> None:
    """Walk the report through the workflow with its unit's demo staff, if it has any."""
    if incident.unit_id is None:
        return
    staff = {
        m.role: m.user
        for m in Membership.objects.filter(unit_id=incident.unit_id).select_related("user")
    }
    if stage == "new" or Role.OPERATOR not in staff or Role.HANDLER not in staff:
        return
    incident = incident_transition(
        actor=staff[Role.OPERATOR], incident=incident, to_status=Status.RECEIVED
    )
    if stage == "received":
        return
    incident = incident_assign(
        actor=staff[Role.OPERATOR], incident=incident, assignee=staff[Role.HANDLER]
    )
    if stage == "assigned":
        return
    handler = staff[Role.HANDLER]
    incident = incident_transition(actor=handler, incident=incident, to_status=Status.IN_PROGRESS)
    if stage == "in_progress":
        return
    incident_add_resolution_photo(actor=handler, incident=incident, upload=_photo())
    incident = incident_transition(
        actor=handler,
        incident=Incident.objects.get(pk=incident.pk),
        to_status=Status.RESOLVED,
        note="Đã xử lý xong, hiện trường đã được dọn sạch.",
    )
    if stage == "closed":
        incident_transition(actor=staff[Role.OPERATOR], incident=incident, to_status=Status.CLOSED)


def _photo() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (46, 125, 50)).save(buffer, "JPEG", quality=80)
    buffer.seek(0)
    buffer.name = "ket-qua.jpg"
    return buffer
