"""The memorandum's life cycle: who has signed a version, reminders, signed copies.

A new version of a memorandum lists each member organisation as signed or not; until an
organisation signs it, its signature of the earlier version counts to the end of the grace
period (`Agreement.counts_until`, set when the new version is recorded). Organisation admins
are reminded once per stage — some days before their signature ends, and while a version
awaits their signature — by a scheduled job; `MemorandumReminder` rows make it idempotent.
A signature may carry its signed paper as a PDF, which only the coordinator and that
organisation's admins may download.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.auth import policy
from rota.errors import DomainError, NotFound
from rota.i18n import service_date, writing_in
from rota.links import external_url
from rota.members.memoranda import get_signature
from rota.members.models import (
    Agreement,
    MemorandumReminder,
    Organisation,
    Role,
    Signature,
    SignedCopy,
    User,
)
from rota.members.service import Term, all_signatures, chosen_on, terms
from rota.outbox.service import MailSettings, queue_notice

log = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"
NO_SUCH_COPY = _l("No signed copy here. Check the address.")


@dataclass(frozen=True)
class MemorandumSettings:
    """The ring's memorandum settings: grace period, reminder lead, signed copy size limit."""

    grace_days: int = 30
    reminder_days: int = 30
    copy_max_bytes: int = 960 * 1024

    @classmethod
    def from_config(cls, config: Mapping) -> "MemorandumSettings":
        """Settings from a Flask config (MEMORANDUM_GRACE_DAYS, MEMORANDUM_REMINDER_DAYS,
        SIGNED_COPY_MAX_BYTES)."""
        return cls(
            int(config["MEMORANDUM_GRACE_DAYS"]),
            int(config["MEMORANDUM_REMINDER_DAYS"]),
            int(config["SIGNED_COPY_MAX_BYTES"]),
        )


@dataclass(frozen=True)
class SigningStatus:
    """One member organisation and a version: its signature of it, or what counts meanwhile."""

    organisation: Organisation
    signature: Signature | None  # of this version
    counts_until: date | None  # not signed: the last day the earlier signature counts


def signing_status(session: Session, agreement: Agreement, today: date) -> list[SigningStatus]:
    """Every organisation a member on the eve of the version, today or when it takes effect:
    signed or not (then until when its earlier signature counts)."""
    signing_order = terms(all_signatures(session))
    days = (agreement.effective_from - timedelta(days=1), today, agreement.effective_from)
    members = {}
    for day in days:
        members.update(chosen_on(signing_order, day))
    own = {s.organisation_id: s for s in agreement.signatures if s.withdrawn_on is None}
    rows = []
    for org_id, current in members.items():
        signed = own.get(org_id)
        until = None if signed else _counts_until(signing_order, current)
        rows.append(SigningStatus(current.organisation, signed, until))
    return sorted(rows, key=lambda r: (r.signature is not None, r.organisation.name.casefold()))


def _counts_until(signing_order: list[Term], signature: Signature) -> date | None:
    return next(t.ends for t in signing_order if t.signature is signature)


def _admins(session: Session, organisation_id: int) -> list[User]:
    query = select(User).where(
        User.active.is_(True),
        User.role == Role.ORG_ADMIN,
        User.organisation_id == organisation_id,
    )
    return list(session.scalars(query.order_by(User.id)))


def _stages(session: Session, today: date, settings: MemorandumSettings):
    """(organisation id, stage, template, context) of every reminder due today."""
    signing_order = terms(all_signatures(session))
    in_force = chosen_on(signing_order, today)
    horizon = today + timedelta(days=settings.reminder_days)
    for term in signing_order:
        if in_force.get(term.organisation_id) is not term.signature or term.ends is None:
            continue
        continues = term.organisation_id in chosen_on(signing_order, term.ends + timedelta(1))
        if term.ends <= horizon and not continues:
            stage = f"ends:{term.signature.id}:{term.ends.isoformat()}"
            yield (
                term.organisation_id,
                stage,
                "ends",
                {"signature": term.signature, "ends": term.ends},
            )
    newest: dict[str, Agreement] = {}
    for agreement in session.scalars(select(Agreement).order_by(Agreement.effective_from)):
        newest[agreement.title] = agreement
    for agreement in newest.values():
        signed = {s.organisation_id for s in agreement.signatures if s.withdrawn_on is None}
        for org_id, signature in in_force.items():
            if org_id in signed or signature.agreement.title != agreement.title:
                continue
            if signature.agreement.effective_from < agreement.effective_from:
                context = {"agreement": agreement, "until": _counts_until(signing_order, signature)}
                yield org_id, f"awaits:{agreement.id}", "awaits", context


