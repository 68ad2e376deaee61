"""One error format for the whole API.

Every 4xx/5xx body is ``{"code": str, "message": str, "details": {...}}``: ``code`` is
machine-readable and stable, ``message`` is human text in the request's language
(Accept-Language, Vietnamese by default), ``details`` holds per-field errors.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .unavailable import UNAVAILABLE_CODE, UNAVAILABLE_MESSAGE, is_unavailable, retry_after


class DomainError(Exception):
    """A rule of the domain was broken; interface layers turn it into a 4xx answer."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    code = "invalid"
    default_message: Any = _("Yêu cầu không hợp lệ.")

    def __init__(
        self,
        message: Any = None,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        status_code: int | None = None,
    ):
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code
        self.details = details or {}
        super().__init__(str(self.message))


class ServiceUnavailable(DomainError):
    """A part we depend on is down, not the client's fault: 503 with Retry-After."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = UNAVAILABLE_CODE
    default_message = UNAVAILABLE_MESSAGE


RETRY_LATER_STATUSES = frozenset({503, 507})


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"
    default_message = _("Dữ liệu đã thay đổi, vui lòng tải lại.")


_DRF_CODES: dict[type[exceptions.APIException], tuple[str, Any]] = {
    exceptions.ValidationError: ("invalid", _("Dữ liệu gửi lên không hợp lệ.")),
    exceptions.ParseError: ("malformed_request", _("Không đọc được nội dung yêu cầu.")),
    exceptions.NotAuthenticated: ("not_authenticated", _("Bạn cần đăng nhập.")),
    exceptions.AuthenticationFailed: (
        "authentication_failed",
        _("Thông tin đăng nhập không đúng."),
    ),
    exceptions.PermissionDenied: (
        "permission_denied",
        _("Bạn không có quyền thực hiện thao tác này."),
    ),
    exceptions.NotFound: ("not_found", _("Không tìm thấy.")),
    exceptions.MethodNotAllowed: ("method_not_allowed", _("Phương thức không được hỗ trợ.")),
    exceptions.UnsupportedMediaType: (
        "unsupported_media_type",
        _("Định dạng nội dung không được hỗ trợ."),
    ),
    exceptions.Throttled: ("throttled", _("Quá nhiều yêu cầu, vui lòng thử lại sau.")),
    exceptions.NotAcceptable: ("not_acceptable", _("Không thể trả về định dạng được yêu cầu.")),
}


def error_body(code: str, message: Any, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": str(message), "details": details or {}}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if is_unavailable(exc):
        exc = ServiceUnavailable()
    if isinstance(exc, DomainError):
        domain = Response(error_body(exc.code, exc.message, exc.details), status=exc.status_code)
        if exc.status_code in RETRY_LATER_STATUSES:
            domain["Retry-After"] = retry_after()
        return domain
    if isinstance(exc, DjangoValidationError):
        django_details = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(django_details)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    code, message = _code_and_message(exc)
    details: Any = {}
    if isinstance(exc, exceptions.ValidationError):
        details = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait is not None:
        details = {"retry_after_seconds": int(wait)}
    response.data = error_body(code, message, details)
    return response


def _code_and_message(exc: exceptions.APIException) -> tuple[str, Any]:
    for klass in type(exc).__mro__:
        if klass in _DRF_CODES:
            return _DRF_CODES[klass]
    return ("error", exc.detail if isinstance(exc.detail, str) else _("Đã xảy ra lỗi."))
