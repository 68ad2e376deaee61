"""Vietnamese phone numbers → E.164 (+84…), the one form stored and sent to SMS gateways."""

from __future__ import annotations

import re

# Mobile prefixes renumbered from 11 to 10 digits in 2018 (old 01xx → new 0xx).
_OLD_PREFIXES = {
    "162": "32", "163": "33", "164": "34", "165": "35", "166": "36", "167": "37",
    "168": "38", "169": "39", "120": "70", "121": "79", "122": "77", "126": "76",
    "128": "78", "123": "83", "124": "84", "125": "85", "127": "81", "129": "82",
    "186": "56", "188": "58", "199": "59",
}  # fmt: skip
_MOBILE_FIRST_DIGITS = set("35789")
_SEPARATORS = re.compile(r"[\s().\-]")


class InvalidPhone(ValueError):
    pass


def normalise_phone(raw: str) -> str:
    """'0901 234 567', '+84 90-123-4567', '84901234567', '0162…' → '+84901234567'.

    Only Vietnamese mobile numbers are accepted: they are the ones that receive SMS codes.
    """
    text = _SEPARATORS.sub("", raw or "")
    if text.startswith("+84"):
        national = text[3:]
    elif text.startswith("0084"):
        national = text[4:]
    elif text.startswith("84") and len(text) in (11, 12):
        national = text[2:]
    elif text.startswith("0"):
        national = text[1:]
    else:
        raise InvalidPhone(raw)
    if national.startswith("0"):  # "+84 (0) 90…"
        national = national[1:]
    if not national.isdigit() or not national.isascii():
        raise InvalidPhone(raw)
    if len(national) == 10 and national[:3] in _OLD_PREFIXES:
        national = _OLD_PREFIXES[national[:3]] + national[3:]
    if len(national) != 9 or national[0] not in _MOBILE_FIRST_DIGITS:
        raise InvalidPhone(raw)
    return "+84" + national
