"""Form helpers shared by every domain's views."""

from flask import current_app, flash, render_template
from wtforms.fields.choices import SelectChoice

from rota.db import utcnow
from rota.errors import DomainError
from rota.extensions import db, mail
from rota.outbox import service as outbox


def apply_error(form, error) -> None:
    """Show a domain error on the field it names, or as a message above the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error.user_message)]
    else:
        flash(str(error.user_message), "error")


def run_use_case(form, action, *args, **kwargs):
    """Run a service function; commit and return its result, or show its error on the form."""
    try:
        result = action(db.session, *args, **kwargs)
    except DomainError as exc:
        db.session.rollback()
        apply_error(form, exc)
        return None
    db.session.commit()
    return result


def mail_settings() -> outbox.MailSettings:
    """How the ring writes its mail, from the app's configuration (for use cases that mail)."""
    return outbox.MailSettings.from_config(current_app.config)


def deliver_mail() -> int:
    """After the commit: send the mail the request's use case queued (failures are retried)."""
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    return outbox.deliver_pending(db.session, mail, utcnow(), max_attempts)


def form_data(form, *, exclude=()) -> dict:
    """The form's fields as keyword arguments for a service function."""
    return {k: v for k, v in form.data.items() if k != "csrf_token" and k not in exclude}


def form_page(template, form, **context):
    """Render a form page: 400 when a submitted form is shown again with its errors."""
    return render_template(template, form=form, **context), 400 if form.is_submitted() else 200


def options(pairs) -> list[SelectChoice]:
    """Choices for a select or check-box field from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]
