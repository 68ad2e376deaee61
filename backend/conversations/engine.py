"""The guided dialogue shared by Zalo, Messenger and SMS: one step per thing a resident sends.

It asks for what is missing, in this order — a description, the field (a numbered list), the
place (a shared location, a photo with GPS, or an address in text), photos (optional) — then
shows a summary to confirm. Confirmed, the conversation moves to `filing` and `filing.py` files
it through the intake service (or hands it to the triage inbox). At any step "hủy"/"cancel"
closes it, and "theo dõi <số phản ánh>"/"follow <reference>" (following.py) follows a report
without touching the draft. A question instead of a problem gets the best knowledge-base answer
and the offer of an operator ("tổng đài"), who then answers in the conversation from the triage
inbox.

`Dialogue.take` changes the conversation (state, collected data) and queues the replies, inside
the caller's transaction; it does no network I/O (photos arrive downloaded).
"""

from __future__ import annotations

from django.utils import timezone, translation
from django.utils.functional import Promise

from backend.contact.models import KnowledgeArticle
from backend.contact.selectors import article_search
from backend.contact.services.inbox import inbox_add
from backend.units.models import Category

from . import texts as t
from .following import command_take
from .models import Conversation, ConversationPhoto, ConversationState
from .outbound import reply_queue
from .photos import Downloaded

S = ConversationState
MAX_CHOICES = 9
MAX_PHOTOS = 5
MAX_FIELD_TRIES = 2
STOP_WORDS = frozenset(
    [
        "lam",
        "the",
        "nao",
        "sao",
        "gi",
        "o",
        "dau",
        "cho",
        "hoi",
        "xin",
        "toi",
        "minh",
        "muon",
        "can",
        "nhu",
        "thu",
        "tuc",
        "how",
        "what",
        "where",
        "when",
        "do",
        "i",
        "can",
        "to",
        "a",
        "the",
        "is",
    ]
)


def categories() -> list[Category]:
    return list(
        Category.objects.filter(is_active=True).order_by("sort_order", "code")[:MAX_CHOICES]
    )


def category_name(category: Category, language: str) -> str:
    return category.name_en if language == "en" and category.name_en else category.name


def transcript(conversation: Conversation) -> str:
    """The whole conversation as text (what the operator reads in the inbox)."""
    lines = []
    for message in conversation.messages.order_by("created_at", "id"):
        who = "Người dân" if message.direction == "in" else "1022"
        at = timezone.localtime(message.created_at)  # Vietnam time, as the operator reads it
        lines.append(f"[{at:%d/%m %H:%M}] {who}: {message.text}")
    return "\n".join(lines)


