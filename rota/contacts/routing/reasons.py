"""Why a contact went where it did: stored as data when routed, put in words when shown.

The data holds names and instants as they were at routing time; the words come from the
viewer's locale (and the service's time zone) whenever a page or a webhook renders them. A
machine (the phone system) reads the instants as `moment` writes them: ISO 8601, not a locale's.
"""

import re
from collections.abc import Callable
from datetime import datetime

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from rota.contacts.events import Kind
from rota.contacts.queue.display import automatic_label
from rota.contacts.routing.decide import Decision, Route
from rota.members.models import User
from rota.schedule.labels import change_label, language_label
from rota.schedule.models import Shift

CHANNEL_WORDS = {"email": _l("e-mail"), "phone": _l("phone"), "chat": _l("chat")}
REASONS = {
    Route.ON_DUTY: _l("On duty for %(channel)s: %(counsellor)s (%(organisation)s), %(shift)s."),
    Route.ORG_QUEUE: _l(
        "On duty for %(channel)s: %(organisation)s, %(shift)s, but no counsellor is named: "
        "to the organisation's queue."
    ),
    Route.NEXT_SHIFT: _l(
        "Outside service hours: to the next shift, %(counsellor)s (%(organisation)s), %(shift)s."
    ),
    Route.NEXT_ORG_QUEUE: _l(
        "Outside service hours: to the queue of %(organisation)s, next shift %(shift)s."
    ),
    Route.NO_ROTA: _l(
        "No shift in the rota: generate the rota. Until then the contact waits in the ring's "
        "unassigned queue."
    ),
}
ABSENT = _l("%(counsellor)s is absent: to the queue of %(organisation)s.")
SPEAKS = _l("Speaks the client's language (%(language)s).")
HANDOVER = _l("The shift ended and nobody opened the contact. %(reason)s")
SHIFT_MOVED = _l("Its shift %(shift)s changed hands (%(how)s): now %(holder)s.")
SHIFT_MOVED_QUEUE = _l("the queue of %(organisation)s")
SHIFT_CANCELLED = _l("Its shift %(shift)s was cancelled. %(reason)s")


def reason_data(session: Session, decision: Decision, channel: str) -> dict:
    """The reason of a decision as data (JSON) to store on the contact's event."""
    data = {"route": str(decision.route), "channel": channel}
    if decision.shift is None:
        return data
    shift = session.get(Shift, decision.shift_id)
    speaks = decision.language_matched and decision.owner_id is not None
    data.update(
        shift_id=shift.id,
        organisation=shift.organisation.name,
        counsellor=shift.counsellor.name if shift.counsellor else "",
        starts_at=shift.starts_at.isoformat(),
        ends_at=shift.ends_at.isoformat(),
        absent=bool(decision.params.get("absent")) and decision.owner_id is None,
        language=decision.params.get("language") if speaks else None,
    )
    return data


def handover_data(data: dict) -> dict:
    """The reason of a move at shift end: the new routing's reason, marked as a handover."""
    return {**data, "handover": True}


def shift_moved_data(session: Session, shift: Shift, kind: str, decision: Decision) -> dict:
    """Why an unopened contact moved with its shift: the change, and where it is now."""
    data = {
        "shift_moved": str(kind),
        "starts_at": shift.starts_at.isoformat(),
        "ends_at": shift.ends_at.isoformat(),
    }
    if decision.shift_id != shift.id:
        return {**data, "rerouted": reason_data(session, decision, str(shift.channel))}
    owner = session.get(User, decision.owner_id) if decision.owner_id else None
    return {**data, "organisation": shift.organisation.name, "counsellor": owner and owner.name}


Moment = Callable[[datetime], str]


def _short(moment: datetime) -> str:
    return format_datetime(moment, "short")


