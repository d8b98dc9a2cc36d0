"""Forms of the privacy pages: find a client, export or erase their data."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from rota.forms import Form


class FindClientForm(Form):
    email = StringField(_l("Client's e-mail address"), validators=[Optional(), Length(max=254)])
    phone = StringField(_l("Client's phone number"), validators=[Optional(), Length(max=60)])


class ClientActionForm(Form):
    email = HiddenField(validators=[Optional(), Length(max=254)])
    phone = HiddenField(validators=[Optional(), Length(max=60)])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class EraseClientForm(ClientActionForm):
    confirm = BooleanField(
        _l("I understand that the client's data is erased for good."),
        validators=[DataRequired()],
    )
