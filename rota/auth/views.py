"""Signing in and out, password reset and change, and API tokens."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from rota.auth import account, policy, reset, tokens
from rota.auth.forms import (
    ChangePasswordForm,
    ConfirmForm,
    LoginForm,
    ResetPasswordForm,
    ResetRequestForm,
    TokenForm,
)
from rota.auth.guard import Guard, TooManyAttempts, may_send_reset
from rota.auth.guard import sign_in as check_sign_in
from rota.auth.login import current_session, limits, renew_cookies, sign_in, sign_out
from rota.auth.notices import reset_link
from rota.auth.redirects import local_path
from rota.db import utcnow
from rota.extensions import db
from rota.forms import form_page, mail_settings, options, perform
from rota.links import external_url
from rota.members import people
from rota.paging import cursors

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    return local_path(target) or url_for("main.home")


def _client() -> str:
    """The client's address (the proxy's word for it only with PROXY_FIX)."""
    return request.remote_addr or "unknown"


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 400 if form.errors else 200
    guard, email, password = (
        Guard.from_config(current_app.config),
        form.email.data,
        form.password.data,
    )
    try:
        user = check_sign_in(db.session, email, password, _client(), utcnow(), guard)
        problem, status = _("The e-mail address or the password is wrong."), 400
    except TooManyAttempts as exc:
        user, problem, status = None, str(exc.user_message), 429
    db.session.commit()  # the attempt counts, whatever came of it
    if user is None:
        form.password.errors.append(problem)
        return render_template("auth/login.html", form=form), status
    sign_in(user, remember=form.remember.data)
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
@login_required
def logout():
    if ConfirmForm().validate_on_submit():
        sign_out()
        flash(_("You have signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/password/reset", methods=["GET", "POST"])
def reset_request():
    form = ResetRequestForm()
    if not form.validate_on_submit():
        return render_template("auth/reset_request.html", form=form)
    email, guard = form.email.data, Guard.from_config(current_app.config)
    if not may_send_reset(db.session, email, _client(), utcnow(), guard):
        db.session.commit()  # the request counts
        flash(
            _(
                "A reset link was asked for this address several times already. "
                "Check your inbox and spam folder, or try again in an hour."
            ),
            "error",
        )
        return redirect(url_for("auth.login"))
    user = people.find_by_email(db.session, email)
    if user is not None and user.active:
        perform(_queue_reset_mail, user)
    else:
        db.session.commit()  # the request counts
    message = _(
        "If the address belongs to an account, a reset link is on its way. "
        "Check your inbox; the link works for one hour."
    )
    flash(message, "success")
    return redirect(url_for("auth.login"))


def _queue_reset_mail(session, user):
    """Queue the reset link to the person, in their language, to be sent after the commit."""
    token = reset.make_reset_token(user, current_app.config["SECRET_KEY"])
    link = external_url("auth.reset_password", token=token)
    return reset_link(session, user, link, mail_settings())


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
    if form.validate_on_submit():
        done = perform(
            account.reset_password,
            user,
            form.password.data,
            now=utcnow(),
            limits=limits(),
            settings=mail_settings(),
            form=form,
        )
        if done.ok:
            message = _("Your password is changed. Sign in with the new one.")
            return done.redirect(message, "auth.login")
    return form_page("auth/reset_password.html", form)


@bp.post("/session/alive")
@login_required
def session_alive():
    """Someone is typing on an open page (rota.js says so): the sign-in counts as active."""
    return "", 204


@bp.route("/profile/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        done = perform(
            account.change_password,
            user,
            form.current_password.data,
            form.password.data,
            keep=current_session(),
            now=utcnow(),
            limits=limits(),
            settings=mail_settings(),
            form=form,
        )
        if done.ok:
            renew_cookies(user, done.result)
            message = _("Your password is changed. Other browsers signed in as you are signed out.")
            return done.redirect(message, "people.profile")
    return form_page("auth/change_password.html", form)


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def token_list():
    form, secret = TokenForm(), None
    form.scopes.choices = options((s, s) for s in policy.offered_scopes(current_user.role))
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
    listing = tokens.visible_tokens(
        db.session, current_user, cursors(request.args, ["page"])["page"]
    )
    page = render_template(
        "auth/tokens.html", form=form, tokens=listing, secret=secret, confirm=ConfirmForm()
    )
    return page, 400 if form.errors else 200


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def token_revoke(token_id):
    if ConfirmForm().validate_on_submit():
        done = perform(tokens.revoke, current_user, token_id, utcnow())
        message = _("Token “%(name)s” is revoked; it stops working at once.", name=done.result.name)
        return done.redirect(message, "auth.token_list")
    return redirect(url_for("auth.token_list"))
