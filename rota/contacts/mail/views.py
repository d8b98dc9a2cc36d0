"""The coordinator's shared-mailbox pages: status, mail problems, re-process, raw download."""

from flask import Blueprint, Response, current_app, flash, render_template, request
from flask_babel import gettext as _

from rota.auth.access import role_required
from rota.contacts.mail import poll as mailbox
from rota.contacts.mail import problems as mail_problems
from rota.contacts.mail.alerts import failure_reason
from rota.db import utcnow
from rota.extensions import db
from rota.forms import perform
from rota.members.models import Role
from rota.paging import cursors

bp = Blueprint("mail", __name__)
bp.add_app_template_global(failure_reason, "mailbox_reason")  # /mail and the front page


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
    page = mail_problems.failed_messages(db.session, cursors(request.args, ["page"])["page"])
    return render_template(
        "contacts/mail/problems.html",
        status=mailbox.mailbox_status(db.session, config),
        page=page,
        problems=[mail_problems.describe(row) for row in page],
        max_bytes=config["MAIL_MAX_BYTES"],
    )


@bp.post("/mail/raw/<int:raw_id>/reprocess")
@role_required(Role.COORDINATOR)
def reprocess(raw_id):
    """Try one failed message again (after a fix); say what became of it."""
    done = perform(mail_problems.reprocess, raw_id, current_app.config, utcnow())
    if done.ok and done.result not in OUTCOMES:
        flash(_("The message still cannot be read; the new reason is shown in the list."), "error")
    return done.redirect(OUTCOMES.get(done.result, lambda: None)(), "mail.problems")


@bp.get("/mail/raw/<int:raw_id>.eml")
@role_required(Role.COORDINATOR)
def download(raw_id):
    """The raw message exactly as it came from the mail server."""
    raw = mail_problems.raw_message(db.session, raw_id)
    return Response(
        raw.data,
        mimetype="message/rfc822",
        headers={"Content-Disposition": f'attachment; filename="message-{raw.id}.eml"'},
    )
