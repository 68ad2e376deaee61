"""The language of server-rendered pages: Vietnamese unless the visitor chose English."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation


def vietnamese_unless_chosen(request: HttpRequest) -> None:
    """Vietnamese by default: only an explicit choice (the language cookie) switches to English,
    not the browser's Accept-Language."""
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = settings.LANGUAGE_CODE
