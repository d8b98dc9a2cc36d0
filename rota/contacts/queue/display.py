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
from markupsafe import Markup

from rota.contacts.mail.mime.html import html_for_display
from rota.contacts.models import Attachment, Message

INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
PART_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
}


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
