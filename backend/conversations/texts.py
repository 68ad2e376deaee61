"""What the dialogue says and how it reads what people write: language, commands, questions.

Everything a resident reads is written in Vietnamese and translated (locale, conversations.json);
the engine renders it inside `translation.override(conversation.language)`.
Commands are matched on folded text (lower case, no diacritics), so "Hủy", "huy" and "HUY" all
cancel.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext_lazy as _

_WORD = re.compile(r"[a-z0-9]+")

CANCEL = frozenset({"huy", "huy bo", "cancel", "stop", "thoi"})
CONFIRM = frozenset({"1", "co", "dong y", "gui", "ok", "yes", "y", "send", "xac nhan", "dung"})
NO_MORE_PHOTOS = frozenset({"xong", "khong", "ko", "k", "bo qua", "done", "no", "skip", "0"})
OPERATOR = frozenset(
    {"tong dai", "tong dai vien", "gap tong dai vien", "operator", "agent", "nguoi that"}
)
ENGLISH_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "is",
        "are",
        "there",
        "hello",
        "hi",
        "please",
        "my",
        "street",
        "road",
        "broken",
        "how",
        "what",
        "where",
        "when",
        "why",
        "help",
        "report",
        "cancel",
        "yes",
        "no",
        "i",
        "in",
        "on",
        "at",
        "of",
        "flood",
        "flooding",
        "light",
        "lights",
        "tree",
        "trash",
        "rubbish",
        "garbage",
        "pothole",
        "water",
        "near",
        "follow",
        "unfollow",
        "following",
    ]
)
QUESTION_STARTS = (
    "thu tuc",
    "lam sao",
    "lam the nao",
    "xin hoi",
    "cho hoi",
    "hoi ve",
    "o dau",
    "bao gio",
    "how ",
    "what ",
    "where ",
    "when ",
    "can i ",
    "do i ",
)


def fold(text: str) -> str:
    """Lower case without diacritics (đ → d), spaces collapsed."""
    text = text.lower().replace("đ", "d")
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return " ".join(text.split())


def command(text: str) -> str:
    """The folded text without punctuation, for matching commands."""
    return " ".join(_WORD.findall(fold(text)))


def language_of(text: str) -> str:
    """'en' when the text reads as English (plain ASCII with English words), else 'vi'."""
    if not text.isascii():
        return "vi"
    words = set(_WORD.findall(text.lower()))
    return "en" if len(words & ENGLISH_WORDS) >= 1 and not words & {"duong", "nha", "bi"} else "vi"


def is_question(text: str) -> bool:
    folded = fold(text)
    return folded.endswith("?") or folded.startswith(QUESTION_STARTS)


GREETING = _(
    "Xin chào! Đây là Tổng đài 1022. Hãy mô tả sự việc bạn muốn phản ánh (ví dụ: «Đèn đường "
    "hỏng trước số 12 Lê Lợi»), hoặc đặt câu hỏi. Gõ «hủy» bất cứ lúc nào để dừng. Để theo dõi "
    "một phản ánh đã có, gõ «theo dõi» và mã phản ánh."
)
ASK_DESCRIPTION = _("Bạn hãy mô tả ngắn gọn sự việc cần phản ánh.")
ASK_FIELD = _("Sự việc thuộc lĩnh vực nào? Trả lời bằng số:\n%(choices)s")
FIELD_UNKNOWN = _("Chưa rõ lựa chọn. Trả lời bằng một số trong danh sách:\n%(choices)s")
ASK_LOCATION = _(
    "Sự việc ở đâu? Hãy gửi vị trí (chia sẻ vị trí) hoặc ghi số nhà, tên đường, phường."
)
ASK_PHOTOS = _("Bạn có ảnh không? Gửi tối đa 5 ảnh, hoặc trả lời «xong» nếu không có.")
PHOTO_RECEIVED = _("Đã nhận %(count)s ảnh. Gửi thêm, hoặc trả lời «xong».")
PHOTO_FAILED = _(
    "Không tải được ảnh bạn gửi (quá lớn, quá lâu hoặc không phải ảnh). Bạn có thể gửi lại "
    "ảnh khác; phản ánh vẫn tiếp tục."
)
PHOTO_LIMIT = _("Đã đủ 5 ảnh.")
CONFIRM_SUMMARY = _(
    "Xin xác nhận phản ánh:\n- Lĩnh vực: %(field)s\n- Nơi: %(place)s\n- Nội dung: "
    "%(description)s\n- Ảnh: %(photos)s\nTrả lời «1» hoặc «đồng ý» để gửi, «hủy» để bỏ."
)
CONFIRM_AGAIN = _("Trả lời «1» hoặc «đồng ý» để gửi phản ánh, «hủy» để bỏ.")
FILED = _(
    "Đã nhận phản ánh %(reference)s. Chúng tôi sẽ báo kết quả xử lý tại đây. Theo dõi: %(link)s"
)
TO_INBOX = _(
    "Đã nhận phản ánh. Tổng đài viên sẽ kiểm tra và bổ sung thông tin còn thiếu, rồi trả lời "
    "bạn tại đây."
)
CANCELLED = _("Đã hủy. Bạn có thể nhắn tin bất cứ lúc nào để phản ánh mới.")
IDLE_CLOSED = _(
    "Cuộc trò chuyện đã tạm dừng vì lâu không có trả lời. Khi cần, bạn chỉ việc nhắn tin để "
    "bắt đầu lại. Cảm ơn bạn!"
)
ANSWER = _(
    "%(answer)s\n\nNếu cần trao đổi thêm, trả lời «tổng đài» để gặp tổng đài viên, hoặc mô tả "
    "sự việc để gửi phản ánh."
)
NO_ANSWER = _(
    "Chưa có câu trả lời sẵn cho câu hỏi này. Trả lời «tổng đài» để gặp tổng đài viên, hoặc "
    "mô tả sự việc để gửi phản ánh."
)
OPERATOR_SOON = _("Tổng đài viên sẽ trả lời bạn tại đây trong giờ làm việc.")
NO_FIELD = _("không rõ (tổng đài viên sẽ chọn)")
NO_PHOTOS = _("không có")
PHOTOS_COUNT = _("%(count)s ảnh")
SHARED_LOCATION = _("vị trí đã chia sẻ")
WANTS_OPERATOR = _("Người dân muốn trao đổi với tổng đài viên")
NO_PLACE_FLAG = _("Chưa xác định được vị trí")

# following a report by its reference (following.py)
FOLLOWING = _(
    "Bạn đang theo dõi phản ánh %(reference)s, trạng thái «%(status)s». Khi có cập nhật, chúng "
    "tôi sẽ báo bạn tại đây. Xem: %(link)s"
)
ALREADY_FOLLOWING = _(
    "Bạn đã theo dõi phản ánh %(reference)s từ trước, trạng thái «%(status)s». Xem: %(link)s"
)
STATUS_FOLLOW_OFFER = _(
    "Phản ánh %(reference)s: «%(status)s». Xem: %(link)s\nGửi «theo dõi %(reference)s» để nhận "
    "cập nhật tại đây."
)
STATUS_FOLLOWING = _("Phản ánh %(reference)s (bạn đang theo dõi): «%(status)s». Xem: %(link)s")
FOLLOW_NOT_FOUND = _(
    "Không tìm thấy phản ánh %(reference)s trong các phản ánh công khai. Hãy kiểm tra lại số "
    "phản ánh."
)
UNFOLLOWED = _("Đã bỏ theo dõi phản ánh %(reference)s. Bạn sẽ không nhận cập nhật của nó nữa.")
NOT_FOLLOWING = _("Bạn không theo dõi phản ánh %(reference)s.")
FOLLOW_HELP = _(
    "Để theo dõi một phản ánh, gửi «theo dõi» kèm số phản ánh, ví dụ «theo dõi "
    "1022-2026-000123». Gửi «bỏ theo dõi» kèm số để ngừng, «danh sách theo dõi» để xem các phản "
    "ánh bạn đang theo dõi."
)
REFERENCE_INVALID = _("Số phản ánh không hợp lệ (số phản ánh có dạng 1022-2026-000123).")
FOLLOWS_NONE = _(
    "Bạn chưa theo dõi phản ánh nào. Gửi «theo dõi» kèm số phản ánh, ví dụ «theo dõi "
    "1022-2026-000123»."
)
FOLLOWS_HEADER = _("Phản ánh bạn đang theo dõi:")
FOLLOWS_ROW = _("- %(reference)s: %(status)s — %(link)s")
FOLLOWS_ROW_HIDDEN = _("- %(reference)s: không còn công khai")
FOLLOWS_MORE = _("… và %(count)s phản ánh khác.")
DRAFT_KEPT = _(
    "Phản ánh bạn đang soạn vẫn được giữ: hãy trả lời câu hỏi trước đó để tiếp tục, hoặc «hủy» "
    "để bỏ."
)
