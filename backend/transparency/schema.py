"""OpenAPI shapes of the public statistics (the views return the selectors' dicts)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers


class FiguresOut(serializers.Serializer):
    received = serializers.IntegerField()
    resolved = serializers.IntegerField()
    late = serializers.IntegerField()
    late_rate = serializers.FloatField(allow_null=True)
    on_time_rate = serializers.FloatField(allow_null=True)
    median_hours_to_resolve = serializers.FloatField(allow_null=True)
    average_rating = serializers.FloatField(allow_null=True)
    emergencies_received = serializers.IntegerField(help_text="emergencies (also counted above)")
    emergencies_resolved = serializers.IntegerField()
    emergencies_late = serializers.IntegerField()
    emergencies_late_rate = serializers.FloatField(allow_null=True)


class GroupFiguresOut(FiguresOut):
    id = serializers.IntegerField(allow_null=True)
    code = serializers.CharField(allow_null=True)
    name = serializers.CharField(allow_null=True)
    name_en = serializers.CharField(allow_null=True, allow_blank=True)


class PeriodOut(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    start = serializers.DateField()
    end = serializers.DateField(help_text="the last day, inclusive")


class StatisticsOut(serializers.Serializer):
    period = PeriodOut()
    group = serializers.ChoiceField(choices=["unit", "ward"])
    city = FiguresOut()
    rows = GroupFiguresOut(many=True)


class MonthOut(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    received = serializers.IntegerField()
    resolved = serializers.IntegerField()
    late = serializers.IntegerField()
    late_rate = serializers.FloatField(allow_null=True)
    on_time_rate = serializers.FloatField(allow_null=True)


class TrendOut(serializers.Serializer):
    months = MonthOut(many=True)


STATISTICS_PARAMETERS = [
    OpenApiParameter("group", str, enum=["unit", "ward"], description="default unit"),
    OpenApiParameter("period", str, description="`2026`, `2026Q1` or `2026-03`; default: now"),
    OpenApiParameter("from", str, description="YYYY-MM-DD, with `to` instead of `period`"),
    OpenApiParameter("to", str, description="YYYY-MM-DD, inclusive"),
]
TREND_PARAMETERS = [
    OpenApiParameter("from", str, description="YYYY-MM; default: 11 months before `to`"),
    OpenApiParameter("to", str, description="YYYY-MM; default: this month (≤ 120 months)"),
]
