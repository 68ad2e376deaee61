"""Staff sign-in pages: a password (limited, audited), then a TOTP code when one is set or needed.

/staff/login/ checks lockouts first (429 with Retry-After, whatever the password), then the
password. A user with a TOTP device, or one whose role needs a second factor, is not signed in
yet: the session remembers them as pending for PENDING_SECONDS and /staff/login/code/ asks for
the code (or /staff/login/two-factor/ enrols a device with a QR code first). Wrong codes count as
failures too.
Rules and counters: backend/accounts/sign_in_guard.py; who needs 2FA: two_factor.py.
"""

from __future__ import annotations

import math
import time
from base64 import b32encode
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from backend.accounts.models import SignInEvent, SignInLockout
from backend.accounts.sign_in_guard import sign_in_lockout, sign_in_record
from backend.common.client_address import client_address

from .pages import vietnamese_unless_chosen
from .two_factor import second_factor_required

PENDING = "staff_sign_in_pending"
PENDING_SECONDS = 300
Outcome = SignInEvent.Outcome


def _record(request: HttpRequest, outcome: str, username: str, **extra: Any) -> Any:
    return sign_in_record(
        outcome=outcome,
        username=username,
        address=client_address(request) or None,
        user_agent=request.headers.get("User-Agent", ""),
        **extra,
    )


def _locked(request: HttpRequest, template: str, lockout: SignInLockout, **context: Any) -> Any:
    wait = max(1, math.ceil((lockout.until - timezone.now()).total_seconds()))
    message = _("Đăng nhập bị tạm khoá do nhập sai nhiều lần. Vui lòng thử lại sau %(n)s phút.")
    context["error"] = message % {"n": math.ceil(wait / 60)}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(wait)
    return response


class StaffLoginView(auth_views.LoginView):
    template_name = "staff/login.html"
    redirect_authenticated_user = True

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        vietnamese_unless_chosen(request)
        return super().dispatch(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = request.POST.get("username", "")
        lockout = sign_in_lockout(username=username, address=client_address(request))
        if lockout is not None:
            _record(request, Outcome.LOCKED, username)
            form = self.get_form()
            return _locked(request, self.template_name, lockout, **self.get_context_data(form=form))
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        username = self.request.POST.get("username", "")
        lockout = _record(self.request, Outcome.FAILURE, username)
        if lockout is not None:
            return _locked(
                self.request, self.template_name, lockout, **self.get_context_data(form=form)
            )
        return super().form_invalid(form)

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        enrolled = any(True for _device in devices_for_user(user))
        if not enrolled and not second_factor_required(user):
            _record(self.request, Outcome.SUCCESS, user.get_username(), user=user)
            return super().form_valid(form)
        self.request.session.cycle_key()
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),
            "until": time.time() + PENDING_SECONDS,
        }
        return redirect("staff-sign-in-code" if enrolled else "staff-two-factor-setup")


def _pending_user(request: HttpRequest) -> tuple[Any, dict[str, Any]]:
    """The user who gave the right password and still owes a code, or the signed-in user."""
    pending = request.session.get(PENDING)
    if pending and pending["until"] > time.time():
        user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
        if user is not None:
            return user, pending
    if request.user.is_authenticated:
        return request.user, {"next": settings.LOGIN_REDIRECT_URL}
    return None, {}


def _finish(request: HttpRequest, user: Any, pending: dict[str, Any], device: Any) -> Any:
    if not request.user.is_authenticated:
        login(request, user, backend=pending["backend"])
    otp_login(request, device)
    request.session.pop(PENDING, None)
    _record(request, Outcome.SUCCESS, user.get_username(), user=user, second_factor=True)
    target = pending.get("next") or settings.LOGIN_REDIRECT_URL
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = settings.LOGIN_REDIRECT_URL
    return redirect(target)


def _check_code(
    request: HttpRequest, user: Any, device: TOTPDevice, template: str, context: dict[str, Any]
) -> HttpResponse | None:
    """None when the code is right; else the page again (or 429 once locked out)."""
    username = user.get_username()
    lockout = sign_in_lockout(username=username, address=client_address(request))
    if lockout is not None:
        _record(request, Outcome.LOCKED, username, user=user)
        return _locked(request, template, lockout, **context)
    code = "".join(request.POST.get("code", "").split())
    if code.isdigit() and device.verify_token(code):
        return None
    lockout = _record(request, Outcome.CODE_FAILURE, username, user=user)
    if lockout is not None:
        return _locked(request, template, lockout, **context)
    context["error"] = _("Mã xác thực không đúng hoặc đã hết hạn.")
    return render(request, template, context)


def sign_in_code(request: HttpRequest) -> HttpResponse:
    """/staff/login/code/: the TOTP code of an enrolled user."""
    vietnamese_unless_chosen(request)
    user, pending = _pending_user(request)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() if user else None
    if device is None:
        return redirect("staff-login")
    context: dict[str, Any] = {"username": user.get_username()}
    if request.method == "POST":
        refused = _check_code(request, user, device, "staff/sign_in_code.html", context)
        return refused or _finish(request, user, pending, device)
    return render(request, "staff/sign_in_code.html", context)


def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """/staff/login/two-factor/: enrol a TOTP app (QR code), confirmed by its first code."""
    vietnamese_unless_chosen(request)
    user, pending = _pending_user(request)
    if user is None:
        return redirect("staff-login")
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return (
            redirect("staff-sign-in-code") if PENDING in request.session else redirect("staff-map")
        )
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "hotline1022"}
    )
    context = {
        "username": user.get_username(),
        "qr_svg": segno.make(device.config_url, error="m").svg_inline(scale=5),
        "secret": _base32(device),
        "required": second_factor_required(user),
    }
    if request.method == "POST":
        refused = _check_code(request, user, device, "staff/two_factor_setup.html", context)
        if refused is not None:
            return refused
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return _finish(request, user, pending, device)
    return render(request, "staff/two_factor_setup.html", context)


def _base32(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def admin_login(request: HttpRequest) -> HttpResponseRedirect:
    """The admin signs in through the same door (limits, audit, second factor)."""
    return redirect_to_login(request.GET.get("next", "/admin/"))
