"""Forms of the coordinator's rota pages: service hours, closures, publishing, re-planning."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TimeField
from wtforms.validators import DataRequired, Length, Optional

from rota.forms import Form, options
from rota.members.forms import LANGUAGES
from rota.schedule.models import Channel

WEEKDAYS = [
    (0, _l("Monday")),
    (1, _l("Tuesday")),
    (2, _l("Wednesday")),
    (3, _l("Thursday")),
    (4, _l("Friday")),
    (5, _l("Saturday")),
    (6, _l("Sunday")),
]
CHANNELS = [
    (Channel.PHONE.value, _l("Phone")),
    (Channel.EMAIL.value, _l("E-mail")),
    (Channel.CHAT.value, _l("Chat")),
]


class PatternForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    valid_from = DateField(_l("Valid from"), validators=[DataRequired()])
    valid_until = DateField(_l("Last day"), validators=[Optional()])


class PatternSlotForm(Form):
    weekday = SelectField(_l("Weekday"), coerce=int, choices=options(WEEKDAYS))
    start_time = TimeField(_l("Starts at"), validators=[DataRequired()])
    end_time = TimeField(_l("Ends at"), validators=[DataRequired()])
    channel = SelectField(_l("Channel"), choices=options(CHANNELS))
    language = SelectField(_l("Language"), choices=options([("", _l("Any language")), *LANGUAGES]))


class ClosureForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    first_day = DateField(_l("First day"), validators=[DataRequired()])
    last_day = DateField(_l("Last day"), validators=[Optional()])


class RangeForm(Form):
    first = DateField(_l("From"), validators=[DataRequired()])
    last = DateField(_l("To"), validators=[DataRequired()])


class RangeQueryForm(RangeForm):
    class Meta:
        csrf = False


class ReplanQueryForm(RangeQueryForm):
    include_published = BooleanField(_l("Also move shifts of published weeks"))


class ReplanApplyForm(RangeForm):
    include_published = HiddenField()
    fingerprint = HiddenField(validators=[DataRequired()])


class GenerateForm(Form):
    until = DateField(_l("Extend until"), validators=[Optional()])
