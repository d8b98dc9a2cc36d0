"""Every error answer: JSON under /api (rota.api.errors), a friendly localised page elsewhere.

Every error page shows an error id: the request's id (rota.ops.web), which every log line of
the request carries and its X-Request-ID header repeats, so one id finds what someone saw.
404s are also logged as INFO, 500s as ERROR with the traceback; the log names the route's rule
(`/feeds/<secret>/ring.ics`), never the URL itself, which may carry a secret.
"""

import logging

from flask import Flask, current_app, g, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.exceptions import NotFound as HTTPNotFound

from rota.api import errors as api_errors
from rota.api.params import BadParameter
from rota.errors import NotFound
from rota.extensions import db
from rota.ops.web import request_id

log = logging.getLogger(__name__)

FALLBACK = (
    "<!doctype html><title>Virhe · Fel · Error</title><p>Virhe palvelussa · Fel i tjänsten · "
    'Something went wrong. <p>Error id: <code class="error-id">{error_id}</code>'
)


def _is_api() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def _where() -> str:
    rule = request.url_rule.rule if request.url_rule else "(no route)"
    return f"{request.method} {rule}"


class Rota(Flask):
    """The app: Flask, but an unexpected exception is logged once, with the error id that its
    500 answer shows, and without the URL; and whether a view or hook is a coroutine is asked
    once per function, not at each of its calls (a dozen a request)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._synced: dict = {}

    def ensure_sync(self, func):
        synced = self._synced.get(func)
        if synced is None:
            synced = self._synced[func] = super().ensure_sync(func)
        return synced

    def log_exception(self, exc_info):
        g.error_logged = True
        log.error("error %s: %s failed", request_id(), _where(), exc_info=exc_info)


def _size_limit() -> str:
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    return f"{limit / 2**20:g} MB"


def _messages(status: int) -> tuple[str, str]:
    """The title and the what-to-do of an error page."""
    if status == 403:
        return _("Not allowed"), _("Your role does not allow this page. Ask the coordinator.")
    if status == 404:
        return _("Page not found"), _("There is nothing here. Check the address.")
    if status == 409:
        return _("Changed meanwhile"), _("Someone else changed this first. Reload and try again.")
    if status == 413:
        return _("Too large"), _("Send at most %(limit)s at a time.", limit=_size_limit())
    if status >= 500:
        return _("Something went wrong"), _(
            "The error is logged. Try again in a moment; if it happens again, tell the "
            "coordinator the error id below."
        )
    return _("Bad request"), _("The request was not understood.")


def _page_message(exc: HTTPException) -> str:
    """The error's own description where a view gave one, else the page's standard text."""
    own = exc.description != type(exc).description and exc.description
    if own and "CSRF" in own:
        return _("The form expired or came from elsewhere. Reload the page and try again.")
    return own or _messages(exc.code)[1]


def _page(exc: HTTPException, error_id: str | None):
    title, message = _messages(exc.code)[0], _page_message(exc)
    context = {"status": exc.code, "title": title, "message": message, "error_id": error_id}
    return render_template("error.html", **context)


def handle_http_error(exc: HTTPException):
    """Any HTTP error (abort, no route, too large, 500 …): JSON under /api, else a page."""
    db.session.rollback()  # a failed statement must not break the page's own queries
    error_id = request_id()
    if exc.code == 404 or (exc.code >= 500 and not g.pop("error_logged", False)):
        level = logging.INFO if exc.code == 404 else logging.ERROR
        log.log(level, "error %s: %s answered %s", error_id, _where(), exc.code)
    if _is_api():
        return _api_answer(exc, error_id)
    try:
        return _page(exc, error_id), exc.code
    except Exception:  # the page itself failed (database down): say so without templates
        log.exception("error %s: the error page failed", error_id)
        return FALLBACK.format(error_id=error_id), exc.code


def _api_answer(exc: HTTPException, error_id: str | None):
    if exc.code == 413:
        limit = _size_limit()
        return api_errors.error_response(exc, f"The body is too large: send at most {limit}.")
    if exc.code >= 500:
        message = f"Something went wrong on our side; it is logged as error {error_id}."
        return api_errors.error_response(exc, message, error_id=error_id)
    field = exc.field if isinstance(exc, BadParameter) else None
    return api_errors.error_response(exc, **({"field": field} if field else {}))


def handle_not_found(exc: NotFound):
    """A record that does not exist or is not visible: a 404 with the service's message."""
    return handle_http_error(HTTPNotFound(str(exc.user_message)))


def handle_untrusted_host(_exc: SecurityError):
    """A Host header not in TRUSTED_HOSTS: plain text, since no page or link can be built for
    a host this app does not answer to."""
    text = _("This server does not answer to that host name. Use the service's own address.")
    return text, 400, {"Content-Type": "text/plain; charset=utf-8"}


def init_app(app):
    """Register the handlers; an unexpected exception reaches them as a 500 HTTPException."""
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(SecurityError, handle_untrusted_host)
    app.register_error_handler(NotFound, handle_not_found)
