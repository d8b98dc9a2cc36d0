"""A minimal IMAP client for bulk MULTIAPPEND (RFC 3502) with LITERAL+, which imaplib lacks."""

from __future__ import annotations

import re
import socket
from collections.abc import Sequence


def parse_uid_set(uid_set: bytes) -> list[int]:
    """Expand an IMAP uid-set such as b'4:6,9' into [4, 5, 6, 9]."""
    uids: list[int] = []
    for part in uid_set.split(b","):
        first, _, last = part.partition(b":")
        low, high = sorted((int(first), int(last or first)))
        uids.extend(range(low, high + 1))
    return uids


class ImapWire:
    """One IMAP connection that sends whole commands with non-synchronising literals."""

    def __init__(self, host: str, port: int, timeout: float = 60) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.reader = self.sock.makefile("rb")
        self.tag = 0
        greeting = self.reader.readline()
        if not greeting.startswith(b"* OK"):
            raise ConnectionError(f"unexpected IMAP greeting {greeting!r}")

    def __enter__(self) -> ImapWire:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Log out and close the socket."""
        try:
            self.command(b"LOGOUT")
        except OSError:
            pass
        finally:
            self.reader.close()
            self.sock.close()

    @staticmethod
    def literal(data: bytes) -> bytes:
        """A LITERAL+ literal: the server does not ask for a continuation."""
        return b"{%d+}\r\n" % len(data) + data

    def command(self, *parts: bytes, allow_no: bool = False) -> bytes:
        """Send one tagged command; return its tagged reply, raising unless it is OK."""
        self.tag += 1
        tag = b"W%d " % self.tag
        self.sock.sendall(tag + b"".join(parts) + b"\r\n")
        while True:
            line = self.reader.readline()
            if not line:
                raise ConnectionError("IMAP server closed the connection")
            if line.startswith(tag):
                break
        status = line[len(tag) :].split(b" ", 1)[0]
        if status == b"OK" or (allow_no and status == b"NO"):
            return line
        raise RuntimeError(f"IMAP command failed: {line!r}")

    def login(self, user: str, password: str) -> None:
        """LOGIN with both arguments sent as literals, so no quoting is needed."""
        self.command(b"LOGIN ", self.literal(user.encode()), b" ", self.literal(password.encode()))

    def multiappend(self, folder: str, raws: Sequence[bytes], flags: Sequence[str] = ()) -> list:
        """Append all `raws` in one APPEND command; return their UIDs in order."""
        flag_list = b"(" + " ".join(flags).encode() + b") " if flags else b""
        parts = [b"APPEND ", self.literal(folder.encode())]
        for raw in raws:
            parts += [b" ", flag_list, self.literal(raw)]
        reply = self.command(*parts)
        match = re.search(rb"\[APPENDUID \d+ ([\d:,]+)\]", reply)
        if not match:
            raise RuntimeError(f"no APPENDUID in {reply!r}")
        return parse_uid_set(match.group(1))
