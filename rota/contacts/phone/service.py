"""Phone: telephony webhook events, the forwarding target, calls logged by hand, call-backs."""

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rota.auth import policy
from rota.contacts.events import Kind, flush_or_conflict, record_event
from rota.contacts.models import Call, CallEvent, CallOutcome, Contact, Message
from rota.contacts.phone.callers import contact_for_caller, lock_caller
from rota.contacts.queue.service import adopt, reaches
from rota.contacts.routing import reasons
from rota.contacts.routing.service import decision_for
from rota.errors import DomainError, found
from rota.members.models import Organisation, User
from rota.members.service import normalise_phone
from rota.outbox.service import MailSettings
from rota.schedule.duty import forwarding_number
from rota.schedule.models import Channel

log = logging.getLogger(__name__)

EVENTS = ("new", "answered", "ended")
CALLER_MAX = 32
NO_PHONE = _l(
    "Nobody on duty has a phone number: add one to the counsellor's or the organisation's details."
)


@dataclass(frozen=True)
class CallReport:
    """One telephony event, checked: what happened to which call, when."""

    event: str
    call_id: str
    caller: str
    called: str = ""
    answering: str = ""
    cause: str = ""
    at: datetime | None = None


@dataclass(frozen=True)
class PhoneSettings:
    """What call handling needs from the configuration: the numbering region, how to write mail."""

    region: str
    mail: MailSettings

    @classmethod
    def from_config(cls, config) -> "PhoneSettings":
        """Settings from a Flask config (PHONE_REGION and the mail settings)."""
        return cls(config["PHONE_REGION"], MailSettings.from_config(config))


def read_number(raw: str, region: str) -> tuple[str, bool]:
    """A number in E.164, or the text as given (shortened to fit) and flagged unreadable."""
    try:
        return normalise_phone(raw, region), False
    except DomainError:
        return raw.strip()[:CALLER_MAX], bool(raw.strip())


def forwarding_target(session: Session, at: datetime, moment: reasons.Moment) -> dict:
    """Where a PBX should put a call now: the on-duty counsellor's phone, else the org's; the
    reason writes shift times with `moment` (the API's timestamps)."""
    channel = Channel.PHONE.value
    decision = decision_for(session, channel, None, at)
    reason = reasons.render(reasons.reason_data(session, decision, channel), moment)
    if not decision.on_duty:
        return {"forward_to": None, "target": None, "reason": reason}
    counsellor = session.get(User, decision.owner_id) if decision.owner_id else None
    organisation = session.get(Organisation, decision.organisation_id)
    found = forwarding_number(counsellor, organisation)
    if found is None:
        return {"forward_to": None, "target": None, "reason": f"{reason} {NO_PHONE}"}
    number, target = found
    return {"forward_to": number, "target": target, "reason": reason}


def _new_call(session: Session, report: CallReport, settings: PhoneSettings) -> Call:
    caller, unreadable = read_number(report.caller, settings.region)
    contact = contact_for_caller(
        session, caller, unreadable, report.caller, report.at, settings.mail
    )
    call = Call(
        contact_id=contact.id,
        external_id=report.call_id,
        caller=caller,
        caller_unreadable=unreadable,
        called=read_number(report.called, settings.region)[0],
        started_at=report.at,
    )
    session.add(call)
    return call


def _call_for(session: Session, report: CallReport, settings: PhoneSettings) -> Call:
    """The call with this id, created (with its contact) by whichever event comes first."""
    call = session.scalar(select(Call).where(Call.external_id == report.call_id))
    if call is not None:
        return call
    try:
        with session.begin_nested():
            call = _new_call(session, report, settings)
            session.flush()
    except IntegrityError:  # the same call's other event created it meanwhile
        call = session.scalar(select(Call).where(Call.external_id == report.call_id))
    return call


def _holds_more(session: Session, call: Call) -> bool:
    """Whether the call's contact holds anything besides this call (it did not open it alone)."""
    other_calls = select(Call.id).where(Call.contact_id == call.contact_id, Call.id != call.id)
    mails = select(Message.id).where(Message.contact_id == call.contact_id)
    return session.scalar(select(other_calls.exists() | mails.exists()))


