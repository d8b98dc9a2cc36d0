"""The coordinator's shared-mailbox pages: status, mail problems, re-process, raw download."""

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from rota.auth.access import role_required
from rota.contacts.mail import poll as mailbox
from rota.contacts.mail import problems as mail_problems
from rota.contacts.models import RawMessage
from rota.db import utcnow
from rota.errors import DomainError
from rota.extensions import db
from rota.forms import deliver_mail
from rota.members.models import Role

bp = Blueprint("mail", __name__)


def mailbox_panel() -> dict:
    """The coordinator's front-page panel: last check, last error, number of problems."""
    return mailbox.mailbox_status(db.session, current_app.config)


bp.record_once(lambda state: state.app.jinja_env.globals.update(mailbox_panel=mailbox_panel))

OUTCOMES = {
    "new": lambda: _("The message is now a new contact."),
    "threaded": lambda: _("The message was added to its contact."),
    "duplicate": lambda: _("The message was a copy of one already received; nothing was added."),
}


@bp.get("/mail")
@role_required(Role.COORDINATOR)
def problems():
    """Mailbox status and the messages that could not be ingested."""
    config = current_app.config
    return render_template(
        "contacts/mail/problems.html",
        status=mailbox.mailbox_status(db.session, config),
        problems=[mail_problems.describe(row) for row in mail_problems.failed_messages(db.session)],
        max_bytes=config["MAIL_MAX_BYTES"],
    )


@bp.post("/mail/raw/<int:raw_id>/reprocess")
@role_required(Role.COORDINATOR)
def reprocess(raw_id):
    """Try one failed message again (after a fix); say what became of it."""
    now = utcnow()
    try:
        outcome = mail_problems.reprocess(db.session, raw_id, current_app.config, now)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.user_message), "error")
        return redirect(url_for("mail.problems"))
    db.session.commit()
    deliver_mail()
    message = OUTCOMES.get(outcome)
    if message is None:
        flash(_("The message still cannot be read; the new reason is shown in the list."), "error")
    else:
        flash(message(), "success")
    return redirect(url_for("mail.problems"))


@bp.get("/mail/raw/<int:raw_id>.eml")
@role_required(Role.COORDINATOR)
def download(raw_id):
    """The raw message exactly as it came from the mail server."""
    raw = db.session.get(RawMessage, raw_id)
    if raw is None or raw.data is None:
        abort(404)
    return Response(
        raw.data,
        mimetype="message/rfc822",
        headers={"Content-Disposition": f'attachment; filename="message-{raw.id}.eml"'},
    )
