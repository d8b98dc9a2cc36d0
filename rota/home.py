"""The landing page, the language switch and a health check."""

from flask import Blueprint, current_app, redirect, render_template, request, session
from flask_login import current_user, login_required

from rota.extensions import db

bp = Blueprint("main", __name__)


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


@bp.get("/healthz")
def health():
    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok"}
