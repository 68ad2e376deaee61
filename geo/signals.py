"""Signals are used for one thing only: dropping the in-process area cache."""

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import locate
from .models import AdminArea, BoundarySet


@receiver([post_save, post_delete], sender=AdminArea)
@receiver([post_save, post_delete], sender=BoundarySet)
def _drop_area_cache(**kwargs: Any) -> None:
    locate.clear_cache()
