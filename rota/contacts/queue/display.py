"""How a client's message shows on the contact page (view layer): HTML and its stored parts.

Client HTML never makes the counsellor's browser fetch anything from elsewhere: an image shows
only when it is a ``cid:`` part of the message itself, served from our own route after the
viewer's right to see the contact is checked. Every part is served as a download
(Content-Disposition: attachment, which an <img> ignores): a raster image keeps its type so the
page can show it, anything else (HTML, SVG, PDF …) is application/octet-stream and cannot run
in our origin.
"""

from collections.abc import Callable
from datetime import datetime
from io import BytesIO
from typing import NamedTuple

from flask import Response, send_file
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from rota.contacts.mail.mime.html import html_for_display
from rota.contacts.models import Attachment, MessageDirection

INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
PART_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
}

# Why mail is automatic (the parser's reason, stored on the message), in the reader's language.
AUTOMATIC = {
    "auto-replied": _l("automatic reply"),
    "auto-reply": _l("automatic reply"),
    "auto-submitted": _l("sent by a program"),
    "auto-response-suppressed": _l("sent by a program"),
    "bounce": _l("delivery failure report"),
    "delivery-report": _l("delivery report"),
    "list": _l("mailing list"),
    "bulk": _l("bulk mail"),
    "own-address": _l("from our own address"),
}
# The start of an outbox error ("ExceptionName: text") -> the reason a counsellor reads.
UNREACHABLE = _l("the mail server could not be reached; it is tried again automatically")
DELIVERY_REASONS = {
    "SMTPRecipientsRefused": _l("the recipient's address was refused"),
    "SMTPSenderRefused": _l("the mail server refused our sender address"),
    "SMTPAuthenticationError": _l("the mail server refused our login"),
    "SMTPDataError": _l("the mail server refused the message"),
    "SMTPConnectError": UNREACHABLE,
    "SMTPServerDisconnected": UNREACHABLE,
    "ConnectionRefusedError": UNREACHABLE,
    "ConnectionResetError": UNREACHABLE,
    "TimeoutError": UNREACHABLE,
    "gaierror": UNREACHABLE,
    "OSError": UNREACHABLE,
}
DELIVERY_UNKNOWN = _l("the mail server did not take the message")


def automatic_label(reason: str | None) -> str:
    """Why a message is automatic, in the reader's language ("" for a person's mail)."""
    return str(AUTOMATIC.get(reason or "", _l("automatic mail"))) if reason else ""


def delivery_reason(error: str | None) -> str:
    """An outbox error as a reason a person understands, never the raw exception text."""
    kind = (error or "").partition(":")[0].strip()
    return str(DELIVERY_REASONS.get(kind, DELIVERY_UNKNOWN))


class Part(NamedTuple):
    """A stored part as its message's entry shows it: its link on the contact's own route."""

    url: str
    filename: str
    content_type: str
    content_id: str | None
    size: int


class Delivery(NamedTuple):
    """A reply's outbox state: its status, sending time and last error."""

    status: str
    sent_at: datetime | None
    last_error: str


class Entry(NamedTuple):
    """Everything a message's entry on the contact page shows, and nothing else: the key of the
    entry's memo, which so needs no invalidation."""

    direction: str
    automatic: str | None  # why it is automatic mail
    who: str  # the author's name, else the sender's
    from_addr: str
    at: datetime  # sent (the Date header), else stored
    delivery: Delivery | None  # a reply's
    subject: str  # only when it is not the contact's
    new_sender: bool  # from an address not seen in the thread before
    body_text: str
    body_html: str | None
    parts: tuple[Part, ...]


def thread(record, part_link: Callable[[int], str]) -> list[Entry]:
    """The entries of a contact page's thread, for templating.kept to write each once per
    language and zone (a thread is read again and again, and its messages do not change):
    `record` the contact's page.Record, `part_link` a stored part's id -> its URL."""
    return [_entry(record, message, part_link) for message in record.messages]


def _entry(record, message, part_link) -> Entry:
    out = message.direction == MessageDirection.OUT
    box = record.outbox.get(message.outbox_id) if out else None
    return Entry(
        direction=message.direction,
        automatic=message.automatic,
        who=record.people.get(message.author_id, message.from_name),
        from_addr=message.from_addr,
        at=message.sent_at or message.created_at,
        delivery=Delivery(box.status, box.sent_at, box.last_error) if box else None,
        subject=message.subject if message.subject != record.about.subject else "",
        new_sender=message.id in record.new_senders,
        body_text=message.body_text,
        body_html=message.body_html,
        parts=tuple(
            Part(part_link(p.part_id), p.filename, p.content_type, p.content_id, p.size)
            for p in record.parts.get(message.id, ())
        ),
    )


def message_html(body_html: str | None, parts: tuple[Part, ...]) -> Markup:
    """A message's stored HTML, sanitised again, its cid: images mapped to its own parts."""
    images = {
        part.content_id: part.url
        for part in parts
        if part.content_id and part.content_type in INLINE_TYPES
    }
    return Markup(html_for_display(body_html or "", images.get))


def part_response(attachment: Attachment) -> Response:
    """A stored part as a download, never sniffed; only a raster image keeps its type."""
    image = attachment.content_type in INLINE_TYPES
    response = send_file(
        BytesIO(attachment.data),
        mimetype=attachment.content_type if image else "application/octet-stream",
        as_attachment=True,
        download_name=attachment.filename,
        max_age=0,
    )
    response.headers.update(PART_HEADERS)
    return response
