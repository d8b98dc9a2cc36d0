"""Pure decoding helpers for mime.py: charsets with fallbacks, header words, addresses, dates.

Every function here takes whatever a mail client or a broken relay produced and returns clean
text (no NUL, no lone surrogates, no control characters in header values); none of them raises
on bad input.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from datetime import UTC, datetime
from email.utils import getaddresses, parsedate_to_datetime

# Tried in order after the declared charset; latin-1 maps every byte, so text is never lost.
FALLBACK_CHARSETS = ("utf-8", "cp1252", "latin-1")
# Declared charsets that valid, non-ASCII UTF-8 data is more likely to be mislabelled as.
_LEGACY_SINGLE_BYTE = frozenset({"ascii", "iso8859-1", "iso8859-15", "cp1252"})
# Python codecs that are not mail charsets; a header naming them is ignored.
_NOT_MAIL_CODECS = frozenset(
    {"idna", "punycode", "unicode-escape", "raw-unicode-escape", "undefined", "mbcs", "oem"}
)
_CHARSET_ALIASES = {"x-unknown": "", "unknown-8bit": "", "unknown": "", "x-user-defined": ""}

_ENCODED_WORD = re.compile(rb"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_FOLD = re.compile(rb"\r?\n(?=[ \t])")
_SURROGATES = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_SPACES = re.compile(r"\s+")
_ADDR_SPEC = re.compile(r"^[^\s@<>()\[\],;:\\\"]+@[^\s@<>()\[\],;:\\\"]+\.[^\s@<>()\[\],;:\\\"]+$")
_ANGLE_ID = re.compile(r"<([^<>\s]{1,900})>")
_ENCODED_WORD_TEXT = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
_HIDDEN = ("\ue000", "\ue001")  # private-use characters around a hidden word's number
_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")


def codec_for(charset: str | None) -> str | None:
    """The Python codec name for a declared mail charset, or None when unknown or unusable."""
    if not charset:
        return None
    name = charset.strip().strip("\"'").split("*", 1)[0].strip().lower()
    name = _CHARSET_ALIASES.get(name, name)
    try:
        info = codecs.lookup(name) if name else None
    except (LookupError, ValueError, TypeError):
        return None
    if info is None or info.name in _NOT_MAIL_CODECS:
        return None
    return info.name


def clean_text(text: str) -> str:
    """Remove NUL characters and lone surrogates (neither survives a database or nh3)."""
    return _SURROGATES.sub("\ufffd", text.replace("\x00", ""))


def _try_decode(data: bytes, codec: str) -> str | None:
    """Decode strictly, or None; any codec failure counts as 'not this charset'."""
    try:
        return data.decode(codec)
    except (UnicodeError, LookupError, ValueError, TypeError):
        return None


def _looks_like_utf8(data: bytes) -> bool:
    """True for data with non-ASCII bytes that is nevertheless valid UTF-8."""
    return not data.isascii() and _try_decode(data, "utf-8") is not None


def _mostly_utf8(data: bytes) -> bool:
    """True when UTF-8 with a few bad bytes: more valid non-ASCII characters than invalid bytes.

    A relay that damages one byte (Dovecot serves a NUL as 0x80) must not turn a whole UTF-8
    part into cp1252 mojibake; cp1252 text rarely forms even one valid UTF-8 sequence.
    """
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for char in text if not char.isascii()) - bad
    return 0 < bad < good


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Decode body or header bytes: declared charset, then utf-8, cp1252, latin-1; never raises.

    UTF-8 with a few invalid bytes keeps its text: each bad byte becomes U+FFFD where it is.
    """
    codec = codec_for(charset)
    if codec in _LEGACY_SINGLE_BYTE and _looks_like_utf8(data):
        codec = "utf-8"
    for candidate in (codec, *FALLBACK_CHARSETS):
        if candidate is None:
            continue
        text = _try_decode(data, candidate)
        if text is not None:
            return clean_text(text)
        if candidate == "utf-8" and _mostly_utf8(data):
            return clean_text(data.decode("utf-8", errors="replace"))
    return clean_text(data.decode("utf-8", errors="replace"))


def raw_bytes(value: object) -> bytes:
    """The original bytes of a header value as stored by the parser (8-bit kept as escapes)."""
    return str(value).encode("utf-8", errors="surrogateescape")


def one_line(text: str) -> str:
    """Collapse a header value to one safe line: control characters and runs of space -> one space."""
    return _SPACES.sub(" ", _CONTROL.sub(" ", clean_text(text))).strip()


