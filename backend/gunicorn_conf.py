"""gunicorn settings for `make run` and production (`gunicorn -c python:backend.gunicorn_conf`).

gthread workers: each process answers WEB_THREADS requests at once (most of a request's time is
spent waiting on PostgreSQL, which releases the GIL). The app is not preloaded, so a HUP loads new
code: the master starts fresh workers on the listening socket it keeps, then lets the old ones
finish their requests (up to graceful_timeout) — a restart without dropped requests.
"""

import os

bind = os.environ.get("WEB_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
preload_app = False
# A load balancer or nginx in front keeps the access log; ours only when asked for.
accesslog = os.environ.get("WEB_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("WEB_LOG_LEVEL", "warning")
forwarded_allow_ips = os.environ.get("WEB_FORWARDED_ALLOW_IPS", "127.0.0.1")