def send_signature_reminders(
    session: Session, now: datetime, mail: MailSettings, settings: MemorandumSettings
) -> list[int]:
    """Mail each organisation's admins the reminders due today, each stage once; returns the
    outbox ids. Running it again the same day or later sends nothing twice."""
    today = service_date(now, mail.zone)
    ids = []
    for org_id, stage, kind, context in _stages(session, today, settings):
        if session.get(MemorandumReminder, (org_id, stage)) is not None:
            continue
        admins = _admins(session, org_id)
        if not admins:
            continue
        organisation = session.get(Organisation, org_id)
        for person in admins:
            ids.append(_remind(session, mail, person, organisation, kind, context))
        session.add(MemorandumReminder(organisation_id=org_id, stage=stage, sent_at=now))
        session.flush()
    log.info("%s memorandum reminders queued", len(ids))
    return ids


def _remind(session, mail: MailSettings, person, organisation, kind: str, context: dict) -> int:
    with writing_in(mail.locale_for(person)):
        if kind == "ends":
            subject = _("[%(ring)s] Your memorandum signature ends soon", ring=mail.ring_name)
            link = external_url("members.organisation", org_id=organisation.id)
        else:
            subject = _(
                "[%(ring)s] A new memorandum version awaits your signature", ring=mail.ring_name
            )
            link = external_url("members.agreement", agreement_id=context["agreement"].id)
        text = render_template(
            "members/mail/reminder.txt",
            person=person,
            organisation=organisation,
            kind=kind,
            link=link,
            **context,
        )
    message = queue_notice(
        session,
        mail,
        to=person.email,
        subject=subject,
        text=text,
        kind="memorandum-reminder",
        after_commit=False,
    )
    return message.id


def _copy_signature(session: Session, actor: User, signature_id: int) -> Signature:
    signature = get_signature(session, signature_id)
    if not policy.may_handle_signed_copy(actor, signature.organisation_id):
        raise NotFound(_l("No such signature."))
    return signature


def attach_copy(
    session: Session,
    actor: User,
    signature_id: int,
    *,
    filename: str,
    data: bytes,
    now: datetime,
    settings: MemorandumSettings,
) -> SignedCopy:
    """Attach (or replace) the signed paper of a signature: a PDF within the size limit."""
    signature = _copy_signature(session, actor, signature_id)
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not data:
        raise DomainError(_l("Choose the PDF file of the signed memorandum."), "copy")
    if not name.lower().endswith(".pdf") or not data.startswith(PDF_MAGIC):
        raise DomainError(
            _l("The file is not a PDF. Scan or save the signed memorandum as PDF and try again."),
            "copy",
        )
    if len(data) > settings.copy_max_bytes:
        raise DomainError(
            _l(
                "The file is %(size)s MB; at most %(limit)s MB fit. Scan at a lower resolution.",
                size=f"{len(data) / 1048576:.1f}",
                limit=f"{settings.copy_max_bytes / 1048576:.1f}",
            ),
            "copy",
        )
    copy = session.get(SignedCopy, signature.id) or SignedCopy(signature_id=signature.id)
    copy.filename, copy.size, copy.data = name[:200], len(data), data
    copy.uploaded_by_id, copy.uploaded_at = actor.id, now
    session.add(copy)
    session.flush()
    log.info("signed copy of signature %s attached by user %s", signature.id, actor.id)
    return copy


def signed_copy(session: Session, actor: User, signature_id: int) -> SignedCopy:
    """The signed paper of a signature, for the coordinator and that organisation's admins."""
    signature = _copy_signature(session, actor, signature_id)
    copy = session.get(SignedCopy, signature.id)
    if copy is None:
        raise NotFound(NO_SUCH_COPY)
    return copy


def copies_of(session: Session, signature_ids) -> dict[int, SignedCopy]:
    """The signed copies of these signatures, by signature id (data not loaded)."""
    ids = list(signature_ids)
    if not ids:
        return {}
    query = select(SignedCopy).where(SignedCopy.signature_id.in_(ids))
    return {copy.signature_id: copy for copy in session.scalars(query)}
