"""Pure MIME parsing: raw RFC 5322 bytes -> ParsedMessage (text, safe HTML, attachments, keys).

No Flask, no database: stdlib ``email`` (compat32, the most forgiving parser) plus nh3.
Any bytes give either a ParsedMessage or UnparseableMessage with a readable reason.

Dedupe: two deliveries are the same message when both ``message_id`` and ``digest`` match
(senders reuse Message-IDs, so the id alone is not enough). ``digest`` hashes the sender,
the date and the body size; a missing Message-ID gets ``<sha256(digest, body)@rota.invalid>``,
so re-ingesting the same message gives the same synthetic id.

HTML is sanitised with nh3 before it is stored (see mime_html); ``cid:`` image URLs stay in it
and ``html_for_display`` maps them to attachment URLs when the page is rendered.
"""

from __future__ import annotations

import hashlib
import html as htmllib
import logging
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32

from rota.contacts.mail.mime.auto import Signals, automatic_reason, message_kind
from rota.contacts.mail.mime.decode import decode_words, message_ids, one_line, parse_addresses
from rota.contacts.mail.mime.decode import parse_date as _parse_date
from rota.contacts.mail.mime.html import html_for_display, html_to_text, sanitise_html
from rota.contacts.mail.mime.parts import (
    Attachment,
    Body,
    calendar_summary,
    content_type,
    safe,
    walk,
)

__all__ = [
    "Attachment",
    "ParsedMessage",
    "UnparseableMessage",
    "html_for_display",
    "parse_message",
    "quote_for_reply",
    "reference_tag",
    "sender_digest",
]

log = logging.getLogger(__name__)

SYNTHETIC_DOMAIN = "rota.invalid"
_REFERENCE_TAG = re.compile(r"\[\s*#?\s*(R-\d{1,12})\s*\]", re.I)
Headers = Mapping[str, list[str]]


class UnparseableMessage(ValueError):
    """The bytes are not an e-mail message at all; keep them raw and list them for a person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ParsedMessage:
    """Everything the contacts package needs from one e-mail, as plain safe values."""

    message_id: str
    message_id_synthetic: bool
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    from_name: str
    from_addr: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    reply_to: str | None
    date: datetime | None
    text: str
    html: str | None
    attachments: tuple[Attachment, ...]
    automatic: str | None
    kind: str
    digest: str
    defects: tuple[str, ...] = ()


def _as_bytes(raw: bytes | bytearray | memoryview) -> bytes:
    """The input as bytes, leading blank lines dropped; anything else is a caller's bug."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise TypeError(f"parse_message() needs bytes, not {type(raw).__name__}")
    data = bytes(raw).lstrip(b"\r\n")
    if not data.strip():
        raise UnparseableMessage("the message is empty")
    return data


def _header_map(msg: Message) -> dict[str, list[str]]:
    """Header values by lower-case name, in order of appearance."""
    headers: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        headers.setdefault(str(name).strip().lower(), []).append(str(value))
    if not headers:
        raise UnparseableMessage("no header fields were found: this is not an e-mail message")
    return headers


def _first(headers: Headers, name: str) -> str | None:
    """The first value of a header, or None."""
    values = headers.get(name)
    return values[0] if values else None


def _body_bytes(data: bytes) -> bytes:
    """The body after the header block, line endings normalised, trailing space dropped."""
    normal = data.replace(b"\r\n", b"\n")
    end = normal.find(b"\n\n")
    return normal[end + 2 :].rstrip() if end >= 0 else b""


def _digest(headers: Headers, data: bytes, fields: dict) -> str:
    """sha256 over the normalised sender, date and body size (the dedupe key with Message-ID)."""
    date = fields["date"]
    date_key = date.isoformat() if date else one_line(_first(headers, "date") or "")
    key = f"{fields['from_addr']}\n{date_key}\n{len(_body_bytes(data))}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _message_id(headers: Headers, digest: str, data: bytes) -> tuple[str, bool]:
    """The real Message-ID, or a synthetic one derived from the digest and the body."""
    ids = message_ids(_first(headers, "message-id"))
    if ids:
        return ids[0], False
    content = hashlib.sha256(digest.encode("ascii") + b"\n" + _body_bytes(data)).hexdigest()
    return f"<{content[:40]}@{SYNTHETIC_DOMAIN}>", True


def sender_digest(raw: bytes) -> str:
    """The sender/date/size digest of raw message bytes, equal to ParsedMessage.digest."""
    data = _as_bytes(raw)
    try:
        msg = BytesHeaderParser(policy=compat32).parsebytes(data)
    except Exception as exc:
        reason = f"the header block could not be read ({exc.__class__.__name__})"
        raise UnparseableMessage(reason) from exc
    headers = _header_map(msg)
    return _digest(headers, data, _header_fields(headers))


