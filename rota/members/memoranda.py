"""Use cases for the memorandum: agreement versions, signatures, amendments, withdrawals."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.errors import DomainError, found
from rota.members.models import Agreement, CommitmentUnit, Organisation, Signature, User
from rota.members.people import LANGUAGES
from rota.members.service import in_force


def create_agreement(session: Session, **fields) -> Agreement:
    """Record a new version of the memorandum text."""
    query = select(Agreement.id).where(
        Agreement.title == fields["title"], Agreement.version_label == fields["version_label"]
    )
    if session.scalar(query) is not None:
        raise DomainError(
            _l("This memorandum already has a version %(label)s.", label=fields["version_label"]),
            "version_label",
        )
    agreement = Agreement(**fields)
    session.add(agreement)
    session.flush()
    return agreement


def agreements(session: Session) -> list[Agreement]:
    """Every memorandum version, the newest in effect first."""
    return list(session.scalars(select(Agreement).order_by(Agreement.effective_from.desc())))


def agreement_page(session: Session, agreement_id: int) -> Agreement:
    """The agreement version a page shows, or NotFound."""
    return found(
        session.get(Agreement, agreement_id), _l("There is nothing here. Check the address.")
    )


def get_agreement(session: Session, agreement_id: int | None) -> Agreement:
    """The agreement version with this id, or a DomainError naming the field."""
    agreement = session.get(Agreement, agreement_id) if agreement_id else None
    if agreement is None:
        raise DomainError(
            _l("That memorandum version does not exist. Choose one from the list."), "agreement_id"
        )
    return agreement


def get_signature(session: Session, signature_id: int) -> Signature:
    """The signature with this id, or NotFound."""
    return found(session.get(Signature, signature_id), _l("No such signature."))


def _check_terms(agreement: Agreement, valid_from: date, valid_until: date | None, amount):
    if valid_until is not None and valid_until < valid_from:
        raise DomainError(
            _l(
                "The end date is before the start date. The signature must end on or after it starts."
            ),
            "valid_until",
        )
    if valid_from < agreement.effective_from:
        raise DomainError(
            _l(
                "This memorandum version takes effect on %(day)s; the signature cannot start before it.",
                day=agreement.effective_from.isoformat(),
            ),
            "valid_from",
        )
    if amount is None or float(amount) <= 0:
        raise DomainError(_l("The commitment must be more than zero."), "commitment_amount")


CHANNELS = ("phone", "email", "chat")


def _codes(values, known: tuple[str, ...], field: str) -> str:
    """Comma-separated codes from a list or a comma-separated text, each one of `known`."""
    if isinstance(values, str):
        values = values.split(",")
    codes = [value.strip() for value in values or () if value.strip()]
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise DomainError(
            _l(
                "Unknown: %(codes)s. Choose from %(known)s.",
                codes=", ".join(unknown),
                known=", ".join(known),
            ),
            field,
        )
    return ",".join(code for code in known if code in codes)


def sign(
    session: Session,
    organisation: Organisation,
    recorded_by: User | None,
    *,
    agreement_id: int,
    signed_on: date,
    signed_by_name: str,
    valid_from: date,
    commitment_amount: float,
    commitment_unit: CommitmentUnit | str,
    signed_by_title: str = "",
    valid_until: date | None = None,
    cost_terms: str = "",
    supersedes: Signature | None = None,
    languages: list[str] | str = (),
    channels: list[str] | str = (),
) -> Signature:
    """Record an organisation's signature of an agreement version (a new row, never an edit).

    `languages` and `channels` declare what the organisation staffs; left empty, the rota uses
    its active counsellors' languages and every channel.
    """
    agreement = get_agreement(session, agreement_id)
    _check_terms(agreement, valid_from, valid_until, commitment_amount)
    signature = Signature(
        organisation=organisation,
        agreement=agreement,
        signed_on=signed_on,
        signed_by_name=signed_by_name.strip(),
        signed_by_title=(signed_by_title or "").strip(),
        valid_from=valid_from,
        valid_until=valid_until,
        commitment_amount=float(commitment_amount),
        commitment_unit=CommitmentUnit(commitment_unit),
        cost_terms=(cost_terms or "").strip(),
        supersedes=supersedes,
        languages=_codes(languages, LANGUAGES, "languages"),
        channels=_codes(channels, CHANNELS, "channels"),
        recorded_by_id=recorded_by.id if recorded_by else None,
    )
    session.add(signature)
    session.flush()
    return signature


def amend(session: Session, previous: Signature, recorded_by: User | None, **terms) -> Signature:
    """Replace a signature's terms from `valid_from` on by a new signature that supersedes it."""
    if previous.withdrawn_on is not None:
        raise DomainError(_l("This signature was withdrawn; record a new signature instead."))
    if terms["valid_from"] <= previous.valid_from:
        raise DomainError(
            _l(
                "An amendment must start after the signature it amends (%(day)s).",
                day=previous.valid_from.isoformat(),
            ),
            "valid_from",
        )
    return sign(session, previous.organisation, recorded_by, supersedes=previous, **terms)


def withdraw(session: Session, signature: Signature, on: date, reason: str) -> Signature:
    """End an organisation's membership under this signature from `on` (inclusive)."""
    if signature.withdrawn_on is not None:
        raise DomainError(
            _l(
                "This signature was already withdrawn on %(day)s.",
                day=signature.withdrawn_on.isoformat(),
            )
        )
    if on < signature.valid_from:
        raise DomainError(
            _l(
                "The withdrawal date is before the signature starts (%(day)s).",
                day=signature.valid_from.isoformat(),
            ),
            "withdrawn_on",
        )
    signature.withdrawn_on = on
    signature.withdrawal_reason = (reason or "").strip()
    session.flush()
    return signature


def agreement_by_label(session: Session, version_label: str) -> Agreement:
    """The one memorandum version with this label, or a DomainError naming the labels there are."""
    found_ = list(session.scalars(select(Agreement).filter_by(version_label=version_label)))
    if len(found_) != 1:
        labels = ", ".join(sorted({a.version_label for a in agreements(session)})) or "-"
        raise DomainError(
            _l(
                "No single memorandum version is labelled %(label)s. Versions: %(labels)s.",
                label=version_label,
                labels=labels,
            ),
            "agreement",
        )
    return found_[0]


def signature_on(session: Session, organisation: Organisation, day: date) -> Signature | None:
    """The organisation's signature in force on `day`, if any."""
    return in_force(organisation.signatures, day).get(organisation.id)


def record_commitment(
    session: Session, organisation: Organisation, recorded_by: User | None, **terms
) -> Signature:
    """Sign, or amend the signature in force on the new terms' first day; flushes."""
    previous = signature_on(session, organisation, terms["valid_from"])
    if previous is not None and previous.valid_from < terms["valid_from"]:
        return amend(session, previous, recorded_by, **terms)
    return sign(session, organisation, recorded_by, **terms)
