"""Per request: an id for the logs and the error page, a latency measure, one access line; and
static file links that change with the file, so a proxy may cache them for a year."""

import hashlib
import logging
import os
import time
from functools import cache

from flask import current_app

from rota.ops import logs
from rota.ops.metrics import REQUEST_SECONDS

access_log = logging.getLogger("rota.access")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
QUIET = frozenset({"ops.healthz", "ops.readyz", "ops.metrics_page", "static"})
ROUTE = "rota.route"  # environ key: the URL rule of an answer made without Flask (see Requests)


def init_app(app) -> None:
    """Give static files versioned links (rota.wrap_wsgi puts `Requests` around the app)."""
    app.url_defaults(_static_version)


def request_id() -> str:
    """The request's id: on its log lines, in its X-Request-ID header, and the error id of its
    error page (rota.errorpages)."""
    return logs.current_id()


class Requests:
    """WSGI middleware around the app: each request gets its id (bound to every log line written
    while the app answers it), its latency measured by route pattern, one access line, and the
    X-Request-ID header; as middleware, not Flask hooks, which every request would run through
    Flask's hook machinery (the phone system's on-duty call included). A request's route is
    Flask's URL rule, or, for an answer made without Flask (rota.api.on_duty.HotLane), the rule
    it puts in environ[ROUTE]."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        run_id = logs.new_id(environ.get("HTTP_X_REQUEST_ID"))

        def start(status, headers, exc_info=None):
            elapsed = time.perf_counter() - started
            rule = environ.get(ROUTE)
            if rule is None:  # Flask's request, there while it answers (then set aside)
                rule = getattr(environ.get("werkzeug.request"), "url_rule", None)
            _finish(rule, environ["REQUEST_METHOD"].upper(), status[:3], elapsed)
            headers.append(("X-Request-ID", run_id))
            return start_response(status, headers, exc_info)

        token = logs.bind(run_id)
        try:
            return self.wsgi_app(environ, start)
        finally:
            logs.unbind(token)


def _static_version(endpoint: str, values: dict) -> None:
    """/static/rota.css?v=<digest of its content>: a new release's file is a new address."""
    if endpoint == "static" and "filename" in values:
        values["v"] = _digest(os.path.join(current_app.static_folder, values["filename"]))


@cache
def _digest(path: str) -> str:
    try:
        with open(path, "rb") as static_file:
            return hashlib.sha256(static_file.read()).hexdigest()[:12]
    except OSError:
        return "0"


def _finish(rule, method: str, status: str, elapsed: float) -> None:
    """Measure and log the request by its route pattern, never its path or query."""
    endpoint = rule.endpoint if rule else "unmatched"
    method = method if method in METHODS else "other"
    _latency(endpoint, method, status).observe(elapsed)
    level = logging.DEBUG if endpoint in QUIET else logging.INFO
    pattern = rule.rule if rule else "-"
    access_log.log(level, "%s %s %s %.1f ms", method, pattern, status, elapsed * 1e3)


@cache
def _latency(endpoint: str, method: str, status: str):
    """The latency histogram of a route, method and status (a route pattern's endpoint, never
    a path: few enough to keep)."""
    return REQUEST_SECONDS.labels(endpoint, method, status)
