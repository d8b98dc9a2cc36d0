"""Contact facts worth reporting (topic, municipality, client group, outcome) and the ring's
lists they are chosen from. Use cases: take the session and plain values, flush."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session

from rota.contacts.models import Contact
from rota.errors import DomainError, found
from rota.members.models import Organisation, User
from rota.reports.models import ContactFacts, ContactOutcome, FactKind, FactOption

FACT_COLUMNS = {
    FactKind.TOPIC: "topic_id",
    FactKind.MUNICIPALITY: "municipality_id",
    FactKind.CLIENT_GROUP: "client_group_id",
}


def options(session: Session, kind: FactKind, *, keep: int | None = None) -> list[FactOption]:
    """A list's entries in their order, and the retired entry `keep` (a contact's own)."""
    query = select(FactOption).where(
        FactOption.kind == kind, or_(FactOption.active.is_(True), FactOption.id == keep)
    )
    return list(session.scalars(query.order_by(FactOption.position, FactOption.id)))


# every list's entries in their order, and the retired ones of the ids in "kept": plain rows
LISTS = (
    select(FactOption.id, FactOption.kind, FactOption.label, FactOption.active)
    .where(
        FactOption.kind.in_(list(FACT_COLUMNS)),
        or_(FactOption.active.is_(True), FactOption.id.in_(bindparam("kept", expanding=True))),
    )
    .order_by(FactOption.position, FactOption.id)
)


def options_by_kind(session: Session, keep: dict) -> dict[FactKind, list]:
    """Every list's entries in their order (as `options` gives one list; rows of their id, kind,
    label and whether active), each with its retired entry in `keep` (kind → a contact's own):
    the contact page's lists in one statement."""
    kept = [option_id for option_id in keep.values() if option_id is not None]
    lists: dict[FactKind, list] = {kind: [] for kind in FACT_COLUMNS}
    for option in session.execute(LISTS, {"kept": kept}):
        if option.active or keep.get(option.kind) == option.id:
            lists[option.kind].append(option)
    return lists


def add_option(session: Session, kind: FactKind, label: str) -> FactOption:
    """Add an entry at the end of a list; a retired entry of the same name comes back."""
    label = " ".join(label.split())
    if not label:
        raise DomainError(_l("Type the name of the new entry."), field="label")
    existing = session.scalar(
        select(FactOption).where(FactOption.kind == kind, FactOption.label == label)
    )
    if existing is not None and existing.active:
        raise DomainError(_l("%(label)s is on the list already.", label=label), field="label")
    if existing is not None:
        existing.active = True
        session.flush()
        return existing
    last = session.scalar(select(func.max(FactOption.position)).where(FactOption.kind == kind))
    option = FactOption(kind=kind, label=label, position=(last or 0) + 1)
    session.add(option)
    session.flush()
    return option


def retire_option(session: Session, option_id: int) -> FactOption:
    """Take an entry off its list for new contacts; contacts that name it keep it."""
    option = found(session.get(FactOption, option_id), _l("No such entry."))
    option.active = False
    session.flush()
    return option


RECORDED = ("topic_id", "municipality_id", "client_group_id", "outcome", "referred_organisation_id")


def recorded_facts(session: Session, contact_id: int) -> dict:
    """The facts recorded on a contact, by column ({} when none are): plain values."""
    columns = [getattr(ContactFacts, name) for name in RECORDED]
    query = select(*columns).where(ContactFacts.contact_id == contact_id)
    row = session.execute(query).first()
    return row._asdict() if row else {}


def _check_option(session: Session, kind: FactKind, option_id: int | None, current: int | None):
    if option_id is None or option_id == current:
        return
    option = session.get(FactOption, option_id)
    if option is None or option.kind != kind or not option.active:
        raise DomainError(_l("Choose an entry of the list."), field=FACT_COLUMNS[kind])


def set_facts(
    session: Session,
    contact: Contact,
    actor: User,
    now: datetime,
    *,
    outcome: ContactOutcome | None = None,
    referred_organisation_id: int | None = None,
    **chosen: int | None,
) -> ContactFacts:
    """Record a contact's facts (topic_id, municipality_id, client_group_id, outcome): a
    referral to a member names the organisation, and only then."""
    facts = session.get(ContactFacts, contact.id) or ContactFacts(contact_id=contact.id)
    for kind, column in FACT_COLUMNS.items():
        _check_option(session, kind, chosen.get(column), getattr(facts, column))
    referred = outcome == ContactOutcome.REFERRED_MEMBER
    if referred and session.get(Organisation, referred_organisation_id or 0) is None:
        raise DomainError(
            _l("Choose the member organisation the client was referred to."),
            field="referred_organisation_id",
        )
    for column in FACT_COLUMNS.values():
        setattr(facts, column, chosen.get(column))
    facts.outcome = ContactOutcome(outcome) if outcome else None
    facts.referred_organisation_id = referred_organisation_id if referred else None
    facts.updated_by_id = actor.id
    facts.updated_at = now
    session.add(facts)
    session.flush()
    return facts
