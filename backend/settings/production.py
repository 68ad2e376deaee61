"""Production: everything from the environment, no defaults that are unsafe.

`manage.py check --deploy` passes with these defaults (tests/common/test_deploy_check.py). The
web processes sit behind a TLS-terminating proxy or load balancer that sets X-Forwarded-Proto
(and overwrites any value the client sent); docs/DEPLOYMENT.md lists every variable.
"""

import os

from .base import *  # noqa: F403
from .base import _SMTP_OPTIONS, DATABASE_REPLICAS, SILENCED_SYSTEM_CHECKS
from .env import database_from_url, env_bool, env_int, env_str

DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DATABASES = {
    "default": database_from_url(os.environ["DATABASE_URL"]),
    **DATABASE_REPLICAS,
}
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# HTTPS behind a TLS proxy: the proxy tells us the original scheme in this header (empty value:
# the web processes see HTTPS themselves). Every plain-HTTP request is redirected, except the
# load balancer's health probe.
_PROXY_SSL_HEADER = env_str("DJANGO_SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto")
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https") if _PROXY_SSL_HEADER else None
)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# HSTS: browsers use HTTPS only, for a year, on this host and its subdomains. Joining the
# browsers' preload list is the domain owner's decision (hstspreload.org), so it is off by
# default and its reminder (security.W021) silenced; DJANGO_HSTS_PRELOAD=1 opts in.
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W021"]

# E-mail: SMTP unless EMAIL_BACKEND names another production backend (EMAIL_HOST, EMAIL_PORT,
# EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, EMAIL_TIMEOUT).
_EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
MAILERS = {
    "default": {
        "BACKEND": _EMAIL_BACKEND,
        "OPTIONS": _SMTP_OPTIONS if _EMAIL_BACKEND.endswith("smtp.EmailBackend") else {},
    }
}
SERVE_MEDIA = env_bool("HOTLINE_SERVE_MEDIA", False)  # nginx serves MEDIA_ROOT, or S3
