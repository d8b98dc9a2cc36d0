"""Use cases for organisations, memoranda and people. Functions flush; callers commit."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import phonenumbers
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from rota.auth import policy
from rota.errors import DomainError, NotFound, found
from rota.members.models import CommitmentUnit, Organisation, Signature

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Membership:
    """An organisation in force on a day, with the signature that puts it there."""

    organisation: Organisation
    signature: Signature

    def weight(self, shift_hours: float) -> float:
        """The commitment as hours per month (shifts are counted at `shift_hours` each)."""
        return commitment_weight(self.signature, shift_hours)


def commitment_weight(signature: Signature, shift_hours: float) -> float:
    """A signature's commitment as hours per month (a shift counts `shift_hours`)."""
    amount = float(signature.commitment_amount)
    if signature.commitment_unit == CommitmentUnit.SHIFTS:
        return amount * shift_hours
    return amount


@dataclass(frozen=True, slots=True)
class Term:
    """The days a signature binds, as plain dates: from `starts` to `ends` (None: open-ended).

    A signature binds from the later of its own start and its agreement's effective date, up
    to the first of: its end, the day before its withdrawal, the day before an amendment that
    supersedes it starts, the last day its version counts (a later version's effective day plus
    the grace period).
    """

    signature: Signature
    organisation_id: int
    starts: date
    ends: date | None

    def binds(self, day: date) -> bool:
        """Whether the signature binds on `day`."""
        return self.starts <= day and (self.ends is None or day <= self.ends)


def terms(signatures: Iterable[Signature]) -> list[Term]:
    """The terms of the signatures in signing order (where two overlap, the later one wins)."""
    superseded: dict[int, date] = {}
    for signature in signatures:
        if signature.supersedes_id is not None:
            first = superseded.get(signature.supersedes_id, signature.valid_from)
            superseded[signature.supersedes_id] = min(first, signature.valid_from)
    result = []
    for signature in sorted(signatures, key=lambda s: (s.valid_from, s.signed_on, s.id)):
        ends = [d for d in (signature.valid_until, signature.agreement.counts_until) if d]
        ends += [
            cut - ONE_DAY
            for cut in (signature.withdrawn_on, superseded.get(signature.id))
            if cut is not None
        ]
        starts = max(signature.valid_from, signature.agreement.effective_from)
        result.append(Term(signature, signature.organisation_id, starts, min(ends, default=None)))
    return result


def chosen_on(signing_order: Iterable[Term], day: date) -> dict[int, Signature]:
    """Per organisation id, the signature in force on `day`, from terms in signing order."""
    return {t.organisation_id: t.signature for t in signing_order if t.binds(day)}


def in_force(signatures: Iterable[Signature], day: date) -> dict[int, Signature]:
    """Per organisation id, the signature in force on `day`; the latest wins where two overlap."""
    return chosen_on(terms(signatures), day)


def all_signatures(session: Session) -> list[Signature]:
    """Every signature with its organisation and agreement loaded."""
    query = select(Signature).options(
        joinedload(Signature.organisation), joinedload(Signature.agreement)
    )
    return list(session.scalars(query))


def members_in_force(session: Session, day: date) -> list[Membership]:
    """The member organisations in force on `day`, with their commitment, by name."""
    chosen = in_force(all_signatures(session), day)
    members = [Membership(s.organisation, s) for s in chosen.values()]
    return sorted(members, key=lambda m: m.organisation.name.casefold())


def normalise_phone(raw: str, region: str = "FI") -> str:
    """A phone number in E.164, or DomainError saying what is wrong with it."""
    if not raw or not raw.strip():
        return ""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise DomainError(_l("This is not a phone number: %(raw)s", raw=raw), "phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise DomainError(
            _l("%(raw)s is not a valid phone number. Check the digits and the area code.", raw=raw),
            "phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _unique_organisation(session: Session, org_id: int | None, name: str, short_name: str):
    for column, value, field in (
        (Organisation.name, name, "name"),
        (Organisation.short_name, short_name, "short_name"),
    ):
        query = select(Organisation.id).where(func.lower(column) == value.strip().lower())
        if org_id is not None:
            query = query.where(Organisation.id != org_id)
        if session.scalar(query) is not None:
            raise DomainError(
                _l("Another member organisation already uses “%(value)s”.", value=value), field
            )


def save_organisation(session: Session, org: Organisation | None, region: str, **fields):
    """Create (org=None) or update an organisation; names must be unique."""
    _unique_organisation(session, org.id if org else None, fields["name"], fields["short_name"])
    fields["phone"] = normalise_phone(fields.get("phone", ""), region)
    org = org or Organisation()
    for key, value in fields.items():
        setattr(org, key, value.strip() if isinstance(value, str) else value)
    session.add(org)
    session.flush()
    return org


def get_organisation(session: Session, org_id: int) -> Organisation:
    """The organisation with this id, or NotFound."""
    return found(session.get(Organisation, org_id), _l("No such member organisation."))


def find_organisation(session: Session, org_id: int | None) -> Organisation | None:
    """The organisation with this id, or None (for a choice on a form)."""
    return session.get(Organisation, org_id) if org_id else None


def get_managed_organisation(session: Session, actor, org_id: int) -> Organisation:
    """An organisation the actor manages, or NotFound (no hint that it exists)."""
    organisation = get_organisation(session, org_id)
    if not policy.manages_org(actor, organisation.id):
        raise NotFound(_l("No such member organisation."))
    return organisation


def organisation_names(session: Session) -> list[tuple[int, str]]:
    """Every member organisation's (id, name), by name: plain pairs, for a list to choose from."""
    query = select(Organisation.id, Organisation.name).order_by(Organisation.name)
    return [(row.id, row.name) for row in session.execute(query)]


def organisations_by_name(
    session: Session, scope: policy.Scope = policy.EVERYTHING
) -> list[Organisation]:
    """The member organisations a policy scope reaches (all by default), by name."""
    query = select(Organisation).order_by(Organisation.name)
    if scope.reach != policy.Reach.ALL:
        query = query.where(Organisation.id == scope.organisation_id)
    return list(session.scalars(query))
