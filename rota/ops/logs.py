"""Structured logs: one line per record, text or JSON, each with the id of its request or job.

Every request gets an id (the proxy's X-Request-ID when it is a plain token, else a new one);
it is on every log line written while the request runs, in the X-Request-ID response header
and on error pages, so a person's "it broke, id 3f2a…" finds the lines. A scheduled job's run
gets one too. Log lines never carry client data: a request is logged by its route pattern (not
its path or query, which may hold feed secrets or a search), and exceptions by their type and
stack only (their messages may quote SQL values, addresses or a mail server's reply).
"""

import contextvars
import json
import logging
import random
import re
import sys
import traceback
from contextlib import contextmanager
from datetime import UTC, datetime

_current_id: contextvars.ContextVar[str] = contextvars.ContextVar("rota_request_id", default="-")
_INCOMING_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def current_id() -> str:
    """The id of the request or job this code runs for ("-" outside both)."""
    return _current_id.get()


def new_id(incoming: str | None = None) -> str:
    """The proxy's id when it is a plain token of 8–64 characters, else a fresh one: unique,
    not secret (it grants nothing, and is shown on error pages), so drawn from `random`, which
    each forked worker seeds afresh, without the system call `secrets` makes every time."""
    if incoming and _INCOMING_ID.fullmatch(incoming):
        return incoming
    return f"{random.getrandbits(128):032x}"


def bind(run_id: str) -> contextvars.Token:
    """Tag the log lines written from now on in this context with `run_id`; unbind with the token."""
    return _current_id.set(run_id)


def unbind(token: contextvars.Token) -> None:
    """Back to the id before `bind`."""
    _current_id.reset(token)


@contextmanager
def log_context(run_id: str):
    """Tag every log line written inside the block with `run_id`."""
    token = bind(run_id)
    try:
        yield run_id
    finally:
        unbind(token)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record that passes a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_id()
        return True


def stack_only(exc_info) -> str:
    """An exception as its type and stack, without its message."""
    kind, _value, tb = exc_info
    frames = "".join(traceback.format_tb(tb))
    return f"Traceback (most recent call last):\n{frames}{kind.__module__}.{kind.__qualname__}"


class TextFormatter(logging.Formatter):
    """time level [request id] logger: message — for people reading a terminal or journald."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")

    def formatException(self, ei) -> str:  # noqa: N802 (logging's name)
        return stack_only(ei)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, request_id, message[, exception, stack]."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", current_id()),
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = record.exc_info[0].__qualname__
            line["stack"] = stack_only(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def handler(fmt: str = "text", stream=None) -> logging.Handler:
    """A handler writing `fmt` ("text" or "json") lines to stderr, with the request id."""
    out = logging.StreamHandler(stream or sys.stderr)
    out.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    out.addFilter(RequestIdFilter())
    return out


def configure(fmt: str = "text", level: str = "INFO") -> None:
    """Send every logger's records (gunicorn's too) through one such handler; for processes."""
    if fmt not in ("text", "json"):
        raise ValueError(f"LOG_FORMAT must be 'text' or 'json', not {fmt!r}")
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler(fmt))
    root.setLevel(level.upper())
    for name in ("gunicorn.error", "apscheduler", "werkzeug"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
