"""Words people read for the rota's codes: channels, languages, change kinds, gaps."""

import re

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

from rota.schedule.models import Channel, ShiftChangeKind, SwapStatus

CHANNELS = {Channel.PHONE: _l("Phone"), Channel.EMAIL: _l("E-mail"), Channel.CHAT: _l("Chat")}
LANGUAGES = {"fi": _l("Finnish"), "sv": _l("Swedish"), "en": _l("English")}
CHANGE_KINDS = {
    ShiftChangeKind.ASSIGN: _l("Assigned by the rotation"),
    ShiftChangeKind.NAME: _l("Counsellor named"),
    ShiftChangeKind.OFFER: _l("Offered to other organisations"),
    ShiftChangeKind.WITHDRAW: _l("Offer withdrawn"),
    ShiftChangeKind.TAKE: _l("Taken"),
    ShiftChangeKind.OVERRIDE: _l("Overridden by the coordinator"),
    ShiftChangeKind.REPLAN: _l("Re-planned by the coordinator"),
    ShiftChangeKind.CANCEL: _l("Cancelled"),
    ShiftChangeKind.ABSENCE: _l("Counsellor away"),
    ShiftChangeKind.SWAP_ASK: _l("Swap asked"),
    ShiftChangeKind.SWAP_ACCEPT: _l("Swap accepted"),
    ShiftChangeKind.SWAP_DECLINE: _l("Swap declined"),
    ShiftChangeKind.SWAP_REFUSE: _l("Swap refused by the coordinator"),
    ShiftChangeKind.SWAP_CANCEL: _l("Swap request cancelled"),
    ShiftChangeKind.SWAP: _l("Swapped"),
}


SWAP_STATUSES = {
    SwapStatus.ASKED: _l("Waiting for the other side"),
    SwapStatus.ACCEPTED: _l("Accepted, waiting for the coordinator"),
    SwapStatus.DONE: _l("Done"),
    SwapStatus.DECLINED: _l("Declined"),
    SwapStatus.REFUSED: _l("Refused by the coordinator"),
    SwapStatus.CANCELLED: _l("Cancelled"),
}


def channel_label(channel) -> str:
    """The channel's name for people."""
    return str(CHANNELS.get(Channel(channel), channel))


def language_label(code: str | None) -> str:
    """The language's name for people ("" when the slot has none)."""
    return str(LANGUAGES.get(code, code or ""))


def change_label(kind: str) -> str:
    """What a history row's kind means."""
    return str(CHANGE_KINDS.get(kind, kind))


BEHIND = re.compile(r"(-?\d+(?:\.\d+)?) h behind its share")
# What the rotation and a re-plan store as a reason (in no language), in words
ROTATION_KINDS = (ShiftChangeKind.ASSIGN, ShiftChangeKind.REPLAN, ShiftChangeKind.CANCEL)
SLOT_CLOSED = "re-planned: slot closed"
STORED_REASONS = {SLOT_CLOSED: _l("Re-planned: the slot is no longer open")}


def change_reason(change) -> str:
    """A history row's reason in the reader's language: the rotation's and a re-plan's stored
    "12.0 h behind its share" or "re-planned: slot closed" are rendered anew (with the locale's
    decimal sign); what people wrote stays as written."""
    reason = change.reason or ""
    if change.kind not in ROTATION_KINDS:
        return reason
    if found := BEHIND.fullmatch(reason):
        hours = format_decimal(float(found.group(1)), format="#,##0.0")
        return str(_l("%(hours)s h behind its share", hours=hours))
    return str(STORED_REASONS.get(reason, reason))


def gap_label(entry) -> str:
    """Why a rota entry is a gap, or the counsellor's name when covered."""
    if entry.shift.counsellor is None:
        return str(_l("No counsellor"))
    if entry.absent:
        return str(_l("%(name)s is away: no counsellor", name=entry.shift.counsellor.name))
    return entry.shift.counsellor.name


def init_app(app) -> None:
    """Expose the labels to every template (pages and mails)."""
    app.jinja_env.globals.update(
        channel_label=channel_label,
        language_label=language_label,
        change_label=change_label,
        change_reason=change_reason,
        gap_label=gap_label,
        swap_status_label=lambda status: str(SWAP_STATUSES[SwapStatus(status)]),
    )
