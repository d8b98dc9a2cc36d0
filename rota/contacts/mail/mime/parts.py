"""Pure MIME tree walk for mime.py: bodies, attachments, forwarded messages, reports, invites.

The walk never trusts the structure: parts whose boundary was lost are read as text, nesting
and part counts are capped, and every stdlib accessor that malformed input can break goes
through ``safe``.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.policy import compat32
from email.utils import collapse_rfc2231_value
from typing import TypeVar

from rota.contacts.mail.mime.decode import decode_bytes, decode_words, one_line, raw_bytes
from rota.contacts.mail.mime.html import html_charset

MAX_DEPTH = 20
MAX_PARTS = 500
BODY_TYPES = frozenset({"text/plain", "text/html"})
CALENDAR_TYPES = frozenset({"text/calendar", "application/ics"})
_BOUNDARY_LINE = re.compile(rb"^--([!-~][ -~]{0,69}?)[ \t]*\r?$", re.M)
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
_ICS_FIELDS = {"SUMMARY": "Invitation", "DTSTART": "Starts", "DTEND": "Ends", "LOCATION": "Place"}
T = TypeVar("T")


@dataclass(frozen=True)
class Attachment:
    """One attachment or inline part, with a filename safe to offer for download."""

    filename: str
    content_type: str
    size: int
    content_id: str | None
    inline: bool
    data: bytes


@dataclass
class Body:
    """What the walk of one message (not counting forwarded ones' headers) collected."""

    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    forwarded: list[Message] = field(default_factory=list)
    actions: set[str] = field(default_factory=set)
    calendars: list[str] = field(default_factory=list)
    defects: set[str] = field(default_factory=set)
    parts: int = 0


def safe(call: Callable[[], T], default: T) -> T:
    """Run a stdlib email accessor; on malformed input those raise a grab-bag of exceptions."""
    try:
        return call()
    except Exception:
        return default


def repair_headers(part: Message) -> None:
    """Re-store raw 8-bit header values as decoded text so stdlib accessors read them right."""
    items = list(part.raw_items())
    if all(str(value).isascii() for _, value in items):
        return
    for name in {name for name, _ in items}:
        del part[name]
    for name, value in items:
        text = str(value)
        part.set_raw(name, text if text.isascii() else decode_bytes(raw_bytes(text)))


def content_type(part: Message) -> str:
    """The lower-case content type; text/plain when missing or malformed."""
    return safe(part.get_content_type, "text/plain")


def _param(part: Message, name: str, header: str = "content-type") -> str | None:
    """One decoded parameter (RFC 2231 or encoded words) of a header, or None."""
    value = safe(lambda: part.get_param(name, None, header), None)
    if value is None:
        return None
    return decode_words(safe(lambda: collapse_rfc2231_value(value), ""))


def _filename(part: Message) -> str | None:
    """The attachment's own name, reduced to a safe base name; None when it has none."""
    name = _param(part, "filename", "content-disposition") or _param(part, "name")
    if not name:
        return None
    base = _UNSAFE_NAME.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    return base[:200] or None


def _default_name(ctype: str, number: int) -> str:
    """A filename for a part that has none, e.g. image-2.png."""
    extension = safe(lambda: mimetypes.guess_extension(ctype), None) or ".bin"
    stem = "image" if ctype.startswith("image/") else "attachment"
    return f"{stem}-{number}{extension}"


def payload_bytes(part: Message) -> bytes:
    """The decoded payload (base64 / quoted-printable undone, leniently), or the raw text."""
    data = safe(lambda: part.get_payload(decode=True), None)
    if isinstance(data, bytes):
        return data
    payload = safe(part.get_payload, None)
    return raw_bytes(payload) if isinstance(payload, str) else b""


def _attachment(part: Message, ctype: str, data: bytes, name: str | None, body: Body) -> Attachment:
    """Build the Attachment for a non-body part."""
    disposition = safe(part.get_content_disposition, None)
    cid_header = part.get("content-id")
    cid = one_line(str(cid_header)).strip("<> ") if cid_header else ""
    return Attachment(
        filename=name or _default_name(ctype, len(body.attachments) + 1),
        content_type=ctype,
        size=len(data),
        content_id=cid or None,
        inline=disposition == "inline" or (disposition is None and bool(cid)),
        data=data,
    )


def _salvage(part: Message, body: Body, level: int) -> bool:
    """Re-read a multipart whose declared boundary never occurs, using the one the body uses."""
    data = payload_bytes(part)
    match = _BOUNDARY_LINE.search(data)
    if match is None or level >= MAX_DEPTH:
        return False
    if (b"\n" + data).count(b"\n--" + match.group(1)) < 2:
        return False
    boundary = match.group(1).decode("ascii", errors="replace").replace('"', "")
    head = f'Content-Type: multipart/mixed; boundary="{boundary}"\n\n'.encode()
    walk(message_from_bytes(head + data, policy=compat32), body, level + 1)
    return True


def _leaf(part: Message, ctype: str, body: Body, level: int) -> None:
    """A part without sub-parts: body text, body HTML, calendar, or attachment."""
    if ctype.startswith("multipart/") and _salvage(part, body, level):
        return
    data = payload_bytes(part)
    name = _filename(part)
    disposition = safe(part.get_content_disposition, None)
    readable = ctype in BODY_TYPES or ctype.startswith("multipart/")
    if readable and name is None and disposition != "attachment":
        charset = safe(part.get_content_charset, None)
        if ctype == "text/html":
            body.html.append(decode_bytes(data, charset or html_charset(data)))
        else:
            body.plain.append(decode_bytes(data, charset))
        return
    if ctype in CALENDAR_TYPES:
        body.calendars.append(decode_bytes(data, safe(part.get_content_charset, None)))
    body.attachments.append(_attachment(part, ctype, data, name, body))


def _delivery_status(blocks: list, body: Body) -> None:
    """Collect Action values and a readable summary of a message/delivery-status part."""
    lines = []
    for block in blocks:
        for key in ("final-recipient", "action", "status", "diagnostic-code"):
            value = block.get(key) if isinstance(block, Message) else None
            if value is None:
                continue
            text = one_line(decode_bytes(raw_bytes(value)))
            lines.append(f"{key.title()}: {text}")
            if key == "action":
                body.actions.add(text.lower().split(" ", 1)[0])
    if lines:
        body.notes.append("\n".join(lines))


def walk(part: Message, body: Body, level: int = 0) -> None:
    """Collect bodies, attachments, forwarded messages and report data from a MIME tree."""
    body.parts += 1
    if level > MAX_DEPTH or body.parts > MAX_PARTS:
        body.defects.add("TooManyPartsDefect")
        return
    repair_headers(part)
    body.defects.update(type(defect).__name__ for defect in part.defects)
    ctype = content_type(part)
    payload = safe(part.get_payload, None)
    if not isinstance(payload, list):
        _leaf(part, ctype, body, level)
    elif ctype == "message/delivery-status":
        _delivery_status(payload, body)
    elif ctype in {"message/rfc822", "message/global"} and payload:
        body.forwarded.extend(sub for sub in payload[:1] if isinstance(sub, Message))
    else:
        for sub in payload:
            if isinstance(sub, Message):
                walk(sub, body, level + 1)


def _unfold_ics(text: str) -> list[str]:
    """iCalendar content lines with folding undone."""
    return re.sub(r"\r?\n[ \t]", "", text).splitlines()


def calendar_summary(ics: str) -> str:
    """A few readable lines (summary, start, end, place) from an iCalendar text."""
    lines = []
    for line in _unfold_ics(ics):
        key, _, value = line.partition(":")
        label = _ICS_FIELDS.get(key.split(";", 1)[0].strip().upper())
        value = value.strip().replace("\\n", " ")
        if label and value:
            lines.append(f"{label}: {value}")
    return "\n".join(dict.fromkeys(lines))