def _forward_block(inner: Message, body: Body, level: int) -> tuple[str, str]:
    """Text and HTML of one attached message (forward or bounced original); merges its parts."""
    inner_body = Body(parts=body.parts)
    walk(inner, inner_body, level)
    body.parts = inner_body.parts
    body.attachments.extend(inner_body.attachments)
    body.defects.update(inner_body.defects)
    headers = _header_map(inner) if inner.keys() else {}
    lines = [
        f"{label}: {decode_words(headers[key][0])}"
        for key, label in _FORWARD_HEADERS
        if key in headers
    ]
    head = "---------- Forwarded message ----------\n" + "\n".join(lines)
    text, html = _compose(inner_body, level + 1)
    if html is None:
        html = f"<pre>{htmllib.escape(text)}</pre>"
    head_html = "<br>".join(htmllib.escape(line) for line in head.splitlines())
    return f"{head}\n\n{text}", f"<blockquote><p>{head_html}</p>{html}</blockquote>"


_FORWARD_HEADERS = (("from", "From"), ("date", "Date"), ("subject", "Subject"), ("to", "To"))


def _compose(body: Body, level: int) -> tuple[str, str | None]:
    """Plain text and unsanitised HTML of a walked body, forwarded messages appended."""
    html = "\n".join(body.html) if body.html else None
    texts = list(body.plain) or ([html_to_text(html)] if html else [])
    if not texts:
        texts = [calendar_summary(ics) for ics in body.calendars]
    texts += body.notes
    for inner in body.forwarded if level < 5 else []:
        inner_text, inner_html = _forward_block(inner, body, level)
        texts.append(inner_text)
        html = None if html is None else f"{html}\n{inner_html}"
    text = "\n\n".join(t.replace("\r\n", "\n").strip("\n") for t in texts if t.strip())
    return text, html


def _signals(msg: Message, body: Body) -> Signals:
    """The classification inputs the MIME walk found."""
    report = None
    if content_type(msg) == "multipart/report":
        value = safe(lambda: msg.get_param("report-type"), None)
        report = one_line(str(value)).lower() if isinstance(value, str) else "unknown"
    return Signals(report, frozenset(body.actions), bool(body.calendars))


def _addresses(headers: Headers, name: str) -> tuple[str, ...]:
    """All valid addresses of every header of that name, deduped in order."""
    found = [addr for value in headers.get(name, []) for _, addr in parse_addresses(value)]
    return tuple(dict.fromkeys(found))


def _header_fields(headers: Headers) -> dict:
    """The ParsedMessage fields that come from headers alone (addresses, threading, date)."""
    senders = parse_addresses(_first(headers, "from"))
    # a From that is no address keeps its text as the name, so the page shows what was written
    from_name, from_addr = (
        senders[0] if senders else (decode_words(_first(headers, "from") or ""), "")
    )
    return {
        "in_reply_to": next(iter(message_ids(_first(headers, "in-reply-to"))), None),
        "references": tuple(message_ids(" ".join(headers.get("references", [])))),
        "subject": decode_words(_first(headers, "subject") or ""),
        "from_name": from_name,
        "from_addr": from_addr,
        "to": _addresses(headers, "to"),
        "cc": _addresses(headers, "cc"),
        "reply_to": next(iter(_addresses(headers, "reply-to")), None),
        "date": _parse_date(_first(headers, "date")),
    }


def _build(data: bytes, msg: Message, own: Collection[str]) -> ParsedMessage:
    """Walk the parsed tree and assemble the ParsedMessage."""
    headers = _header_map(msg)
    fields = _header_fields(headers)
    body = Body()
    walk(msg, body)
    text, html = _compose(body, 0)
    signals = _signals(msg, body)
    automatic = automatic_reason(headers, fields["from_addr"], fields["subject"], signals, own)
    digest = _digest(headers, data, fields)
    message_id, synthetic = _message_id(headers, digest, data)
    return ParsedMessage(
        message_id=message_id,
        message_id_synthetic=synthetic,
        text=text,
        html=sanitise_html(html).strip() if html is not None else None,
        attachments=tuple(body.attachments),
        automatic=automatic,
        kind=message_kind(automatic, signals),
        digest=digest,
        defects=tuple(sorted(body.defects)),
        **fields,
    )


def parse_message(raw: bytes, *, own_addresses: Collection[str] = ()) -> ParsedMessage:
    """Parse raw message bytes best-effort; raise UnparseableMessage only for non-messages."""
    data = _as_bytes(raw)
    try:
        msg = message_from_bytes(data, policy=compat32)
        return _build(data, msg, own_addresses)
    except UnparseableMessage:
        raise
    except RecursionError as exc:
        raise UnparseableMessage("the MIME structure is nested too deeply") from exc
    except Exception as exc:
        log.error("MIME parser failed unexpectedly: %s", exc.__class__.__name__)
        raise UnparseableMessage(f"unexpected parser failure ({exc.__class__.__name__})") from exc


def reference_tag(subject: str | None) -> str | None:
    """The contact reference in a subject, e.g. "Re: help [#R-1234]" -> "R-1234"."""
    match = _REFERENCE_TAG.search(subject or "")
    return match.group(1).upper() if match else None


def quote_for_reply(text: str, attribution: str) -> str:
    """The client's text quoted for a reply: the attribution line ("On <date>, <author> wrote:"
    in the client's language, made by the caller) on one line, then every line after "> "."""
    lines = text.replace("\r\n", "\n").rstrip().split("\n")
    quoted = [f">{line}" if line.startswith(">") else f"> {line}".rstrip() for line in lines]
    return "\n".join([one_line(attribution), *quoted])
