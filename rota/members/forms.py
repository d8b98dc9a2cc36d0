"""Forms for organisations, memoranda, signatures and people."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp

from rota.auth.forms import MultiCheckboxField
from rota.forms import Form, options
from rota.members.models import CommitmentUnit, Role

LANGUAGES = [("fi", _l("Finnish")), ("sv", _l("Swedish")), ("en", _l("English"))]
CHANNELS = [("phone", _l("Phone")), ("email", _l("E-mail")), ("chat", _l("Chat"))]
ROLES = [
    (Role.COUNSELLOR.value, _l("Counsellor")),
    (Role.ORG_ADMIN.value, _l("Organisation admin")),
    (Role.COORDINATOR.value, _l("Coordinator")),
]


class OrganisationForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    short_name = StringField(_l("Short name"), validators=[DataRequired(), Length(max=40)])
    email = EmailField(_l("E-mail address"), validators=[Optional(), Email()])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=500)])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=300)])
    colour = StringField(
        _l("Calendar colour"),
        default="#1f6f8b",
        validators=[
            DataRequired(),
            Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("Use the form #1f6f8b.")),
        ],
        render_kw={"type": "color"},
    )


class AgreementForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    version_label = StringField(_l("Version"), validators=[DataRequired(), Length(max=40)])
    effective_from = DateField(_l("Takes effect on"), validators=[DataRequired()])
    body = TextAreaField(_l("Text of the memorandum"), validators=[Optional()])


class SignatureForm(Form):
    agreement_id = SelectField(_l("Memorandum version"), coerce=int, validate_choice=False)
    signed_on = DateField(_l("Signed on"), validators=[DataRequired()])
    signed_by_name = StringField(_l("Signed by"), validators=[DataRequired(), Length(max=200)])
    signed_by_title = StringField(_l("Signer's title"), validators=[Optional(), Length(max=200)])
    valid_from = DateField(_l("Valid from"), validators=[DataRequired()])
    valid_until = DateField(_l("Valid until"), validators=[Optional()])
    commitment_amount = DecimalField(
        _l("Commitment per month"),
        places=2,
        validators=[DataRequired(), NumberRange(min=0.25, max=744)],
    )
    commitment_unit = SelectField(
        _l("Counted in"),
        choices=options(
            [(CommitmentUnit.HOURS.value, _l("hours")), (CommitmentUnit.SHIFTS.value, _l("shifts"))]
        ),
    )
    cost_terms = TextAreaField(_l("Cost terms"), validators=[Optional(), Length(max=2000)])
    languages = MultiCheckboxField(_l("Languages it staffs"), choices=options(LANGUAGES))
    channels = MultiCheckboxField(_l("Channels it staffs"), choices=options(CHANNELS))


class WithdrawForm(Form):
    withdrawn_on = DateField(_l("Withdrawn from"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])


class PersonForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email()])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    languages = MultiCheckboxField(_l("Counsels in"), choices=options(LANGUAGES))
    role = SelectField(_l("Role"), choices=options(ROLES))
    organisation_id = SelectField(_l("Organisation"), coerce=int, validate_choice=False)
    active = BooleanField(_l("Account in use"), default=True)
    password = PasswordField(_l("Initial password"), validators=[Optional(), Length(min=10)])


class ProfileForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email()])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    languages = MultiCheckboxField(_l("I counsel in"), choices=options(LANGUAGES))
    locale = SelectField(
        _l("Interface language"),
        choices=options([("", _l("As my browser asks")), *LANGUAGES]),
    )
    current_password = PasswordField(_l("Current password"), validators=[Optional()])


class MembersOnDayForm(Form):
    class Meta:
        csrf = False

    day = DateField(_l("Day"), validators=[Optional()])
