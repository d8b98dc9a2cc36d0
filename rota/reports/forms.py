"""Forms of the reports: a contact's facts and the ring's lists they are chosen from."""

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from rota import hot
from rota.forms import Form, options
from rota.members.service import organisation_names
from rota.reports import facts
from rota.reports.models import ContactOutcome

NONE_CHOSEN = ("", _l("— not recorded —"))
OUTCOMES = [
    (ContactOutcome.ANSWERED.value, _l("Answered")),
    (ContactOutcome.REFERRED_MEMBER.value, _l("Referred to a member organisation")),
    (ContactOutcome.REFERRED_ELSEWHERE.value, _l("Referred elsewhere")),
]


def _id_or_none(value):
    return int(value) if value not in (None, "", "None") else None


class FactsForm(Form):
    topic_id = SelectField(_l("Topic"), coerce=_id_or_none, validate_choice=False)
    municipality_id = SelectField(
        _l("Client's municipality"), coerce=_id_or_none, validate_choice=False
    )
    client_group_id = SelectField(_l("Client group"), coerce=_id_or_none, validate_choice=False)
    outcome = SelectField(_l("Outcome"), choices=options([NONE_CHOSEN, *OUTCOMES]), default="")
    referred_organisation_id = SelectField(
        _l("Referred to (member organisation)"), coerce=_id_or_none, validate_choice=False
    )

    def fill(self, lists: dict, organisations) -> "FactsForm":
        """Offer the ring's lists (kind → options) and the member organisations ((id, name)
        pairs)."""
        for kind, entries in lists.items():
            field = getattr(self, f"{kind}_id")
            field.choices = options([NONE_CHOSEN, *((o.id, o.label) for o in entries)])
        self.referred_organisation_id.choices = options([NONE_CHOSEN, *organisations])
        return self

    def values(self) -> dict:
        """The chosen facts as keyword arguments of `facts.set_facts`."""
        return {
            "topic_id": self.topic_id.data,
            "municipality_id": self.municipality_id.data,
            "client_group_id": self.client_group_id.data,
            "outcome": self.outcome.data or None,
            "referred_organisation_id": self.referred_organisation_id.data,
        }


def facts_form(session, contact_id: int, form: FactsForm | None = None) -> FactsForm:
    """The facts form of a contact page: its recorded facts, the ring's lists to choose from."""
    recorded = hot.answer(
        ("recorded facts", contact_id),
        lambda: (facts.recorded_facts(session, contact_id), None),
        hot.CHOICES,
    )
    if form is None:
        form = FactsForm(data=recorded, formdata=None)
    keep = {kind: recorded.get(column) for kind, column in facts.FACT_COLUMNS.items()}
    # the lists are a hot answer too, for the retired entries the contact keeps (mostly none)
    by_kind = hot.answer(
        ("fact lists", tuple(sorted(keep.items()))),
        lambda: (facts.options_by_kind(session, keep), None),
        hot.CHOICES,
    )
    lists = {kind.value: entries for kind, entries in by_kind.items()}
    # the organisations' names are a hot answer: every page with this form asks, few change them
    names = hot.answer(
        ("organisation names",), lambda: (organisation_names(session), None), hot.MEMBERS
    )
    return form.fill(lists, names)


class OptionForm(Form):
    label = StringField(_l("New entry"), validators=[DataRequired(), Length(max=120)])


class FeedbackForm(Form):
    rating = RadioField(
        _l("How well did we help you? (1 = poorly, 5 = very well)"),
        choices=options((n, str(n)) for n in range(1, 6)),
        coerce=int,
        validators=[DataRequired(_l("Choose a rating from 1 to 5."))],
    )
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=2000)])
