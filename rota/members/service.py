"""Use cases for organisations, memoranda and people. Functions flush; callers commit."""

from dataclasses import dataclass
from datetime import date

import phonenumbers
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from rota.errors import DomainError, found
from rota.members.models import CommitmentUnit, Organisation, Signature


@dataclass(frozen=True)
class Membership:
    """An organisation in force on a day, with the signature that puts it there."""

    organisation: Organisation
    signature: Signature

    def weight(self, shift_hours: float) -> float:
        """The commitment as hours per month (shifts are counted at `shift_hours` each)."""
        amount = float(self.signature.commitment_amount)
        if self.signature.commitment_unit == CommitmentUnit.SHIFTS:
            return amount * shift_hours
        return amount


def signature_in_force(signature: Signature, day: date, successors: dict[int, list]) -> bool:
    """Whether a signature binds on `day` (valid, not withdrawn, not yet amended)."""
    if signature.valid_from > day or signature.agreement.effective_from > day:
        return False
    if signature.valid_until is not None and day > signature.valid_until:
        return False
    if signature.withdrawn_on is not None and day >= signature.withdrawn_on:
        return False
    return not any(s.valid_from <= day for s in successors.get(signature.id, ()))


def in_force(signatures: list[Signature], day: date) -> dict[int, Signature]:
    """Per organisation id, the signature in force on `day`; the latest wins where two overlap."""
    successors: dict[int, list] = {}
    for signature in signatures:
        if signature.supersedes_id is not None:
            successors.setdefault(signature.supersedes_id, []).append(signature)
    chosen: dict[int, Signature] = {}
    for signature in sorted(signatures, key=lambda s: (s.valid_from, s.signed_on, s.id)):
        if signature_in_force(signature, day, successors):
            chosen[signature.organisation_id] = signature
    return chosen


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
