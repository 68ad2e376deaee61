"""Sign-in with a phone number and a one-time SMS code; access/refresh tokens for the app."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import status

from backend.common.db import from_row, server_bound_cursor
from backend.common.errors import DomainError

from .models import AuthToken, PhoneCode, User
from .phones import InvalidPhone, normalise_phone
from .sms import SmsError, send_sms

logger = logging.getLogger(__name__)


class OtpError(DomainError):
    code = "otp_invalid"
    default_message = _("Mã xác thực không đúng.")


class OtpTooMany(DomainError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    code = "otp_too_many_requests"
    default_message = _("Bạn đã yêu cầu quá nhiều mã, vui lòng thử lại sau.")


class TokenInvalid(DomainError):
    status_code = status.HTTP_401_UNAUTHORIZED
    code = "token_invalid"
    default_message = _("Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại.")


@dataclass(frozen=True)
class IssuedTokens:
    token: AuthToken
    access: str
    refresh: str


def phone_from(raw: str) -> str:
    try:
        return normalise_phone(raw)
    except InvalidPhone:
        raise DomainError(
            _("Số điện thoại không hợp lệ."),
            code="invalid_phone",
            details={"phone": _("Nhập số di động Việt Nam, ví dụ 0901234567.")},
        ) from None


def _code_hash(phone: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"otp:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def otp_request(*, phone: str) -> PhoneCode:
    """Create a code for `phone` (already E.164) and SMS it after commit.

    Limits: one code per OTP_RESEND_SECONDS and OTP_MAX_PER_HOUR per number (429 otherwise).
    A new code does not cancel an older one still valid: on 3G the first SMS may arrive last.
    """
    now = timezone.now()
    with transaction.atomic():
        # Serialise requests for one number so two taps cannot both pass the limits.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", ["otp:" + phone])
        recent = list(
            PhoneCode.objects.filter(phone=phone, created_at__gte=now - dt.timedelta(hours=1))
            .order_by("-created_at")
            .values_list("created_at", flat=True)
        )
        if recent:
            wait = settings.OTP_RESEND_SECONDS - (now - recent[0]).total_seconds()
            if wait > 0:
                raise OtpTooMany(details={"retry_after_seconds": int(wait) + 1})
        if len(recent) >= settings.OTP_MAX_PER_HOUR:
            raise OtpTooMany(details={"retry_after_seconds": 3600})
        code = f"{secrets.randbelow(10**settings.OTP_LENGTH):0{settings.OTP_LENGTH}d}"
        row = PhoneCode(
            phone=phone,
            code_hash=_code_hash(phone, code),
            created_at=now,
            expires_at=now + dt.timedelta(seconds=settings.OTP_TTL_SECONDS),
        )
        row.full_clean()
        row.save()
        text = str(_("Mã đăng nhập 1022 của bạn là %(code)s. Không chia sẻ mã này.")) % {
            "code": code
        }
        transaction.on_commit(lambda: _send_quietly(phone, text))
    return row


def _send_quietly(phone: str, text: str) -> None:
    try:
        send_sms(to=phone, text=text)
    except SmsError:
        logger.exception("SMS to %s failed", phone)


def otp_sign_in(*, phone: str, code: str) -> IssuedTokens:
    """Check `code` for `phone`, mark it used, create the resident on first sign-in, issue tokens.

    Codes are single-use and expire; each code allows OTP_MAX_ATTEMPTS wrong guesses, and the
    counting survives the failed request (it is committed before the error is raised).
    """
    now = timezone.now()
    with transaction.atomic():
        user, failure = _otp_consume(phone, code, now)
        if user is not None:
            issued = token_issue(user=user, now=now)
    if failure is not None:
        raise failure
    return issued


def otp_verify(*, phone: str, code: str) -> User:
    """The same check as `otp_sign_in` (same codes, attempts and errors) without tokens: the
    resident for a web session (the portal signs them in with Django's session)."""
    with transaction.atomic():
        user, failure = _otp_consume(phone, code, timezone.now())
    if failure is not None:
        raise failure
    assert user is not None
    return user


def _otp_consume(phone: str, code: str, now: dt.datetime) -> tuple[User | None, DomainError | None]:
    """Inside the caller's transaction: the resident whose code matched (code marked used), or
    the error to raise after commit (wrong guesses counted)."""
    rows = list(
        PhoneCode.objects.select_for_update()
        .filter(phone=phone, used_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at")[:3]
    )
    usable = [r for r in rows if r.attempts < settings.OTP_MAX_ATTEMPTS]
    wanted = _code_hash(phone, code)
    match = next((r for r in usable if hmac.compare_digest(r.code_hash, wanted)), None)
    if not rows:
        return None, OtpError(
            _("Mã xác thực đã hết hạn, vui lòng yêu cầu mã mới."), code="otp_expired"
        )
    if not usable:
        return None, OtpTooMany(
            _("Nhập sai quá nhiều lần, vui lòng yêu cầu mã mới."), code="otp_locked"
        )
    if match is None:
        for r in usable:
            r.attempts += 1
            r.save(update_fields=["attempts"])
        left = settings.OTP_MAX_ATTEMPTS - max(r.attempts for r in usable)
        return None, OtpError(details={"code": _("Mã không đúng."), "attempts_left": max(left, 0)})
    match.used_at = now
    match.save(update_fields=["used_at"])
    return _resident(phone), None


def _resident(phone: str) -> User:
    user = resident_for_phone(phone=phone)
    if not user.is_active:
        raise OtpError(_("Tài khoản đã bị khóa."), code="account_disabled", status_code=403)
    return user


def resident_for_phone(*, phone: str) -> User:
    """The user with `phone` (E.164), created as a resident without password if there is none
    (SMS sign-in, a caller of the hotline); safe against a parallel creation."""
    user = User.objects.filter(phone=phone).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            return User.objects.create_user(username=phone, phone=phone, password=None)
    except IntegrityError:  # a parallel sign-in or call created it
        return User.objects.get(phone=phone)


def resident_for_email(*, email: str) -> User:
    """The user with the e-mail address `email` (compared without case), created as a resident
    without password if there is none (a resident who wrote to the 1022 mailbox); safe against a
    parallel creation (the username is derived from the address)."""
    address = email.strip().lower()
    user = User.objects.filter(email__iexact=address).order_by("pk").first()
    if user is not None:
        return user
    name = f"email:{address}"
    if len(name) > 150:
        name = "email:" + hashlib.sha256(address.encode()).hexdigest()
    try:
        with transaction.atomic():
            return User.objects.create_user(username=name, email=address, password=None)
    except IntegrityError:  # a parallel mail from the same address created it
        return User.objects.get(username=name)


def token_issue(*, user: User, now: dt.datetime | None = None) -> IssuedTokens:
    """A new access + refresh pair for `user`; the plain tokens exist only in the result."""
    now = now or timezone.now()
    access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    token = AuthToken(
        user=user,
        access_hash=_token_hash(access),
        refresh_hash=_token_hash(refresh),
        created_at=now,
        access_expires_at=now + dt.timedelta(seconds=settings.AUTH_ACCESS_TTL_SECONDS),
        refresh_expires_at=now + dt.timedelta(seconds=settings.AUTH_REFRESH_TTL_SECONDS),
    )
    token.save()
    return IssuedTokens(token=token, access=access, refresh=refresh)


def token_refresh(*, refresh: str) -> IssuedTokens:
    """Rotate: the old pair is revoked and a new one issued (a refresh token works once)."""
    now = timezone.now()
    with transaction.atomic():
        old = (
            AuthToken.objects.select_for_update()
            .select_related("user")
            .filter(refresh_hash=_token_hash(refresh), revoked_at__isnull=True)
            .first()
        )
        if old is None or old.refresh_expires_at <= now or not old.user.is_active:
            raise TokenInvalid(code="refresh_invalid")
        old.revoked_at = now
        old.save(update_fields=["revoked_at"])
        return token_issue(user=old.user, now=now)


def token_revoke(*, token: AuthToken) -> None:
    """Sign out: the pair stops working at once (access and refresh)."""
    AuthToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def _token_sql() -> str:
    token, user = AuthToken._meta, User._meta

    def q(name: str | None) -> str:  # PostgreSQL's quoting (no database needed to build it)
        return f'"{name}"'

    columns = [f"t.{q(f.column)}" for f in token.concrete_fields]
    columns += [f"u.{q(f.column)}" for f in user.concrete_fields]
    return (
        f"SELECT {', '.join(columns)} FROM {q(token.db_table)} t"
        f" JOIN {q(user.db_table)} u"
        f" ON u.{q(user.pk.column)} = t.{q(token.get_field('user').column)}"
        " WHERE t.access_hash = %s AND t.revoked_at IS NULL LIMIT 1"
    )


TOKEN_SQL = _token_sql()


def token_user(*, access: str) -> tuple[User, AuthToken] | None:
    """The active user and token for an access token, or None (one query, user joined).

    Runs on every request of the app: bound server-side, so the statement is prepared once per
    connection instead of compiled by the ORM and planned every time (where the ORM would read).
    """
    using = router.db_for_read(AuthToken)
    with server_bound_cursor(using) as cursor:
        cursor.execute(TOKEN_SQL, [_token_hash(access)])
        row = cursor.fetchone()
    if row is None:
        return None
    width = len(AuthToken._meta.concrete_fields)
    token, user = from_row(AuthToken, row[:width], using), from_row(User, row[width:], using)
    token.user = user
    if token.access_expires_at <= timezone.now() or not user.is_active:
        return None
    return user, token
