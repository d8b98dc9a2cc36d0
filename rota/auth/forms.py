"""Forms for signing in, password reset and API tokens."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length
from wtforms.widgets import CheckboxInput, ListWidget

from rota.auth.models import SCOPES
from rota.forms import Form, options


class MultiCheckboxField(SelectMultipleField):
    """Several choices shown as a list of check boxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(Form):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me signed in on this device"))


class ResetRequestForm(Form):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email()])


class ResetPasswordForm(Form):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=10)])
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class TokenForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    scopes = MultiCheckboxField(
        _l("Scopes"), choices=options((s, s) for s in SCOPES), validators=[DataRequired()]
    )
    for_organisation = BooleanField(_l("Owned by my organisation (not by me)"))


class ConfirmForm(Form):
    """A form with nothing but its CSRF token, for buttons that change something."""
