"""The IMAP side of the shared mailbox: connect, select, fetch by UID in windows, flag or move.

Only imaplib; no database. Messages are fetched with BODY.PEEK[] so the \\Seen flag, which
people reading the mailbox in other clients rely on, is never touched.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
CHUNK_BYTES = 8 * 1024 * 1024  # at most this much message data in one FETCH (one message more)


class MailboxError(Exception):
    """The mail server refused a command or answered something we cannot use."""


@dataclass(frozen=True)
class Folder:
    """A selected folder: its name, UIDVALIDITY and the UID the next new message will get."""

    name: str
    uidvalidity: int
    uidnext: int


def _context(config: Mapping) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if config.get("IMAP_CAFILE"):
        context.load_verify_locations(cafile=config["IMAP_CAFILE"])
    return context


def connect_imap(config: Mapping) -> imaplib.IMAP4:
    """A logged-in imaplib connection to the shared mailbox (IMAPS, STARTTLS or plain)."""
    host, port = config["IMAP_HOST"], int(config["IMAP_PORT"])
    timeout = float(config.get("IMAP_TIMEOUT") or 60)
    security = str(config.get("IMAP_SECURITY") or "ssl").lower()
    if security == "ssl":
        conn = imaplib.IMAP4_SSL(host, port, ssl_context=_context(config), timeout=timeout)
    else:
        conn = imaplib.IMAP4(host, port, timeout=timeout)
    try:
        if security == "starttls":
            conn.starttls(_context(config))
        conn.login(config["IMAP_USER"], config["IMAP_PASSWORD"])
    except BaseException:
        conn.shutdown()
        raise
    return conn


def quoted(name: str) -> str:
    """A folder name as an IMAP quoted string."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def check(typ: str, data, what: str) -> list:
    """The response data of an OK answer; MailboxError otherwise."""
    if typ != "OK":
        raise MailboxError(f"the mail server refused {what}: {_text(data)}")
    return data


def _text(data) -> str:
    parts = data if isinstance(data, list | tuple) else [data]
    return " ".join(p.decode(errors="replace") if isinstance(p, bytes) else str(p) for p in parts)


def _number(conn: imaplib.IMAP4, code: str) -> int | None:
    _typ, data = conn.response(code)
    return int(data[0]) if data and data[0] else None


def select(conn: imaplib.IMAP4, name: str) -> Folder:
    """Select a folder read-write and read its UIDVALIDITY and UIDNEXT."""
    check(*conn.select(quoted(name)), f"SELECT {name}")
    uidvalidity = _number(conn, "UIDVALIDITY")
    if uidvalidity is None:
        raise MailboxError(f"the mail server gave no UIDVALIDITY for {name}")
    uidnext = _number(conn, "UIDNEXT")
    if uidnext is None:
        data = check(*conn.uid("SEARCH", None, "UID *"), "UID SEARCH")
        uidnext = max((int(uid) for uid in (data[0] or b"").split()), default=0) + 1
    return Folder(name, uidvalidity, uidnext)


def uid_windows(last_uid: int, uidnext: int, size: int) -> Iterator[tuple[int, int]]:
    """UID ranges (first, last) after the high-water mark, `size` UIDs at a time."""
    for first in range(last_uid + 1, uidnext, max(size, 1)):
        yield first, min(first + size - 1, uidnext - 1)


def sizes(conn: imaplib.IMAP4, first: int, last: int) -> list[tuple[int, int]]:
    """(uid, size) of the messages with UIDs in first..last, ascending."""
    data = check(*conn.uid("FETCH", f"{first}:{last}", "(UID RFC822.SIZE)"), "UID FETCH")
    found = {}
    for item in data:
        line = item[0] if isinstance(item, tuple) else item
        uid, size = _UID.search(line or b""), _SIZE.search(line or b"")
        if uid and size and first <= int(uid.group(1)) <= last:
            found[int(uid.group(1))] = int(size.group(1))
    return sorted(found.items())


def chunks(found: Sequence[tuple[int, int]], limit: int = CHUNK_BYTES) -> Iterator[list[int]]:
    """UIDs grouped so that one FETCH carries at most `limit` bytes (or one message)."""
    group, total = [], 0
    for uid, size in found:
        if group and total + size > limit:
            yield group
            group, total = [], 0
        group.append(uid)
        total += size
    if group:
        yield group


def fetch(conn: imaplib.IMAP4, uids: Sequence[int], headers_only: bool = False) -> dict[int, bytes]:
    """The raw bytes (or only the header block) of messages by UID, without setting \\Seen."""
    item = "BODY.PEEK[HEADER]" if headers_only else "BODY.PEEK[]"
    data = check(*conn.uid("FETCH", uid_set(uids), f"(UID {item})"), "UID FETCH")
    found = {}
    for part in data:
        if isinstance(part, tuple) and (match := _UID.search(part[0])):
            found[int(match.group(1))] = part[1]
    return found


def uid_set(uids: Sequence[int]) -> str:
    """A compact IMAP UID set: 1:3,7,9:10."""
    ranges: list[list[int]] = []
    for uid in sorted(set(uids)):
        if ranges and uid == ranges[-1][1] + 1:
            ranges[-1][1] = uid
        else:
            ranges.append([uid, uid])
    return ",".join(f"{a}" if a == b else f"{a}:{b}" for a, b in ranges)


def flag(conn: imaplib.IMAP4, uids: Sequence[int]) -> None:
    """Mark messages \\Flagged (done) on the server."""
    check(*conn.uid("STORE", uid_set(uids), "+FLAGS.SILENT", r"(\Flagged)"), "UID STORE")


def move(conn: imaplib.IMAP4, uids: Sequence[int], target: str) -> None:
    """Move messages to `target` (created when missing); COPY + delete where MOVE is unknown."""
    conn.create(quoted(target))  # NO when it exists already, which is fine
    if "MOVE" in conn.capabilities:
        check(*conn.uid("MOVE", uid_set(uids), quoted(target)), "UID MOVE")
        return
    check(*conn.uid("COPY", uid_set(uids), quoted(target)), "UID COPY")
    check(*conn.uid("STORE", uid_set(uids), "+FLAGS.SILENT", r"(\Deleted)"), "UID STORE")
    if "UIDPLUS" in conn.capabilities:
        check(*conn.uid("EXPUNGE", uid_set(uids)), "UID EXPUNGE")
    else:
        check(*conn.expunge(), "EXPUNGE")


def close(conn: imaplib.IMAP4) -> None:
    """Log out, ignoring a connection that is already broken."""
    with contextlib.suppress(OSError, EOFError, imaplib.IMAP4.error):
        conn.logout()
