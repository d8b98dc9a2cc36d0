"""The landing page, the language switch and the error pages."""

from flask import Blueprint, current_app, g, redirect, render_template, request, session
from flask_babel import gettext as _
from flask_login import current_user, login_required

from rota.errors import NotFound
from rota.extensions import db

bp = Blueprint("main", __name__)
_PLAIN = {"Content-Type": "text/plain; charset=utf-8"}


@bp.get("/")
@login_required
def home():
    return render_template("home.html")


@bp.post("/language")
def set_language():
    code = request.form.get("language", "")
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    target = request.form.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else "/")


def _error_page(status, title, message):
    return render_template("error.html", status=status, title=title, message=message), status


def init_errorhandlers(app):
    """Register friendly error pages that say what to do next."""

    @app.errorhandler(NotFound)
    def not_found_domain(exc):
        return _error_page(404, _("Not found"), str(exc.user_message))

    @app.errorhandler(404)
    def not_found(_exc):
        return _error_page(404, _("Not found"), _("There is nothing here. Check the address."))

    @app.errorhandler(403)
    def forbidden(_exc):
        return _error_page(
            403, _("Not allowed"), _("Your role does not allow this page. Ask the coordinator.")
        )

    @app.errorhandler(400)
    def bad_request(exc):
        message = getattr(exc, "description", "") or _("The request was not understood.")
        if "CSRF" in message:
            message = _("The form expired or came from elsewhere. Reload the page and try again.")
        return _error_page(400, _("Bad request"), message)

    @app.errorhandler(500)
    def server_error(_exc):
        db.session.rollback()
        try:
            return _error_page(
                500,
                _("Something went wrong"),
                _(
                    "The error is logged. Try again in a moment; if it happens again, "
                    "tell the coordinator the error id below."
                ),
            )
        except Exception:  # the page itself failed (e.g. the database is down): plain text
            return f"Internal error. Error id: {g.get('request_id')}\n", 500, _PLAIN

    @app.errorhandler(409)
    def conflict(_exc):
        return _error_page(
            409, _("Changed meanwhile"), _("Someone else changed this first. Reload and try again.")
        )
