"""Forms for shift operations and absences; `version` carries the shift version that was shown."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

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


class NameOnShiftsForm(Form):
    """One counsellor on the shifts chosen in the calendar or found by a rule."""

    shift_ids = SelectMultipleField(_l("Shifts"), coerce=int, validate_choice=False)
    counsellor_id = SelectField(_l("Counsellor"), coerce=int, validate_choice=False)
    back = HiddenField()


class ShiftRuleForm(Form):
    """Find shifts by a rule: "every Tuesday phone shift in January"."""

    class Meta:
        csrf = False

    weekday = SelectField(_l("Weekday"), coerce=int, validators=[InputRequired()])
    channel = SelectField(_l("Channel"), validators=[InputRequired()])
    first_day = DateField(_l("From"), validators=[DataRequired()])
    last_day = DateField(_l("Until"), validators=[DataRequired()])

    def validate_last_day(self, field):
        if self.first_day.data and field.data and field.data < self.first_day.data:
            raise ValidationError(_l("The last day comes before the first: swap them."))
