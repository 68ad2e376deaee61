"""The submit's plain-dict body (report_created) is what ReportCreatedOut documents."""

from __future__ import annotations

import pytest
from django.utils import translation

from backend.common.renderers import JSONRenderer
from mobile_api.serializers import ReportCreatedOut, report_created
from tests.incidents.factories import make_incident


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["vi", "en"])
def test_report_created_renders_as_the_documented_serializer(language: str) -> None:
    routed = make_incident()
    unrouted = make_incident()
    unrouted.unit = None  # a report no unit took yet
    assert routed.unit is not None and routed.due_at is not None
    renderer = JSONRenderer()
    with translation.override(language):
        for incident in (routed, unrouted):
            documented = renderer.render(ReportCreatedOut(incident).data)
            assert renderer.render(report_created(incident)) == documented
