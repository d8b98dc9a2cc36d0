"""How a client's message shows on the contact page (view layer): HTML and its stored parts.

Client HTML never makes the counsellor's browser fetch anything from elsewhere: an image shows
only when it is a ``cid:`` part of the message itself, served from our own route after the
viewer's right to see the contact is checked. Every part is served as a download
(Content-Disposition: attachment, which an <img> ignores): a raster image keeps its type so the
page can show it, anything else (HTML, SVG, PDF …) is application/octet-stream and cannot run
in our origin.
"""

from io import BytesIO

from flask import Response, send_file, url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from rota.contacts.mail.mime.html import html_for_display
from rota.contacts.models import Attachment, Message

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


def part_url(contact_id: int, attachment: Attachment) -> str:
    """The URL of a stored part on the contact's own route."""
    return url_for("contacts.attachment", contact_id=contact_id, attachment_id=attachment.id)


def message_html(message: Message) -> Markup:
    """The message's stored HTML, sanitised again, its cid: images mapped to its own parts."""
    images = {
        part.content_id: part_url(message.contact_id, part)
        for part in message.attachments
        if part.content_id and part.content_type in INLINE_TYPES
    }
    return Markup(html_for_display(message.body_html or "", images.get))


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