class Dialogue:
    def __init__(self, conversation: Conversation) -> None:
        self.c = conversation
        self.data = conversation.data

    # replies ---------------------------------------------------------------------------------

    def say(self, text: Promise | str, options: list[str] | None = None, **values: object) -> None:
        with translation.override(self.c.language):
            rendered = str(text) % values if values else str(text)
        reply_queue(self.c, rendered, options=options)

    def _choices(self) -> tuple[str, list[str]]:
        found = categories()
        self.data["choices"] = [c.code for c in found]
        names = [category_name(c, self.c.language) for c in found]
        return "\n".join(f"{i}. {n}" for i, n in enumerate(names, 1)), names

    # the step --------------------------------------------------------------------------------

    def take(
        self,
        *,
        texts: list[str],
        photos: list[Downloaded],
        photo_failed: int,
        location: tuple[float, float] | None,
        greeting: bool,
    ) -> None:
        text = "\n".join(x for x in texts if x).strip()
        if text and t.command(text) in t.CANCEL:
            self.close("cancelled")
            self.say(t.CANCELLED)
            return
        if text and not photos and location is None and self._follow_command(text):
            return
        if photo_failed:
            self.say(t.PHOTO_FAILED)
        added = self._keep_photos(photos)
        if location is not None:
            self.data["lon"], self.data["lat"] = location
        if greeting and not (text or added or location):
            self.say(t.GREETING)
            return
        handler = {
            S.DESCRIPTION: self._on_description,
            S.QUESTION: self._on_question,
            S.FIELD: self._on_field,
            S.LOCATION: self._on_location,
            S.PHOTOS: self._on_photos,
            S.CONFIRM: self._on_confirm,
            S.OPERATOR: self._on_operator,
        }.get(S(self.c.state))
        if handler is not None:
            handler(text, added)

    def _follow_command(self, text: str) -> bool:
        """Follow, unfollow or list followed reports (following.py), at any step: a draft is
        kept; a conversation opened only for the command is closed, so the next message starts
        afresh and no idle reminder follows."""
        draft = self._has_draft()
        reply = command_take(user=self.c.user, text=text, draft=draft, language=self.c.language)
        if reply is None:
            return False
        reply_queue(self.c, reply)
        if not draft and self.c.state == S.DESCRIPTION:
            self.close("follow")
        return True

    def _has_draft(self) -> bool:
        if self.c.state in (S.FIELD, S.LOCATION, S.PHOTOS, S.CONFIRM):
            return True
        return self.c.state == S.DESCRIPTION and bool(self.data or self.c.photos.exists())

    def _keep_photos(self, photos: list[Downloaded]) -> int:
        have = self.c.photos.count()
        added = 0
        for photo in photos:
            if have + added >= MAX_PHOTOS:
                self.say(t.PHOTO_LIMIT)
                break
            _row, created = ConversationPhoto.objects.get_or_create(
                conversation=self.c, sha256=photo.sha256, defaults={"content": photo.content}
            )
            added += int(created)
            if photo.gps is not None and "lon" not in self.data:
                self.data["lon"], self.data["lat"] = photo.gps
                self.data["from_photo"] = True
        return added

    def _on_description(self, text: str, added: int) -> None:
        if text and not self.data.get("description"):
            if t.is_question(text):
                self._answer(text)
                return
            self.data["description"] = text
        self.next()

    def _on_question(self, text: str, added: int) -> None:
        if text and t.command(text) in t.OPERATOR:
            self.to_operator()
            return
        if text and t.is_question(text):
            self._answer(text)
            return
        self.c.state = S.DESCRIPTION
        self._on_description(text, added)

    def _on_operator(self, text: str, added: int) -> None:
        pass  # the operator answers from the inbox; the messages are in the transcript

    def _on_field(self, text: str, added: int) -> None:
        code = self._pick(text)
        if code:
            self.data["category"] = code
        elif text:
            self.data["field_tries"] = self.data.get("field_tries", 0) + 1
            if self.data["field_tries"] < MAX_FIELD_TRIES:
                choices, names = self._choices()
                self.say(t.FIELD_UNKNOWN, names, choices=choices)
                return
            self.data["category"] = ""  # unclear: the operator will choose
        self.next()

    def _pick(self, text: str) -> str:
        codes: list[str] = self.data.get("choices") or [c.code for c in categories()]
        answer = t.command(text)
        if answer.isdigit() and 1 <= int(answer) <= len(codes):
            return codes[int(answer) - 1]
        if not answer:
            return ""
        for category in Category.objects.filter(code__in=codes, is_active=True):
            names = {t.command(category.name), t.command(category.name_en), category.code}
            if answer in names or any(answer in n for n in names if len(answer) >= 4):
                return category.code
        return ""

    def _on_location(self, text: str, added: int) -> None:
        if text and "lon" not in self.data:
            self.data["address"] = text[:500]
        self.next()

    def _on_photos(self, text: str, added: int) -> None:
        if added and not (text and t.command(text) in t.NO_MORE_PHOTOS):
            self.say(t.PHOTO_RECEIVED, count=self.c.photos.count())
            return
        if text and t.command(text) not in t.NO_MORE_PHOTOS and not added:
            self.data["description"] = f"{self.data.get('description', '')}\n{text}".strip()
        self.data["photos_asked"] = True
        self.next()

    def _on_confirm(self, text: str, added: int) -> None:
        if text and t.command(text) in t.CONFIRM:
            self.c.state = S.FILING
            return
        self.say(t.CONFIRM_AGAIN, ["1"])

    # moving on -------------------------------------------------------------------------------

    def next(self) -> None:
        """Ask for the first thing still missing, or for the confirmation."""
        d = self.data
        if not d.get("description"):
            self.c.state = S.DESCRIPTION
            self.say(t.ASK_DESCRIPTION)
        elif "category" not in d:
            self.c.state = S.FIELD
            choices, names = self._choices()
            self.say(t.ASK_FIELD, names, choices=choices)
        elif "lon" not in d and not d.get("address"):
            self.c.state = S.LOCATION
            self.say(t.ASK_LOCATION)
        elif not d.get("photos_asked") and not self.c.photos.exists():
            self.c.state = S.PHOTOS
            d["photos_asked"] = True
            self.say(t.ASK_PHOTOS, ["xong" if self.c.language == "vi" else "done"])
        else:
            self.c.state = S.CONFIRM
            self.say(t.CONFIRM_SUMMARY, ["1"], **self._summary())

    def _summary(self) -> dict[str, str]:
        with translation.override(self.c.language):
            category = Category.objects.filter(code=self.data.get("category") or "").first()
            count = self.c.photos.count()
            return {
                "field": category_name(category, self.c.language) if category else str(t.NO_FIELD),
                "place": self.data.get("address") or str(t.SHARED_LOCATION),
                "description": self.data.get("description", ""),
                "photos": str(t.PHOTOS_COUNT) % {"count": count} if count else str(t.NO_PHOTOS),
            }

    def _answer(self, text: str) -> None:
        self.c.state = S.QUESTION
        article = _best_article(text)
        if article is None:
            self.say(t.NO_ANSWER, ["tổng đài" if self.c.language == "vi" else "operator"])
        else:
            self.say(
                t.ANSWER,
                ["tổng đài" if self.c.language == "vi" else "operator"],
                answer=article.answer,
            )

    def to_operator(self) -> None:
        with translation.override("vi"):
            flag = str(t.WANTS_OPERATOR)
        item, _created = inbox_add(
            reporter=self.c.user,
            channel=self.c.channel,
            description=transcript(self.c)[:4000] or flag,
            flag=flag,
            source_key=f"conversation:{self.c.pk}",
        )
        self.c.inbox_item_id = item.pk
        self.c.state = S.OPERATOR
        self.say(t.OPERATOR_SOON)

    def close(self, reason: str) -> None:
        self.c.state = S.CLOSED
        self.c.closed_at = timezone.now()
        self.c.closed_reason = reason
        self.c.photos.all().delete()


def _best_article(text: str) -> KnowledgeArticle | None:
    found = article_search(query=text, limit=1)
    if found:
        return found[0]
    words = [w for w in t.command(text).split() if w not in STOP_WORDS]
    for query in (" ".join(words), " ".join(words[-3:]), " ".join(words[-2:])):
        if query:
            found = article_search(query=query, limit=1)
            if found:
                return found[0]
    return None