def _shift_moved_words(data: dict, moment: Moment) -> str:
    shift = _shift_words(data, moment)
    if "rerouted" in data:
        reason = _routed_words(data["rerouted"], moment)
        return str(SHIFT_CANCELLED) % {"shift": shift, "reason": reason}
    queue = str(SHIFT_MOVED_QUEUE) % {"organisation": data["organisation"]}
    holder = data["counsellor"] or queue
    how = change_label(data["shift_moved"])
    return str(SHIFT_MOVED) % {"shift": shift, "how": how, "holder": holder}


def _shift_words(data: dict, moment: Moment) -> str:
    starts, ends = (datetime.fromisoformat(data[key]) for key in ("starts_at", "ends_at"))
    return f"{moment(starts)}–{moment(ends)}"


def _routed_words(data: dict, moment: Moment) -> str:
    route = Route(data["route"])
    if "starts_at" not in data:
        return str(REASONS[route])
    names = {
        "channel": str(CHANNEL_WORDS.get(data["channel"], data["channel"])),
        "organisation": data["organisation"],
        "counsellor": data["counsellor"],
        "shift": _shift_words(data, moment),
    }
    parts = [str(ABSENT if data.get("absent") else REASONS[route]) % names]
    if data.get("language"):
        parts.append(str(SPEAKS) % {"language": language_label(data["language"])})
    return " ".join(parts)


def render(data: dict, moment: Moment = _short) -> str:
    """The reason in words, in the current locale (shift times in the service's time zone, as
    the locale writes them unless `moment` writes them otherwise)."""
    if "shift_moved" in data:
        return _shift_moved_words(data, moment)
    words = _routed_words(data, moment)
    if data.get("handover"):
        return str(HANDOVER) % {"reason": words}
    return words


SENDER = _l("e-mail from %(address)s")
UNKNOWN_SENDER = _l("e-mail from an unknown sender")
AUTOMATIC = _l("%(sender)s (%(why)s)")
UNREADABLE = _l("The caller's number could not be read; it is kept as given: %(raw)s")
# Why the phone system says a call was missed (its hang-up cause, stored as sent: "NO_ANSWER",
# "user-busy" …), in words; a cause not listed shows as the phone system's code.
NOBODY_ANSWERED = _l("nobody answered")
CALL_CAUSES = {
    "NO_ANSWER": NOBODY_ANSWERED,
    "NO_USER_RESPONSE": NOBODY_ANSWERED,
    "USER_BUSY": _l("the line was busy"),
    "BUSY": _l("the line was busy"),
    "ORIGINATOR_CANCEL": _l("the caller hung up before anyone answered"),
    "CALL_REJECTED": _l("the call was rejected"),
    "VOICEMAIL": _l("the caller reached the voicemail"),
}
CALL_CAUSE_CODE = _l("the phone system's reason: %(cause)s")


def _call_cause(cause: str) -> str:
    code = re.sub(r"[^A-Z]+", "_", cause.upper()).strip("_")
    known = CALL_CAUSES.get(code)
    return str(known) if known else str(CALL_CAUSE_CODE) % {"cause": cause}


def _sender_words(data: dict) -> str:
    """Who a received e-mail came from, and why it is automatic, in the current locale."""
    address = data.get("sender")
    words = str(SENDER) % {"address": address} if address else str(UNKNOWN_SENDER)
    why = automatic_label(data.get("automatic"))
    return str(AUTOMATIC) % {"sender": words, "why": why} if why else words


def event_reason(event) -> str:
    """What a history row shows as the reason: the stored data in words, else the typed text."""
    if not event.reason_data:
        missed = event.kind == Kind.CALL_MISSED and event.reason
        return _call_cause(event.reason) if missed else event.reason
    if "sender" in event.reason_data:
        return _sender_words(event.reason_data)
    if "unreadable" in event.reason_data:
        return str(UNREADABLE) % {"raw": event.reason_data["unreadable"]}
    return render(event.reason_data)


def init_app(app) -> None:
    """Expose the reason renderer to templates."""
    app.jinja_env.globals.update(event_reason=event_reason)
