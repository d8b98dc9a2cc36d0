"""Where a `next` parameter may send the browser: only to a path on this site."""

from urllib.parse import urlsplit


def local_path(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None.

    Browsers drop tabs and line breaks from a URL, trim spaces and read a backslash as a
    slash, so "/\\t/evil.example/" and "/\\\\evil.example" lead off-site. Only printable ASCII
    without spaces or backslashes is considered at all (`request.full_path` is already
    percent-encoded), and then only a path that starts with one slash.
    """
    if not target or any(not "!" <= ch <= "~" or ch == "\\" for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
