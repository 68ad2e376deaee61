"""GeoReport v2 bodies in XML or JSON (chosen by the URL suffix), errors included.

XML: a root element holding one element per item (`<service_requests><request>…`), nested lists
as a wrapper holding one element per entry (`<attributes><attribute>…`). JSON: the same items as
an array. Errors: `[{"code": 400, "description": "…"}]` / `<errors><error><code>…`.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse

CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# element name of one entry of a nested list, by the list's element name
ITEM_TAGS = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "photos": "photo",
    "notes": "note",
    "errors": "error",
}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list | tuple):
        tag = ITEM_TAGS.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, tag), child)
    else:
        element.text = _text(value)


def to_xml(root: str, item: str | None, data: Any) -> bytes:
    """`data`: a list of items under `root`, each an `item` element; or one dict (item=None)."""
    element = ET.Element(root)
    if item is None:
        _fill(element, data)
    else:
        for row in data:
            _fill(ET.SubElement(element, item), row)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8")


def to_json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def respond(fmt: str, root: str, item: str | None, data: Any, status: int = 200) -> HttpResponse:
    body = to_xml(root, item, data) if fmt == "xml" else to_json(data)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def error_response(fmt: str, status: int, descriptions: list[str]) -> HttpResponse:
    errors = [{"code": status, "description": text} for text in descriptions]
    return respond(fmt, "errors", "error", errors, status=status)
