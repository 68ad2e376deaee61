"""Links people receive in messages (SMS, e-mail, Zalo, Messenger) to the public site.

The public report page is `/phan-anh/<reference>/` on `PUBLIC_BASE_URL` (the address residents
reach the portal at); every channel builds its link here, so the path is written once.
"""

from __future__ import annotations

from django.conf import settings

REPORT_PATH = "/phan-anh/{reference}/"


def public_report_path(reference: str) -> str:
    return REPORT_PATH.format(reference=reference)


def public_report_url(reference: str) -> str:
    """The absolute address of a report's public page, e.g. https://1022.example.vn/phan-anh/HCM-…/"""
    return settings.PUBLIC_BASE_URL.rstrip("/") + public_report_path(reference)
