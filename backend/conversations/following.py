"""Following a report by its reference from a chat (Zalo, Messenger, SMS): the same follow as
the web and the app (`portal.follows` → `notifications.services.report_follow`), for the account
the conversation belongs to — the chat identity's or the phone number's resident, created on
their first message as for filing a report. Followers then hear of status changes on the
channel they use (`notifications.fallback`).

What is a command (read on folded text, so "Theo Dõi", "theo doi" and "FOLLOW" alike):
- follow: "theo dõi" / "quan tâm" / "follow" and one or more references (1022-2026-000123, also
  typed with spaces, dots or slashes, or without the leading zeros) anywhere in a short message
  (at most MAX_WORDS words: a longer one is a description that happens to quote a reference);
- unfollow: the same with "bỏ / hủy / ngừng / thôi / không theo dõi", "unfollow", "stop following";
- the list: "danh sách theo dõi", "đang theo dõi", "following", "my follows" as the whole message;
- the word alone, or with a few words that are not a valid reference ("theo dõi PA-12"): how to
  write it. Nothing is stored;
- a reference alone ("1022-2026-000123", "phản ánh số …"): its public status and link, and how to
  follow it. Nothing is stored.
A command is recognised at every step of a dialogue, as «hủy» is: the report being drafted stays
as it was, and the reply says so. The reply is in the language of the command word ("follow" →
English, "theo dõi" → Vietnamese), whatever the language of the dialogue (a reference alone: the
dialogue's).
Only a published report can be followed; an unknown and an unpublished reference get the same
reply, so the chat does not tell which reports exist. Unfollowing works for any report followed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils import translation

from backend.accounts.models import User
from backend.common.errors import DomainError
from backend.common.links import public_report_url
from backend.incidents.references import references_in
from backend.incidents.selectors.portal import published_by_reference
from backend.notifications.selectors import follows_of
from backend.portal.follows import follow_published, followed, unfollow

from . import texts as t

MAX_WORDS = 25
MAX_LISTED = 10

_UNFOLLOW = re.compile(
    r"\b(?:(?:bo|huy|ngung|thoi|khong|dung) theo doi|unfollow|stop following|stop follow)\b"
)
_FOLLOW = re.compile(r"\b(?:theo doi|quan tam|follow)\b")
_LIST = frozenset(
    {
        "danh sach theo doi",
        "ds theo doi",
        "dang theo doi",
        "toi dang theo doi",
        "theo doi cua toi",
        "following",
        "my follows",
        "follows",
        "list follows",
        "follow list",
    }
)
_ENGLISH = ("follow", "unfollow", "stop follow", "following", "my follows", "list follows")
# words that may stand around a reference in a command ("theo dõi giúp tôi phản ánh số …")
_FILLER = frozenset(
    {"phan", "anh", "so", "ma", "bao", "cao", "giup", "toi", "minh", "cho", "voi", "a", "nhe"}
    | {"di", "report", "ref", "reference", "no", "number", "my", "the", "please", "of"}
)

# …and around a reference sent to ask how it stands ("tình trạng phản ánh …", "status of …")
_STATUS = frozenset({"tinh", "trang", "thai", "xem", "kiem", "tra", "hoi", "status", "check"})


@dataclass(frozen=True)
class Command:
    action: str  # follow | unfollow | list | help | invalid | status
    language: str
    references: list[str] = field(default_factory=list)


def _language(word: str) -> str:
    return "en" if word.startswith(_ENGLISH) else "vi"


def command_of(text: str, language: str = "vi") -> Command | None:
    """The follow command `text` is, or None when it is something else (a description…).
    `language`: the dialogue's, for a message without a command word."""
    words = t.command(text)
    if words in _LIST:
        return Command("list", _language(words))
    found = _UNFOLLOW.search(words) or _FOLLOW.search(words)
    if found is None:
        return _status_asked(text, words, language)
    action = "unfollow" if found.re is _UNFOLLOW else "follow"
    language = _language(found.group(0))
    references = references_in(text)
    if references:
        if len(words.split()) > MAX_WORDS:
            return None
        return Command(action, language, references)
    if found.start() != 0:
        return None
    rest = [w for w in words[found.end() :].split() if w not in _FILLER]
    if not rest:
        return Command("help", language)
    if len(rest) <= 3 and any(c.isdigit() for c in "".join(rest)):
        return Command("invalid", language)  # a reference, mistyped or forged
    return None


def _status_asked(text: str, words: str, language: str) -> Command | None:
    """A message that is only references (and words such as "phản ánh số")."""
    references = references_in(text)
    if not references:
        return None
    rest = [w for w in words.split() if w not in _FILLER | _STATUS and not w.isdigit()]
    return None if rest else Command("status", language, references)


def command_take(*, user: User, text: str, draft: bool, language: str = "vi") -> str | None:
    """Carry out the follow command `text` for `user`; the reply to send, or None when `text`
    is not such a command. `draft`: a report is being drafted in the conversation;
    `language`: the dialogue's."""
    command = command_of(text, language)
    if command is None:
        return None
    with translation.override(command.language):
        if command.action == "list":
            lines = _listing(user)
        elif command.action in ("help", "invalid"):
            lines = [str(t.REFERENCE_INVALID)] if command.action == "invalid" else []
            lines.append(str(t.FOLLOW_HELP))
        elif command.action == "status":
            lines = [_status_one(user, reference) for reference in command.references]
        elif command.action == "unfollow":
            lines = [_unfollow_one(user, reference) for reference in command.references]
        else:
            lines = [_follow_one(user, reference) for reference in command.references]
        if draft:
            lines.append(str(t.DRAFT_KEPT))
        return "\n\n".join(lines)


def _follow_one(user: User, reference: str) -> str:
    before = follows_of(user_id=user.pk).filter(incident__reference=reference).exists()
    try:
        incident = follow_published(user, reference)
    except DomainError:
        return str(t.FOLLOW_NOT_FOUND) % {"reference": reference}
    values = {
        "reference": incident.reference,
        "status": incident.get_status_display(),
        "link": public_report_url(incident.reference),
    }
    return str(t.ALREADY_FOLLOWING if before else t.FOLLOWING) % values


def _status_one(user: User, reference: str) -> str:
    incident = published_by_reference(reference=reference)
    if incident is None:
        return str(t.FOLLOW_NOT_FOUND) % {"reference": reference}
    following = follows_of(user_id=user.pk).filter(incident=incident).exists()
    values = {
        "reference": incident.reference,
        "status": incident.get_status_display(),
        "link": public_report_url(incident.reference),
    }
    return str(t.STATUS_FOLLOWING if following else t.STATUS_FOLLOW_OFFER) % values


def _unfollow_one(user: User, reference: str) -> str:
    stopped = unfollow(user, reference)
    return str(t.UNFOLLOWED if stopped else t.NOT_FOLLOWING) % {"reference": reference}


def _listing(user: User) -> list[str]:
    rows = followed(user)
    if not rows:
        return [str(t.FOLLOWS_NONE)]
    lines = [str(t.FOLLOWS_HEADER)]
    for row in rows[:MAX_LISTED]:
        if row["status"] is None:
            lines.append(str(t.FOLLOWS_ROW_HIDDEN) % {"reference": row["reference"]})
        else:
            values = {
                "reference": row["reference"],
                "status": row["status_display"],
                "link": public_report_url(row["reference"]),
            }
            lines.append(str(t.FOLLOWS_ROW) % values)
    if len(rows) > MAX_LISTED:
        lines.append(str(t.FOLLOWS_MORE) % {"count": len(rows) - MAX_LISTED})
    return ["\n".join(lines)]
