"""The automatic acknowledgement a person gets for a new contact (RFC 3834 rules).

Never to automatic mail (the parser's ``automatic`` reason covers Auto-Submitted, Precedence
bulk/list/junk, List-Id, X-Autoreply, bounces and our own address), and at most one per sender
per local day: the (address, day) row is unique, so two workers cannot both send one. The
reply is queued in the outbox in the ingest's transaction and sent after its commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from babel.dates import get_day_names
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from rota.contacts.mail.mime.message import ParsedMessage
from rota.contacts.models import Acknowledgement, MessageDirection
from rota.i18n import service_date, writing_in
from rota.outbox.service import domain_of
from rota.privacy.notice import notice_line
from rota.schedule.models import Channel, ServicePattern

LANGUAGES = ("fi", "sv", "en")


def _merged(ranges: list) -> list:
    """Slots of one weekday merged where they touch or overlap."""
    merged: list[list] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def opening_hours(session: Session, day: date, locale: str) -> list[str]:
    """The e-mail service hours of the pattern in force on `day`, one line per weekday."""
    pattern = session.scalar(
        select(ServicePattern)
        .where(ServicePattern.valid_from <= day)
        .where(or_(ServicePattern.valid_until.is_(None), ServicePattern.valid_until >= day))
        .order_by(ServicePattern.valid_from.desc())
        .limit(1)
    )
    if pattern is None:
        return []
    slots = [s for s in pattern.slots if s.channel == Channel.EMAIL] or list(pattern.slots)
    by_day: dict[int, list] = {}
    for slot in slots:
        by_day.setdefault(slot.weekday, []).append((slot.start_time, slot.end_time))
    names = get_day_names("wide", context="stand-alone", locale=locale)
    return [
        f"{names[weekday].capitalize()} "
        + ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in _merged(ranges))
        for weekday, ranges in sorted(by_day.items())
    ]


def _default_text(config: Mapping, reference: str, hours: list[str]) -> str:
    """The built-in acknowledgement in the current (forced) locale."""
    parts = [
        _("Hello,"),
        _(
            "Thank you for your message. It has reached %(ring)s, and the counsellor on duty "
            "will answer you as soon as possible.",
            ring=config.get("RING_NAME", ""),
        ),
        _(
            "Your reference is %(reference)s. Please keep it in the subject when you write to "
            "us about this matter again.",
            reference=reference,
        ),
    ]
    if hours:
        parts.append(_("We answer e-mail at these times:") + "\n" + "\n".join(hours))
    parts.append(_("This is an automatic reply; you do not need to answer it."))
    parts.append(str(config.get("RING_NAME", "")))
    return "\n\n".join(parts)


def acknowledgement_text(
    session, config: Mapping, language: str, reference: str, day, texts: dict
) -> str:
    """The acknowledgement in `language`: the configured ACK_TEXT, or the built-in text, and
    the link to the privacy notice.

    `texts` (a dict kept for one ingest batch) holds the text per day and language with a
    {reference} placeholder, so the opening hours and translations are read once.
    """
    if (day, language) not in texts:
        with writing_in(language):
            hours = opening_hours(session, day, language)
            override = (config.get("ACK_TEXT") or {}).get(language)
            if override:
                text = override.replace("{hours}", "\n".join(hours))
            else:
                text = _default_text(config, "{reference}", hours)
            texts[day, language] = f"{text}\n\n{notice_line(language)}"
    return texts[day, language].replace("{reference}", reference)


def _headers(parsed: ParsedMessage) -> dict[str, str]:
    headers = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
    if not parsed.message_id_synthetic:
        headers["In-Reply-To"] = parsed.message_id
        headers["References"] = " ".join([*parsed.references[-20:], parsed.message_id])
    return headers


def acknowledged_today(session: Session, addresses, day: date) -> set[str]:
    """Which of these (lower-case) addresses already got their acknowledgement on `day`."""
    addresses = list(addresses)
    if not addresses:
        return set()
    query = select(Acknowledgement.address).where(
        Acknowledgement.day == day, Acknowledgement.address.in_(addresses)
    )
    return set(session.scalars(query))


def acknowledgement_mail(
    session: Session,
    contact,
    parsed: ParsedMessage,
    config: Mapping,
    now: datetime,
    *,
    acked: set,
    texts: dict,
) -> dict | None:
    """The one automatic reply (queue_mail fields) for a new contact from a person, or None.

    `acked` holds the senders acknowledged today (an ingest batch reads them once and adds to
    them). The (address, day) row is unique: if another worker acknowledged the same sender
    meanwhile, the batch's insert fails and the message is tried again on its own.
    """
    address = parsed.from_addr.lower()
    if parsed.automatic or "@" not in address or address in acked:
        return None
    acked.add(address)
    language = contact.language if contact.language in LANGUAGES else None
    language = language or config.get("BABEL_DEFAULT_LOCALE") or "fi"
    day = service_date(now, config["TIMEZONE"])
    text = acknowledgement_text(session, config, language, contact.reference, day, texts)
    subject = f"Re: {parsed.subject} [#{contact.reference}]" if parsed.subject else ""
    return {
        "to": parsed.from_addr,
        "subject": subject or f"[#{contact.reference}]",
        "text": text,
        "headers": _headers(parsed),
        "kind": "acknowledgement",
        "domain": domain_of(config.get("RING_EMAIL")),
    }


def acknowledgement_rows(
    contact, parsed: ParsedMessage, outbox: dict, config: Mapping, now: datetime
) -> tuple[dict, dict]:
    """The values of the (sender, day) row and of the reply as the contact's outgoing message."""
    ring_email = str(config.get("RING_EMAIL") or "")
    acknowledgement = {
        "address": parsed.from_addr.lower(),
        "day": service_date(now, config["TIMEZONE"]),
        "contact_id": contact.id,
        "outbox_id": outbox["id"],
    }
    message = {
        "contact_id": contact.id,
        "direction": MessageDirection.OUT,
        "message_id": outbox["message_id"],
        "in_reply_to": outbox["headers"].get("In-Reply-To"),
        "references": outbox["headers"].get("References", ""),
        "from_addr": ring_email[:254],
        "to_addrs": ", ".join(outbox["recipients"]),
        "subject": outbox["subject"][:998],
        "body_text": outbox["body_text"],
        "automatic": "auto-replied",
        "outbox_id": outbox["id"],
        "created_at": now,
    }
    return acknowledgement, message
