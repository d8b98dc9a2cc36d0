"""Signing in and out, password reset, and API tokens."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from rota.auth import policy, reset, tokens
from rota.auth.forms import ConfirmForm, LoginForm, ResetPasswordForm, ResetRequestForm, TokenForm
from rota.db import utcnow
from rota.extensions import db
from rota.forms import perform
from rota.members import people
from rota.outbox import service as outbox

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = people.find_by_email(db.session, form.email.data)
        if people.check_password(user, form.password.data):
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(_("The e-mail address or the password is wrong."))
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    if ConfirmForm().validate_on_submit():
        logout_user()
        flash(_("You have signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/password/reset", methods=["GET", "POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = people.find_by_email(db.session, form.email.data)
        if user is not None and user.active:
            perform(_queue_reset_mail, user)
        message = _(
            "If the address belongs to an account, a reset link is on its way. "
            "Check your inbox; the link works for one hour."
        )
        flash(message, "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form)


def _queue_reset_mail(session, user):
    """Queue the reset link to the person, in their language, to be sent after the commit."""
    token = reset.make_reset_token(user, current_app.config["SECRET_KEY"])
    link = url_for("auth.reset_password", token=token, _external=True)
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = _("Reset your password")
        text = render_template("auth/reset_mail.txt", user=user, link=link)
    message = outbox.queue_mail(session, to=user.email, subject=subject, text=text, kind="reset")
    outbox.remember(session, message.id)
    return message


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    config = current_app.config
    user = reset.user_for_reset_token(
        db.session, token, config["SECRET_KEY"], config["PASSWORD_RESET_MAX_AGE"]
    )
    if user is None:
        flash(_("This reset link has expired or was already used. Ask for a new one."), "error")
        return redirect(url_for("auth.reset_request"))
    form = ResetPasswordForm()
    if (
        form.validate_on_submit()
        and (done := perform(people.change_password, user, form.password.data, form=form)).ok
    ):
        return done.redirect(_("Your password is changed. Sign in with the new one."), "auth.login")
    return render_template("auth/reset_password.html", form=form)


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def token_list():
    form, secret = TokenForm(), None
    if form.validate_on_submit():
        admin = policy.may_issue_organisation_token(current_user) and form.for_organisation.data
        org = current_user.organisation if admin else None
        done = perform(
            tokens.create_token,
            name=form.name.data,
            scopes=form.scopes.data,
            user=None if org else current_user,
            organisation=org,
            created_by=current_user,
            form=form,
        )
        secret = done.result[1] if done.ok else None
    listing = tokens.visible_tokens(db.session, current_user)
    return render_template(
        "auth/tokens.html", form=form, tokens=listing, secret=secret, confirm=ConfirmForm()
    )


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def token_revoke(token_id):
    if ConfirmForm().validate_on_submit():
        done = perform(tokens.revoke, current_user, token_id, utcnow())
        message = _("Token “%(name)s” is revoked; it stops working at once.", name=done.result.name)
        return done.redirect(message, "auth.token_list")
    return redirect(url_for("auth.token_list"))
