"""Pure HTML handling for mime.py: sanitise with nh3, derive plain text, rewrite cid: images.

Stored HTML is always the output of ``sanitise_html``: no script/style content, no event
handler or style attributes, no comments (so no Outlook conditional comments), and only the
URL schemes in ``URL_SCHEMES``. ``cid:`` URLs are kept there on purpose and are turned into
URLs of the message's own parts at display time by ``html_for_display``, which sanitises a second
time and drops every other image source: a page never loads remote content.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Callable
from urllib.parse import unquote

import nh3

URL_SCHEMES = frozenset({"http", "https", "mailto", "tel", "cid"})
_DROP_WITH_CONTENT = frozenset({"script", "style", "title", "template", "noscript"})
_LINE_TAGS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})
_TEXT_TAGS = _LINE_TAGS | {"blockquote", "pre", "table", "hr", "dt", "dd", "td", "th"}
_LINE_BREAK = re.compile(r"</?(?:p|div|br|li|tr|h[1-6]|blockquote|pre|table|hr|dt|dd)\b[^>]*>")
_CELL = re.compile(r"</?t[dh]\b[^>]*>")
_ANY_TAG = re.compile(r"<[^>]*>")
_BLANK_LINES = re.compile(r"\n{3,}")
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I
)


def sanitise_html(html: str) -> str:
    """Sanitise client HTML with nh3 for storage; safe to render, cid: image URLs kept."""
    return nh3.clean(html, clean_content_tags=set(_DROP_WITH_CONTENT), url_schemes=set(URL_SCHEMES))


def html_to_text(html: str) -> str:
    """Plain text of an HTML body: block elements become line breaks, entities are resolved."""
    kept = nh3.clean(
        html, tags=set(_TEXT_TAGS), attributes={}, clean_content_tags=set(_DROP_WITH_CONTENT)
    )
    text = _ANY_TAG.sub("", _CELL.sub(" ", _LINE_BREAK.sub("\n", kept)))
    text = htmllib.unescape(text).replace("\xa0", " ")
    lines = (" ".join(line.split()) for line in text.splitlines())
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def html_charset(data: bytes) -> str | None:
    """The charset named in an HTML <meta> tag near the top of the document, if any."""
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


def html_for_display(html: str, cid_url: Callable[[str], str | None]) -> str:
    """Sanitise stored HTML again for a page: nothing in it may make the browser fetch anything.

    An image shows only when it is a ``cid:`` part of the message itself (``cid_url`` gives its
    URL on our server, or None); every other image source — http(s), protocol-relative,
    ``/\\host``, relative — is dropped, so no tracking pixel learns who read the mail and when.
    """

    def keep(element: str, attribute: str, value: str) -> str | None:
        """nh3 attribute filter: images only from the message's own parts, no other cid: URL."""
        scheme = value.split(":", 1)[0].strip().lower() if ":" in value else ""
        if element == "img" and attribute == "src":
            return (
                cid_url(unquote(value.split(":", 1)[1]).strip("<> ")) if scheme == "cid" else None
            )
        return None if scheme == "cid" else value

    return nh3.clean(
        html,
        clean_content_tags=set(_DROP_WITH_CONTENT),
        url_schemes=set(URL_SCHEMES),
        attribute_filter=keep,
    )
