"""Per request: an id for the logs and the error page, a latency measure, one access line; and
static file links that change with the file, so a proxy may cache them for a year."""

import contextvars
import hashlib
import logging
import os
import time
from functools import cache
from typing import NamedTuple

from flask import current_app, g, request

from rota.ops import logs
from rota.ops.metrics import REQUEST_SECONDS

access_log = logging.getLogger("rota.access")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
QUIET = frozenset({"ops.healthz", "ops.readyz", "ops.metrics_page", "static"})


class _Run(NamedTuple):
    """A request's start, id and log binding (one object on `g`: set once, read once)."""

    started: float
    id: str
    log_token: contextvars.Token


def init_app(app) -> None:
    """Install the hooks (before any other's, so that theirs run with the request's id)."""
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_end)
    app.url_defaults(_static_version)


def request_id() -> str:
    """The request's id: on its log lines, in its X-Request-ID header, and the error id of its
    error page (rota.errorpages)."""
    return g.request_run.id


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
    request_id = logs.new_id(request.environ.get("HTTP_X_REQUEST_ID"))
    g.request_run = _Run(time.perf_counter(), request_id, logs.bind(request_id))


def _finish(response):
    """Measure and log the request by its route pattern, never its path or query."""
    run = g.request_run
    elapsed = time.perf_counter() - run.started
    asked = request._get_current_object()  # one lookup of the request, not three
    rule, method, status = asked.url_rule, asked.method, response.status_code
    endpoint = rule.endpoint if rule else "unmatched"
    method = method if method in METHODS else "other"
    _latency(endpoint, method, status).observe(elapsed)
    response.headers["X-Request-ID"] = run.id
    level = logging.DEBUG if endpoint in QUIET else logging.INFO
    pattern = rule.rule if rule else "-"
    access_log.log(level, "%s %s %s %.1f ms", method, pattern, status, elapsed * 1e3)
    return response


@cache
def _latency(endpoint: str, method: str, status: int):
    """The latency histogram of a route, method and status (a route pattern's endpoint, never
    a path: few enough to keep)."""
    return REQUEST_SECONDS.labels(endpoint, method, str(status))


def _end(_exc) -> None:
    run = g.pop("request_run", None)
    if run is not None:
        logs.unbind(run.log_token)
