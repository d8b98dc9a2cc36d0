"""Forms for signing in, password reset and API tokens."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length
from wtforms.widgets import CheckboxInput, ListWidget

from rota.forms import Form


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


class ChangePasswordForm(ResetPasswordForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])


class TokenForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    # the view offers the scopes of the person's role; the service refuses any other
    scopes = MultiCheckboxField(_l("Scopes"), validators=[DataRequired()], validate_choice=False)
    for_organisation = BooleanField(_l("Owned by my organisation (not by me)"))


class ConfirmForm(Form):
    """A form with nothing but its CSRF token, for buttons that change something."""
