"""Phone: telephony webhook events, the forwarding target, calls logged by hand, call-backs."""

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rota.contacts.models import Call, CallEvent, CallOutcome, Contact, Message
from rota.contacts.phone.callers import contact_for_caller, lock_caller
from rota.contacts.queue.service import adopt, may_see
from rota.contacts.routing import reasons
from rota.contacts.routing.service import (
    decision_for,
    flush_or_conflict,
    record_event,
)
from rota.errors import DomainError, found
from rota.members.models import Organisation, User
from rota.members.service import normalise_phone
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


def _text(data: dict, name: str, required: bool = False) -> str:
    value = "" if data.get(name) is None else data[name]
    if not isinstance(value, str | int):
        raise DomainError(_l("%(field)s must be a string.", field=name), name)
    value = str(value).strip()
    if required and not value:
        raise DomainError(_l("%(field)s is missing.", field=name), name)
    return value


def parse_instant(raw, field: str) -> datetime:
    """An aware instant from ISO 8601 text; DomainError on `field` otherwise."""
    try:
        moment = datetime.fromisoformat(str(raw))
    except ValueError as exc:
        raise DomainError(
            _l("%(field)s must be ISO 8601, e.g. 2026-03-30T09:15:00+03:00.", field=field), field
        ) from exc
    if moment.tzinfo is None:
        raise DomainError(_l("%(field)s needs a time zone, e.g. +03:00 or Z.", field=field), field)
    return moment


def parse_call_event(data, now: datetime) -> CallReport:
    """Check a webhook body; DomainError names the first thing wrong with it."""
    if not isinstance(data, dict):
        raise DomainError(_l("Send a JSON object with event, call_id and caller."))
    event = _text(data, "event", required=True)
    if event not in EVENTS:
        raise DomainError(
            _l("event must be one of: %(events)s.", events=", ".join(EVENTS)), "event"
        )
    return CallReport(
        event=event,
        call_id=_text(data, "call_id", required=True)[:200],
        caller=_text(data, "caller", required=event == "new"),
        called=_text(data, "called"),
        answering=_text(data, "answering_number"),
        cause=_text(data, "cause")[:100],
        at=now
        if data.get("timestamp") in (None, "")
        else parse_instant(data["timestamp"], "timestamp"),
    )


def read_number(raw: str, region: str) -> tuple[str, bool]:
    """A number in E.164, or the text as given (shortened to fit) and flagged unreadable."""
    try:
        return normalise_phone(raw, region), False
    except DomainError:
        return raw.strip()[:CALLER_MAX], bool(raw.strip())


def forwarding_target(session: Session, at: datetime) -> dict:
    """Where a PBX should put a call now: the on-duty counsellor's phone, else the org's."""
    channel = Channel.PHONE.value
    decision = decision_for(session, channel, None, at)
    reason = reasons.render(reasons.reason_data(session, decision, channel))
    if not decision.on_duty:
        return {"forward_to": None, "target": None, "reason": reason}
    counsellor = session.get(User, decision.owner_id) if decision.owner_id else None
    organisation = session.get(Organisation, decision.organisation_id)
    found = forwarding_number(counsellor, organisation)
    if found is None:
        return {"forward_to": None, "target": None, "reason": f"{reason} {NO_PHONE}"}
    number, target = found
    return {"forward_to": number, "target": target, "reason": reason}


def _new_call(session: Session, report: CallReport, region: str) -> Call:
    caller, unreadable = read_number(report.caller, region)
    contact = contact_for_caller(session, caller, unreadable, report.caller, report.at)
    call = Call(
        contact_id=contact.id,
        external_id=report.call_id,
        caller=caller,
        caller_unreadable=unreadable,
        called=read_number(report.called, region)[0],
        started_at=report.at,
    )
    session.add(call)
    return call


def _call_for(session: Session, report: CallReport, region: str) -> Call:
    """The call with this id, created (with its contact) by whichever event comes first."""
    call = session.scalar(select(Call).where(Call.external_id == report.call_id))
    if call is not None:
        return call
    try:
        with session.begin_nested():
            call = _new_call(session, report, region)
            session.flush()
    except IntegrityError:  # the same call's other event created it meanwhile
        call = session.scalar(select(Call).where(Call.external_id == report.call_id))
    return call


def _holds_more(session: Session, call: Call) -> bool:
    """Whether the call's contact holds anything besides this call (it did not open it alone)."""
    other_calls = select(Call.id).where(Call.contact_id == call.contact_id, Call.id != call.id)
    mails = select(Message.id).where(Message.contact_id == call.contact_id)
    return session.scalar(select(other_calls.exists() | mails.exists()))


def _answered(session: Session, call: Call, report: CallReport, region: str) -> None:
    """The call was answered: the counsellor who answered gets it, on a contact they may see."""
    call.answered_at = call.answered_at or report.at
    call.answered_by = read_number(report.answering, region)[0]
    call.outcome, call.callback_needed = CallOutcome.ANSWERED, False
    counsellor = (
        session.scalar(select(User).where(User.phone == call.answered_by, User.active).limit(1))
        if call.answered_by
        else None
    )
    if counsellor is not None:
        call.counsellor_id = counsellor.id
        if _holds_more(session, call) and not may_see(session, counsellor, call.contact_id):
            call.contact = contact_for_caller(  # another's contact: the call moves, not the rest
                session, call.caller, False, call.caller, report.at, counsellor
            )
        adopt(call.contact, counsellor, report.at)
    contact = call.contact
    contact.first_response_at = contact.first_response_at or report.at
    record_event(session, contact, "call_answered", report.at, actor_id=call.counsellor_id)


def _ended(session: Session, call: Call, report: CallReport) -> None:
    call.ended_at, call.cause = report.at, report.cause or call.cause
    if call.answered_at is not None:
        call.duration_seconds = max(int((report.at - call.answered_at).total_seconds()), 0)
        return
    voicemail = "voicemail" in report.cause.lower()
    call.outcome = CallOutcome.VOICEMAIL if voicemail else CallOutcome.MISSED
    call.callback_needed = True
    record_event(session, call.contact, "call_missed", report.at, reason=report.cause)


def record_call_event(session: Session, report: CallReport, payload, region: str) -> dict:
    """Store a telephony event once (replays change nothing) and apply it to its call."""
    lock_caller(session, read_number(report.caller, region)[0])
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
    call = _call_for(session, report, region)
    if duplicate is None:
        if report.event == "answered":
            _answered(session, call, report, region)
        elif report.event == "ended":
            _ended(session, call, report)
    session.flush()
    log.info("call %s: %s event (replay: %s)", call.id, report.event, duplicate is not None)
    result = {"call_id": report.call_id, "event": report.event, "duplicate": duplicate is not None}
    result["contact"] = call.contact.reference
    if report.event == "new":
        result.update(forwarding_target(session, report.at))
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
    region: str,
) -> Call:
    """A call a counsellor logs by hand, on a contact or as a new one (then theirs)."""
    number, unreadable = read_number(caller, region)
    summary = (summary or "").strip()
    if contact is None:
        lock_caller(session, number)
        contact = contact_for_caller(session, number, unreadable, caller, started_at, actor)
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
    record_event(session, contact, "call_logged", started_at, actor_id=actor.id, reason=summary)
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
    record_event(session, call.contact, "called_back", now, actor_id=actor.id)
    flush_or_conflict(session)
    return call
