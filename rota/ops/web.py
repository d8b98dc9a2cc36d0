"""Per request: an id for the logs and the error page, a latency measure, one access line; and
static file links that change with the file, so a proxy may cache them for a year."""

import hashlib
import logging
import os
import time
from functools import cache

from flask import current_app, g, request

from rota.ops import logs
from rota.ops.metrics import REQUEST_SECONDS, REQUESTS

access_log = logging.getLogger("rota.access")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
QUIET = frozenset({"ops.healthz", "ops.readyz", "ops.metrics_page", "static"})


def init_app(app) -> None:
    """Install the hooks (before any other's, so that theirs run with the request's id)."""
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_end)
    app.url_defaults(_static_version)


def request_id() -> str:
    """The request's id: on its log lines, in its X-Request-ID header, and the error id of its
    error page (rota.errorpages)."""
    return g.request_id


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


def _start() -> None:
    g.request_started = time.perf_counter()
    g.request_id = logs.new_id(request.headers.get("X-Request-ID"))
    g.request_log_token = logs.bind(g.request_id)


def _finish(response):
    """Measure and log the request by its route pattern, never its path or query."""
    elapsed = time.perf_counter() - g.request_started
    endpoint = request.url_rule.endpoint if request.url_rule else "unmatched"
    method = request.method if request.method in METHODS else "other"
    REQUEST_SECONDS.labels(endpoint, method).observe(elapsed)
    REQUESTS.labels(endpoint, str(response.status_code)).inc()
    response.headers["X-Request-ID"] = g.request_id
    level = logging.DEBUG if endpoint in QUIET else logging.INFO
    rule = request.url_rule.rule if request.url_rule else "-"
    access_log.log(level, "%s %s %s %.1f ms", method, rule, response.status_code, elapsed * 1e3)
    return response


def _end(_exc) -> None:
    token = g.pop("request_log_token", None)
    if token is not None:
        logs.unbind(token)
