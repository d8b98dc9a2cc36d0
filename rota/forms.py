"""What every view shares: the base of every form, the one way to run a use case, form helpers.

Every form derives from `Form`, whose fields refuse what nothing of ours can store. A view parses
its input and calls `perform(use_case, …, form=form)`: the use case runs on the request's
session; done, the session is committed and the mail the use case queued is delivered; refused
(a `DomainError`), the session is rolled back and the error is shown on the form field it names,
else as a message. The view then redirects with `Outcome.redirect` (which says the success
message) or shows the form again.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import (
    DateTimeField,
    DateTimeLocalField,
    IntegerField,
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice, SelectFieldBase
from wtforms.validators import StopValidation

from rota import inputs
from rota.db import utcnow
from rota.errors import DomainError, NotFound
from rota.extensions import db, mail
from rota.outbox import delivery
from rota.outbox import service as outbox
from rota.templating import kept_piece, written_for

CONTROL_CHARACTERS = _l("Remove the control characters (invisible codes) from this text.")
DAY_OUT_OF_RANGE = _l(
    "Give a day between %(first)s and %(last)s.", first=inputs.FIRST_DAY, last=inputs.LAST_DAY
)
TIME_OUT_OF_RANGE = _l(
    "Give a time between %(first)s and %(last)s.", first=inputs.FIRST_DAY, last=inputs.LAST_DAY
)
TOO_LARGE = _l("This number is too large.")
NOT_A_NUMBER = _l("Give a number, such as 12 or 7.5.")


def _refusal(field):
    """Why no field of ours can take this data, or None."""
    data = field.data
    if isinstance(data, str) and not isinstance(field, PasswordField):
        multiline = isinstance(field, TextAreaField)
        return CONTROL_CHARACTERS if inputs.has_control_characters(data, multiline) else None
    if isinstance(data, date):
        return None if inputs.supported_day(data) else DAY_OUT_OF_RANGE
    if isinstance(data, Decimal | float):
        return None if Decimal(data).is_finite() else NOT_A_NUMBER
    if type(data) is int:
        return None if inputs.fits_database_integer(data) else TOO_LARGE
    return None


def storable(form, field) -> None:
    """Refuse, before the field's own validators, what no field of ours can take: control
    characters in text (passwords aside), days outside 1900–2999, NaN and infinite numbers,
    whole numbers beyond the database's INTEGER."""
    refusal = _refusal(field)
    if refusal is not None:
        raise StopValidation(refusal)


class Form(FlaskForm):
    """Every form of the app: each field runs `storable` before its own validators."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            field.validators = [storable, *field.validators]
            return field


class LocalDateTimeField(DateTimeLocalField):
    """A wall-clock time in the service's zone (TIMEZONE), read as an aware instant.

    A time the clocks skip (summer time starts) is refused with that reason; a time they repeat
    (summer time ends) is taken as the first of the two, since a form cannot ask for the offset.
    """

    def pre_validate(self, form):
        if self.data is None or self.data.tzinfo is not None:
            return
        if not inputs.supported_day(self.data):
            raise StopValidation(TIME_OUT_OF_RANGE)
        zone = ZoneInfo(current_app.config["TIMEZONE"])
        found = inputs.occurrences(self.data.replace(tzinfo=None), zone)
        if not found:
            raise StopValidation(
                _l(
                    "%(time)s on %(day)s does not exist here: the clocks skip it when summer "
                    "time starts. Check the time.",
                    time=self.data.strftime("%H:%M"),
                    day=self.data.date().isoformat(),
                )
            )
        self.data = found[0]


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
    settings = delivery.DeliverySettings.from_config(current_app.config)
    return delivery.deliver_pending(db.session, mail, utcnow(), settings)


def form_data(form, *, exclude=()) -> dict:
    """The form's fields as keyword arguments for a service function."""
    return {k: v for k, v in form.data.items() if k != "csrf_token" and k not in exclude}


def form_page(template, form, **context):
    """Render a form page: 400 when a submitted form is shown again with its errors."""
    return render_template(template, form=form, **context), 400 if form.is_submitted() else 200


def options(pairs) -> list[SelectChoice]:
    """Choices for a select or check-box field from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


# --- a field shown afresh is the same HTML every time: written once -----------------------------
KEPT_KINDS = (StringField, IntegerField, DateTimeField, SelectFieldBase)  # whose HTML the key knows


def kept_field(field, hint=None, id=None) -> Markup:
    """The field as the `field` macro of templates/macros/forms.html writes it, kept in a memo
    while the field is as the server filled it (nothing posted, no errors). The key holds all the
    HTML depends on (the form's class; the field's kind, name, id, label, value or choices, flags
    and attributes; the macro's hint and id; the language), so it needs no invalidation (kept
    by templating.kept_piece, with the worker's other kept HTML); a posted or refused field is
    written afresh."""
    state = _pristine(field)
    if state is None:
        return _field_macro()(field, hint=hint, id=id)
    key = ("field", state, hint, id, *written_for())
    return kept_piece(key, lambda: _field_macro()(field, hint=hint, id=id))


def _pristine(field) -> tuple | None:
    """What a field's HTML depends on; None for a posted or refused field, or a kind not known."""
    if field.errors or field.raw_data is not None or not isinstance(field, KEPT_KINDS):
        return None
    if isinstance(field, SelectFieldBase):
        if field.has_groups():
            return None
        shown = tuple(
            (c.value, str(c.label), c.selected, _items(c.render_kw)) for c in field.iter_choices()
        )
    else:
        shown = field._value()
    attributes = (_items(vars(field.flags)), _items(field.render_kw))
    return (
        type(field._form),
        type(field),
        field.name,
        field.id,
        str(field.label.text),
        shown,
        attributes,
    )


def _items(mapping) -> tuple:
    return tuple(sorted((mapping or {}).items()))


def _field_macro():
    return current_app.jinja_env.get_template("macros/forms.html").module.field
