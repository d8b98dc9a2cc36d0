"""Forms of the queue and the contact page: reply, note, call log, reassignment."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from rota.auth.forms import MultiCheckboxField
from rota.contacts.models import CallOutcome
from rota.forms import Form, LocalDateTimeField, options

OUTCOMES = [
    (CallOutcome.ANSWERED.value, _l("Answered")),
    (CallOutcome.MISSED.value, _l("Missed: call back")),
    (CallOutcome.VOICEMAIL.value, _l("Voicemail: call back")),
]


class ReplyForm(Form):
    text = TextAreaField(_l("Your reply"), validators=[DataRequired(), Length(max=20000)])
    # the addresses that wrote in the thread; the service refuses any other
    also_to = MultiCheckboxField(_l("Also send to"), choices=[], validate_choice=False)


class NoteForm(Form):
    text = TextAreaField(
        _l("Internal note (never sent)"), validators=[DataRequired(), Length(max=5000)]
    )


class CallForm(Form):
    caller = StringField(_l("Caller's number"), validators=[DataRequired(), Length(max=60)])
    started_at = LocalDateTimeField(
        _l("Time of the call"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    duration_minutes = IntegerField(
        _l("Duration (minutes)"), validators=[Optional(), NumberRange(min=0, max=600)]
    )
    outcome = RadioField(_l("Outcome"), choices=options(OUTCOMES), validators=[DataRequired()])
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=5000)])


class MergeForm(Form):
    into = StringField(
        _l("Reference of the contact to merge into"), validators=[DataRequired(), Length(max=20)]
    )


class ReassignForm(Form):
    target = SelectField(_l("Give the contact to"), validate_choice=True)
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])

    def target_ids(self) -> dict:
        """The choice as keyword arguments: to_user_id or to_org_id."""
        kind, _sep, number = (self.target.data or "").partition(":")
        key = {"user": "to_user_id", "org": "to_org_id"}.get(kind)
        return {key: int(number)} if key and number.isdigit() else {}


def _organisation(value):
    """The organisation choice: "" is ring-wide (None), else the organisation's id."""
    return int(value) if value not in (None, "", "None") else None


LANGUAGES = [("fi", _l("Finnish")), ("sv", _l("Swedish")), ("en", _l("English"))]


class SavedReplyForm(Form):
    title = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    language = SelectField(_l("Language"), choices=options(LANGUAGES))
    organisation_id = SelectField(_l("For"), coerce=_organisation, validate_choice=True)
    text = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=20000)])
