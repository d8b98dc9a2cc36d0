"""What every view shares: the one way to run a use case, and form helpers.

A view parses its input and calls `perform(use_case, …, form=form)`: the use case runs on the
request's session; done, the session is committed and the mail the use case queued is
delivered; refused (a `DomainError`), the session is rolled back and the error is shown on the
form field it names, else as a message. The view then redirects with `Outcome.redirect` (which
says the success message) or shows the form again.
"""

from dataclasses import dataclass

from flask import current_app, flash, redirect, render_template, url_for
from wtforms.fields.choices import SelectChoice

from rota.db import utcnow
from rota.errors import DomainError, NotFound
from rota.extensions import db, mail
from rota.outbox import service as outbox


def apply_error(form, error) -> None:
    """Show a domain error on the field it names, or as a message above the form."""
    field = getattr(form, error.field, None) if form is not None and error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error.user_message)]
    else:
        flash(str(error.user_message), "error")


@dataclass(frozen=True)
class Outcome:
    """What a use case run by `perform` came to: its result, or the error the user was shown."""

    result: object = None
    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        """Whether the use case was done (and committed)."""
        return self.error is None

    def redirect(self, message, endpoint: str, **values):
        """To `endpoint`, saying `message` (if any) when the use case was done; a refusal was
        shown already."""
        if self.ok and message:
            flash(str(message), "success")
        return redirect(url_for(endpoint, **values))


def perform(action, *args, form=None, **kwargs) -> Outcome:
    """Run a use case on the request's session: commit and deliver its mail, or show its error.

    `NotFound` is no input to correct but a record that is not there (or not the user's to
    see): it is not caught, and the app answers 404.
    """
    try:
        result = action(db.session, *args, **kwargs)
    except NotFound:
        _roll_back()
        raise
    except DomainError as exc:
        _roll_back()
        apply_error(form, exc)
        return Outcome(error=exc)
    db.session.commit()
    deliver_mail()
    return Outcome(result)


def _roll_back() -> None:
    db.session.rollback()
    outbox.forget_pending(db.session)


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
