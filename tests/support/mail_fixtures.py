"""Pytest fixtures for the real mail servers; register with pytest_plugins in tests/conftest.py."""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass

import pytest

from tests.support.mailservers import DovecotServer, SmtpSink, dovecot_available

_user_numbers = itertools.count(1)


def require_dovecot() -> None:
    """Skip the test when Dovecot is missing, but fail on CI (CI=true) where it must exist."""
    ok, reason = dovecot_available()
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true, so this is an error, not a skip)")
    pytest.skip(reason)


@dataclass(frozen=True)
class ImapMailbox:
    """One fresh IMAP account on the shared test Dovecot, with helpers bound to it."""

    server: DovecotServer
    user: str
    password: str

    @property
    def host(self) -> str:
        """The IMAP host (127.0.0.1)."""
        return self.server.host

    @property
    def port(self) -> int:
        """The plain IMAP port (STARTTLS when the server was started with tls=True)."""
        return self.server.port

    def connect(self) -> AbstractContextManager:
        """An imaplib connection logged in as this mailbox's user."""
        return self.server.connect(self.user)

    def append(self, raw: bytes, folder: str = "INBOX", flags=()) -> int:
        """Append one message; return its UID."""
        return self.server.append(self.user, raw, folder, flags)

    def append_many(self, raws, folder: str = "INBOX", flags=()) -> list[int]:
        """Append many messages quickly over one connection; return their UIDs."""
        return self.server.append_many(self.user, raws, folder, flags)

    def list_uids(self, folder: str = "INBOX") -> list[int]:
        """The UIDs in a folder, ascending."""
        return self.server.list_uids(self.user, folder)

    def flags(self, uid: int, folder: str = "INBOX") -> set[str]:
        """The flags of one message."""
        return self.server.flags(self.user, folder, uid)

    def uidvalidity(self, folder: str = "INBOX") -> int:
        """The folder's current UIDVALIDITY."""
        return self.server.uidvalidity(self.user, folder)

    def set_uidvalidity(self, folder: str = "INBOX", value: int | None = None) -> int:
        """Force a new UIDVALIDITY on the folder; return it."""
        return self.server.set_uidvalidity(self.user, folder, value)


def running_dovecot(tls: bool = False) -> Iterator[DovecotServer]:
    """Start a DovecotServer (or skip/fail when Dovecot is missing), stop it afterwards."""
    require_dovecot()
    server = DovecotServer(tls=tls)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    """A private Dovecot for the whole test session (plain IMAP on a free loopback port)."""
    yield from running_dovecot()


@pytest.fixture
def private_dovecot() -> Iterator[DovecotServer]:
    """A Dovecot of this test's own (~50 ms), for wrong-password logins or a stopped server."""
    yield from running_dovecot()


@pytest.fixture
def tls_dovecot() -> Iterator[DovecotServer]:
    """A Dovecot with a self-signed cert: STARTTLS on `port`, IMAPS on `ssl_port`."""
    yield from running_dovecot(tls=True)


@pytest.fixture
def imap_mailbox(dovecot: DovecotServer) -> ImapMailbox:
    """A fresh, empty mailbox user on the session Dovecot, unique to this test."""
    user = f"test{next(_user_numbers)}-{os.getpid()}"
    password = secrets.token_hex(8)
    dovecot.create_user(user, password)
    return ImapMailbox(dovecot, user, password)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A running SMTP sink on a free loopback port; stopped after the test."""
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()
