"""What a mail is about, read from its words: the category, a place, the report it answers.

- Category: the category's own name split into phrases ("Ngập nước, thoát nước" → "ngap nuoc",
  "thoat nuoc") plus the everyday words of `EXTRA_KEYWORDS`, compared folded (lower case, no
  diacritics) on whole words; `#code` (e.g. "#flooding") names one outright. The category with
  the most hits wins; a tie or no hit → None (the triage inbox decides).
- Place: a "lat, lon" pair in the text (also inside a map link) → a point; a ward named as
  "phường X" / "xã X" → that ward (an operator then confirms the spot).
- Reference: one of our update mails' ids in In-Reply-To/References, else a reference number
  written in the subject ("Re: [1022] Phản ánh 1022-2026-000123").
- A reply's quoted part (lines starting with ">", from "On … wrote:" / "Vào … đã viết:") is
  dropped: the addition is what the resident wrote now.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.contrib.gis.geos import Point

from backend.notifications.mail_thread import reference_from_message_ids
from backend.units.models import Category
from geo.locate import boundary_set_id_at
from geo.models import ASSIGNABLE_LEVELS, AdminArea
from geo.points import InvalidCoordinates, make_point

from .parse import ParsedMail

EXTRA_KEYWORDS = {
    "road-damage": ["o ga", "sut lun", "hu hong mat duong", "vo via he", "nut duong"],
    "street-lighting": ["den duong", "den khong sang", "mat den", "chap dien"],
    "flooding": ["ngap", "ngap nuoc", "cong nghet", "tac cong", "nap cong"],
    "trees": ["cay do", "cay nga", "gay canh", "cay nghieng"],
    "encroachment": ["lan chiem", "buon ban via he", "chiem via he", "hang rong"],
    "illegal-construction": ["xay dung trai phep", "xay khong phep", "coi noi"],
    "rubbish": ["rac", "rac thai", "do rac", "bai rac"],
    "pollution": ["o nhiem", "khoi", "bui", "mui hoi", "boc mui", "nuoc thai"],
    "noise": ["on ao", "karaoke", "tieng on", "loa keo"],
    "traffic-signals": ["den giao thong", "bien bao", "den do"],
    "traffic-congestion": ["ket xe", "un tac", "tac duong"],
    "traffic-accident": ["tai nan", "va cham"],
    "security-order": ["trom", "cuop", "danh nhau", "gay roi"],
    "health": ["ngo doc", "thuc pham ban", "dich benh"],
}
NEVER_GUESSED = {"other"}
REFERENCE = re.compile(r"\b(1022-\d{4}-\d{6,})\b")
LAT_LON = re.compile(r"(?<![\d.])(-?\d{1,2}\.\d{3,})\s*[,;]\s*(-?\d{1,3}\.\d{3,})(?![\d.])")
AREA_WORDS = re.compile(r"\b(?:phuong|xa|p\.)\s*([a-z0-9][a-z0-9 ]{1,40})")
QUOTE_START = re.compile(r"^(on .+ wrote:|vao .+ da viet:|-----original message-----)$")


def fold(text: str) -> str:
    """Lower case without diacritics (đ → d): what people type without Vietnamese keyboards."""
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", re.sub(r"[^\w#.\-]+", " ", text)).strip()


def _phrases(category: Category) -> set[str]:
    parts = re.split(r"[,()/;]| và ", category.name)
    return {fold(p) for p in parts if fold(p)} | set(EXTRA_KEYWORDS.get(category.code, []))


def category_for(text: str) -> Category | None:
    folded = f" {fold(text)} "
    categories = [c for c in Category.objects.filter(is_active=True) if c.code not in NEVER_GUESSED]
    for category in categories:
        if f" #{category.code} " in folded:
            return category
    scores = []
    for category in categories:
        hits = sum(1 for phrase in _phrases(category) if f" {phrase} " in folded)
        if hits:
            scores.append((hits, category))
    scores.sort(key=lambda pair: -pair[0])
    if not scores or (len(scores) > 1 and scores[0][0] == scores[1][0]):
        return None
    return scores[0][1]


def point_in_text(text: str) -> Point | None:
    for found in LAT_LON.finditer(text):
        try:
            return make_point(found[2], found[1])
        except InvalidCoordinates:
            continue
    return None


@dataclass(frozen=True)
class NamedArea:
    name: str
    point: Point


def area_in_text(text: str) -> NamedArea | None:
    """The ward (commune, special zone) the text names, with a point inside it."""
    folded = fold(text)
    named = {m.strip() for m in AREA_WORDS.findall(folded)}
    if not named:
        return None
    set_id = boundary_set_id_at()
    areas = AdminArea.objects.filter(boundary_set_id=set_id, level__in=ASSIGNABLE_LEVELS)
    for area_id, name, short in areas.values_list("pk", "name", "short_name"):
        key = fold(short or re.sub(r"^(phường|xã|đặc khu)\s+", "", name, flags=re.IGNORECASE))
        if any(candidate == key or candidate.startswith(key + " ") for candidate in named):
            geom = AdminArea.objects.only("geom").get(pk=area_id).geom
            return NamedArea(name, geom.point_on_surface)
    return None


def reference_in(mail: ParsedMail) -> str | None:
    found = reference_from_message_ids(mail.in_reply_to, mail.references)
    if found:
        return found
    in_subject = REFERENCE.search(mail.subject)
    return in_subject[1] if in_subject else None


def without_quote(text: str) -> str:
    kept = []
    for line in text.splitlines():
        if QUOTE_START.match(fold(line) + (":" if line.rstrip().endswith(":") else "")):
            break
        if not line.lstrip().startswith(">"):
            kept.append(line)
    return "\n".join(kept).strip()