def _answered(session: Session, call: Call, report: CallReport, settings: PhoneSettings) -> None:
    """The call was answered: the counsellor who answered gets it, on a contact they may see."""
    call.answered_at = call.answered_at or report.at
    call.answered_by = read_number(report.answering, settings.region)[0]
    call.outcome, call.callback_needed = CallOutcome.ANSWERED, False
    counsellor = (
        session.scalar(select(User).where(User.phone == call.answered_by, User.active).limit(1))
        if call.answered_by
        else None
    )
    if counsellor is not None:
        call.counsellor_id = counsellor.id
        scope = policy.contact_scope(counsellor)
        if _holds_more(session, call) and not reaches(session, scope, call.contact_id):
            call.contact = contact_for_caller(  # another's contact: the call moves, not the rest
                session, call.caller, False, call.caller, report.at, settings.mail, scope
            )
        adopt(call.contact, counsellor, report.at)
    contact = call.contact
    contact.first_response_at = contact.first_response_at or report.at
    record_event(session, contact, Kind.CALL_ANSWERED, report.at, actor_id=call.counsellor_id)


def _ended(session: Session, call: Call, report: CallReport) -> None:
    call.ended_at, call.cause = report.at, report.cause or call.cause
    if call.answered_at is not None:
        call.duration_seconds = max(int((report.at - call.answered_at).total_seconds()), 0)
        return
    voicemail = "voicemail" in report.cause.lower()
    call.outcome = CallOutcome.VOICEMAIL if voicemail else CallOutcome.MISSED
    call.callback_needed = True
    record_event(session, call.contact, Kind.CALL_MISSED, report.at, reason=report.cause)


def record_call_event(
    session: Session, report: CallReport, payload, settings: PhoneSettings, moment: reasons.Moment
) -> dict:
    """Store a telephony event once (replays change nothing) and apply it to its call; the
    answer's reason writes instants with `moment`."""
    lock_caller(session, read_number(report.caller, settings.region)[0])
    duplicate = session.scalar(
        select(CallEvent.id).where(
            CallEvent.external_id == report.call_id, CallEvent.event == report.event
        )
    )
    if duplicate is None:
        try:
            with session.begin_nested():
                session.add(
                    CallEvent(
                        external_id=report.call_id,
                        event=report.event,
                        payload=json.dumps(payload, ensure_ascii=False),
                        received_at=report.at,
                    )
                )
                session.flush()
        except IntegrityError:
            duplicate = True
    call = _call_for(session, report, settings)
    if duplicate is None:
        if report.event == "answered":
            _answered(session, call, report, settings)
        elif report.event == "ended":
            _ended(session, call, report)
    session.flush()
    log.info("call %s: %s event (replay: %s)", call.id, report.event, duplicate is not None)
    result = {"call_id": report.call_id, "event": report.event, "duplicate": duplicate is not None}
    result["contact"] = call.contact.reference
    if report.event == "new":
        result.update(forwarding_target(session, report.at, moment))
    return result


def log_call(
    session: Session,
    actor: User,
    contact: Contact | None,
    *,
    caller: str,
    started_at: datetime,
    duration_minutes: int | None,
    summary: str,
    outcome: str,
    settings: PhoneSettings,
) -> Call:
    """A call a counsellor logs by hand, on a contact or as a new one (then theirs)."""
    number, unreadable = read_number(caller, settings.region)
    summary = (summary or "").strip()
    if contact is None:
        lock_caller(session, number)
        contact = contact_for_caller(
            session,
            number,
            unreadable,
            caller,
            started_at,
            settings.mail,
            policy.contact_scope(actor),
        )
    outcome = CallOutcome(outcome)
    call = Call(
        contact_id=contact.id,
        caller=number,
        caller_unreadable=unreadable,
        started_at=started_at,
        outcome=outcome,
        summary=summary,
        logged_by_id=actor.id,
        callback_needed=outcome != CallOutcome.ANSWERED,
        duration_seconds=(duration_minutes or 0) * 60,
    )
    if outcome == CallOutcome.ANSWERED:
        call.answered_at, call.counsellor_id = started_at, actor.id
        call.ended_at = started_at + timedelta(minutes=duration_minutes or 0)
        contact.first_response_at = contact.first_response_at or started_at
    session.add(call)
    adopt(contact, actor, started_at)
    record_event(session, contact, Kind.CALL_LOGGED, started_at, actor_id=actor.id, reason=summary)
    flush_or_conflict(session)
    return call


def get_call(session: Session, call_id: int) -> Call:
    """The call with this id, or NotFound."""
    return found(session.get(Call, call_id), _l("No such call."))


def called_back(session: Session, call: Call, actor: User, now: datetime) -> Call:
    """Mark a missed call's call-back done."""
    if call.callback_done_at is not None:
        raise DomainError(_l("This call was already called back."))
    call.callback_done_at = now
    record_event(session, call.contact, Kind.CALLED_BACK, now, actor_id=actor.id)
    flush_or_conflict(session)
    return call
