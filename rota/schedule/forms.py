"""Forms for shift operations and absences; `version` carries the shift version that was shown."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from rota.forms import Form


def _version(value):
    """The shown version as an int, or None when the form did not send one."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ShiftForm(Form):
    version = HiddenField(filters=[_version])


class NameCounsellorForm(ShiftForm):
    counsellor_id = SelectField(_l("Counsellor"), coerce=int, validate_choice=False)


class OfferForm(ShiftForm):
    note = TextAreaField(_l("Why you offer it"), validators=[Optional(), Length(max=500)])


class WithdrawOfferForm(ShiftForm):
    pass


class TakeForm(ShiftForm):
    reason = TextAreaField(_l("Note for the history"), validators=[Optional(), Length(max=500)])


class OverrideForm(ShiftForm):
    organisation_id = SelectField(_l("Organisation"), coerce=int, validate_choice=False)
    counsellor_id = SelectField(_l("Counsellor"), coerce=int, validate_choice=False)
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class SwapForm(Form):
    counter_shift_id = SelectField(_l("Swap for"), coerce=int, validate_choice=False)
    to_organisation_id = SelectField(_l("Or give it to"), coerce=int, validate_choice=False)
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500)])


class SwapAnswerForm(Form):
    pass


class AbsenceForm(Form):
    person_id = SelectField(_l("Who is away"), coerce=int, validate_choice=False)
    first_day = DateField(_l("First day away"), validators=[DataRequired()])
    last_day = DateField(_l("Last day away"), validators=[DataRequired()])
    reason = StringField(_l("Reason (optional)"), validators=[Optional(), Length(max=200)])


class PeriodForm(Form):
    class Meta:
        csrf = False

    day = DateField(_l("Show the period of"), validators=[Optional()])
