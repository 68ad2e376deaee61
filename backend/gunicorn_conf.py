"""gunicorn settings for `make run` and production (`gunicorn -c python:backend.gunicorn_conf`).

gthread workers: each process answers WEB_THREADS requests at once (most of a request's time is
spent waiting on PostgreSQL, which releases the GIL). The app is not preloaded, so new workers
load new code. A HUP to gunicorn itself starts fresh workers and stops the old ones at once, so
requests wait in the socket's backlog until the new ones have loaded Django (seconds on a busy
machine); tools/serve.py's reload avoids that wait: it adds the new workers first (TTIN), waits
until each has said it is ready (post_worker_init below), then retires the old ones (TTOU), which
finish their requests (up to graceful_timeout).
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


def post_worker_init(worker: object) -> None:
    """Tell tools/serve.py that this worker has loaded the app and takes requests."""
    if ready_dir := os.environ.get("WEB_READY_DIR"):
        with open(os.path.join(ready_dir, str(os.getpid())), "w"):
            pass
