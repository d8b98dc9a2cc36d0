"""Pure RFC 3834 classification for mime.py: is a message automatic, and what kind is it.

Reasons (``ParsedMessage.automatic``), checked in this order:
``own-address`` (From is one of ours: a loop), ``bounce`` / ``delivery-report`` (DSN or MDN,
empty Return-Path, MAILER-DAEMON / postmaster, X-Failed-Recipients), ``auto-replied``
(Auto-Submitted: auto-replied, X-Autoreply / X-Autorespond, an "Automatic reply:" style
subject), ``auto-submitted`` (any other Auto-Submitted value than "no"), ``list`` (List-Id,
List-Unsubscribe, List-Post, Precedence: list), ``bulk`` (Precedence: bulk / junk),
``auto-response-suppressed`` (X-Auto-Response-Suppress asks for no automatic answers).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from rota.contacts.mail.mime.decode import normalise_address, one_line

Headers = Mapping[str, Sequence[str]]

_DAEMONS = frozenset({"mailer-daemon", "postmaster", "mail-daemon"})
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto reply|autoreply|auto-reply|out of office( autoreply)?"
    r"|automaattinen vastaus|automatiskt svar)\s*:",
    re.I,
)
_LIST_HEADERS = ("list-id", "list-unsubscribe", "list-post")


@dataclass(frozen=True)
class Signals:
    """What the MIME walk found that matters for classification."""

    report_type: str | None  # report-type of a top-level multipart/report
    actions: frozenset[str]  # Action: values of message/delivery-status blocks
    has_calendar: bool


def _first(headers: Headers, name: str) -> str | None:
    """The first value of a header as one clean lower-case line, or None when absent."""
    values = headers.get(name)
    return one_line(str(values[0])).lower() if values else None


def _token(value: str | None) -> str:
    """The first token of a header value such as 'auto-replied; owner-email=...'."""
    return (value or "").split(";", 1)[0].strip()


def _is_daemon(value: str | None) -> bool:
    """True when an address header names a mailer daemon or postmaster."""
    if value is None:
        return False
    text = value.strip("<> ")
    local = text.rsplit("<", 1)[-1].split("@", 1)[0].strip("<> ")
    return local in _DAEMONS


def _report_reason(signals: Signals) -> str | None:
    """bounce / delivery-report for a multipart/report, by its delivery-status actions."""
    if signals.report_type is None:
        return None
    if "failed" in signals.actions:
        return "bounce"
    if signals.actions or signals.report_type != "delivery-status":
        return "delivery-report"
    return "bounce"


def _bounce_reason(headers: Headers, signals: Signals) -> str | None:
    """Bounce or delivery report, from the MIME structure or the envelope headers."""
    reason = _report_reason(signals)
    if reason:
        return reason
    return_path = _first(headers, "return-path")
    null_sender = return_path is not None and return_path.strip("<> ") == ""
    daemon = _is_daemon(_first(headers, "from")) or _is_daemon(return_path)
    if null_sender or daemon or "x-failed-recipients" in headers:
        return "bounce"
    return None


def _auto_reply_reason(headers: Headers, subject: str) -> str | None:
    """auto-replied or auto-submitted from Auto-Submitted, X-Autoreply and the subject."""
    submitted = _token(_first(headers, "auto-submitted"))
    if submitted == "auto-replied" or "x-autoreply" in headers or "x-autorespond" in headers:
        return "auto-replied"
    if _AUTO_REPLY_SUBJECT.match(subject):
        return "auto-replied"
    if submitted and submitted != "no":
        return "auto-submitted"
    return None


def _list_reason(headers: Headers) -> str | None:
    """list, bulk or auto-response-suppressed from list and precedence headers."""
    precedence = _token(_first(headers, "precedence"))
    if precedence == "list" or any(name in headers for name in _LIST_HEADERS):
        return "list"
    if precedence in {"bulk", "junk"}:
        return "bulk"
    suppress = _first(headers, "x-auto-response-suppress")
    if suppress is not None and suppress.strip() not in {"", "none"}:
        return "auto-response-suppressed"
    return None


def automatic_reason(
    headers: Headers, from_addr: str, subject: str, signals: Signals, own: Collection[str]
) -> str | None:
    """Why this message is automatic (never auto-reply to it), or None for a person's mail."""
    own_addresses = {normalise_address(addr) for addr in own} - {""}
    if from_addr and from_addr in own_addresses:
        return "own-address"
    return (
        _bounce_reason(headers, signals)
        or _auto_reply_reason(headers, subject)
        or _list_reason(headers)
    )


def message_kind(automatic: str | None, signals: Signals) -> str:
    """message, bounce, delivery-report, calendar or auto-reply."""
    if automatic in {"bounce", "delivery-report"}:
        return automatic
    if automatic == "auto-replied":
        return "auto-reply"
    return "calendar" if signals.has_calendar else "message"
