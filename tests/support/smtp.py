"""An SMTP sink for tests: a real aiosmtpd server on loopback that keeps what it receives."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"
REJECT_REPLIES = {
    451: "451 4.3.0 Mail system temporarily unavailable",
    554: "554 5.3.0 Transaction failed",
}


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class ReceivedMessage:
    """One message as the SMTP server received it: envelope, raw bytes and parsed form."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    message: EmailMessage
    peer: tuple  # the client's (address, port): one per SMTP connection


class _SinkHandler:
    """aiosmtpd handler that hands each message to the sink, or rejects it on request."""

    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        """Refuse a recipient the sink was told to refuse, quoting it as real servers do."""
        if address.lower() in self.sink.refused:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        """Store the message unless the sink is set to reject."""
        if self.sink.reject_reply:
            return self.sink.reject_reply
        # A held message is stored only once released, and not at all when it is dropped: the
        # test killed its client, whose lost connection the server may not have noticed yet.
        held = False
        while self.sink.holding(len(self.sink.messages)):
            held = True
            await asyncio.sleep(0.01)
        if held and self.sink.dropping:
            return REJECT_REPLIES[451]
        self.sink.receive(
            envelope.mail_from, envelope.rcpt_tos, envelope.original_content, tuple(session.peer)
        )
        return "250 2.0.0 OK"


class SmtpSink:
    """An SMTP server on 127.0.0.1 that keeps every message; can go down and come back."""

    def __init__(self, port: int | None = None) -> None:
        self.host = HOST
        self.port = port or free_port()
        self.reject_reply: str | None = None
        self.hold_from: int | None = None
        self.dropping = False
        self.held = threading.Event()
        self.refused: set[str] = set()
        self._messages: list[ReceivedMessage] = []
        self._changed = threading.Condition()
        self._controller: Controller | None = None

    def start(self) -> None:
        """Start listening (again) on the same host and port."""
        if self._controller is None:
            handler = _SinkHandler(self)
            self._controller = Controller(
                handler, hostname=self.host, port=self.port, enable_SMTPUTF8=True
            )
            self._controller.start()

    def stop(self) -> None:
        """Stop listening: clients now get 'connection refused'."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def reject(self, code: int = 451) -> None:
        """Answer every message with a temporary (451) or permanent (554) failure."""
        self.reject_reply = REJECT_REPLIES[code]

    def accept(self) -> None:
        """Accept messages again after `reject` and `refuse_recipients`."""
        self.reject_reply = None
        self.refused = set()

    def refuse_recipients(self, addresses) -> None:
        """Answer RCPT TO for these addresses with 550 (user unknown)."""
        self.refused = {address.lower() for address in addresses}

    def hold(self, after: int) -> None:
        """Accept `after` messages, then keep the next one waiting in DATA until `release`."""
        self.hold_from, self.held, self.dropping = after, threading.Event(), False

    def holding(self, received: int) -> bool:
        """Whether a message arriving after `received` others waits (notes that one does)."""
        if self.hold_from is None or received < self.hold_from:
            return False
        self.held.set()
        return True

    def release(self) -> None:
        """Let a held message through and stop holding."""
        self.hold_from = None

    def drop(self) -> None:
        """Stop holding and discard the held message, whose client is gone: never delivered."""
        self.dropping, self.hold_from = True, None

    def receive(self, mail_from: str, rcpt_tos: Sequence[str], raw: bytes, peer: tuple) -> None:
        """Record one delivered message (called from the server thread)."""
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        with self._changed:
            message = ReceivedMessage(mail_from, tuple(rcpt_tos), raw, parsed, peer)
            self._messages.append(message)
            self._changed.notify_all()

    @property
    def messages(self) -> list[ReceivedMessage]:
        """A snapshot of the messages received so far, oldest first."""
        with self._changed:
            return list(self._messages)

    def clear(self) -> None:
        """Forget the messages received so far."""
        with self._changed:
            self._messages.clear()

    def wait_for(self, count: int, timeout: float = 5) -> list[ReceivedMessage]:
        """Wait until at least `count` messages arrived; raise TimeoutError after `timeout` s."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._messages) >= count, timeout):
                got = len(self._messages)
                raise TimeoutError(f"SMTP sink got {got} of {count} messages in {timeout} s")
            return list(self._messages)