def _word_bytes(kind: bytes, payload: bytes) -> bytes:
    """Decode the encoded-text of one RFC 2047 word (lenient about padding and junk)."""
    if kind.upper() == b"Q":
        return binascii.a2b_qp(payload, header=True)
    payload = re.sub(rb"[^A-Za-z0-9+/]", b"", payload)
    payload = payload[: len(payload) - len(payload) % 4 if len(payload) % 4 == 1 else None]
    try:
        return base64.b64decode(payload + b"=" * (-len(payload) % 4))
    except (binascii.Error, ValueError):
        return b""


def _chunks(data: bytes) -> list[tuple[bytes, str | None]]:
    """Split unfolded header bytes into (bytes, charset) runs; whitespace between words drops."""
    chunks: list[tuple[bytes, str | None]] = []
    pos, last_was_word = 0, False
    for match in _ENCODED_WORD.finditer(data):
        between = data[pos : match.start()]
        if between and not (last_was_word and not between.strip()):
            chunks.append((between, None))
        charset = match.group(1).decode("ascii", errors="replace").lower()
        decoded = _word_bytes(match.group(2), match.group(3))
        if chunks and last_was_word and chunks[-1][1] == charset and not between.strip():
            decoded = chunks.pop()[0] + decoded
        chunks.append((decoded, charset))
        pos, last_was_word = match.end(), True
    if pos < len(data):
        chunks.append((data[pos:], None))
    return chunks


def decode_words(value: object) -> str:
    """Decode a header value: RFC 2047 encoded words (split words joined) and raw 8-bit bytes."""
    data = _FOLD.sub(b"", raw_bytes(value))
    return one_line("".join(decode_bytes(chunk, charset) for chunk, charset in _chunks(data)))


def normalise_address(addr: str) -> str:
    """A lower-cased addr-spec, or "" when the text is not a plausible address."""
    addr = one_line(addr).strip("<>").lower()
    return addr if _ADDR_SPEC.match(addr) and len(addr) <= 320 else ""


def _hide_encoded_words(text: str) -> tuple[str, list[str]]:
    """The header with each RFC 2047 word replaced by a placeholder atom, and the words.

    The address structure is read with the words hidden, so text inside a display name
    (``=?utf-8?q?x:victim@other.example;?=``) can never become an address or a group.
    """
    words: list[str] = []

    def hide(match: re.Match) -> str:
        words.append(match.group(0))
        return f"{_HIDDEN[0]}{len(words) - 1}{_HIDDEN[1]}"

    text = text.replace(_HIDDEN[0], " ").replace(_HIDDEN[1], " ")
    return _ENCODED_WORD_TEXT.sub(hide, text), words


def _shown_name(name: str, words: list[str]) -> str:
    """A display name with its hidden encoded words put back and decoded."""
    restored = _PLACEHOLDER.sub(lambda m: words[int(m.group(1))], name)
    return decode_words(restored)


def parse_addresses(value: object | None) -> list[tuple[str, str]]:
    """(display name, addr-spec) pairs of an address header; invalid addresses are left out.

    The addr-spec comes from the header's address part only, never from decoded display text.
    """
    if value is None:
        return []
    text, words = _hide_encoded_words(one_line(decode_bytes(_FOLD.sub(b"", raw_bytes(value)))))
    try:
        pairs = getaddresses([text])
    except (ValueError, TypeError, IndexError):
        return []
    found = [
        (_shown_name(name, words), "" if _HIDDEN[0] in addr else normalise_address(addr))
        for name, addr in pairs
    ]
    return [(name, addr) for name, addr in found if addr]


def message_ids(value: object | None) -> list[str]:
    """The <msg-id> tokens of a Message-ID / In-Reply-To / References value, in order, deduped."""
    if value is None:
        return []
    text = one_line(decode_bytes(raw_bytes(value)))
    found = _ANGLE_ID.findall(text)
    if not found:
        found = [token.strip("<>") for token in text.split() if "@" in token]
    return list(dict.fromkeys(f"<{token}>" for token in found if token and len(token) <= 900))


def _as_utc(moment: datetime) -> datetime | None:
    """Treat a naive date as UTC and convert an aware one; None when out of range."""
    try:
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def parse_date(value: object | None) -> datetime | None:
    """An aware UTC datetime from an RFC 5322 (or ISO 8601) date, or None when unreadable."""
    if value is None:
        return None
    text = one_line(decode_bytes(raw_bytes(value)))
    for reader in (parsedate_to_datetime, datetime.fromisoformat):
        try:
            return _as_utc(reader(text))
        except (ValueError, TypeError, OverflowError, IndexError):
            continue
    return None
