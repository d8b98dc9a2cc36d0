"""Contacts, their messages, calls and events; raw mail and the mailbox's high-water mark."""

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    and_,
    event,
    inspect,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rota.db import UTCDateTime, utcnow
from rota.extensions import db
from rota.members.models import Organisation, User
from rota.schedule.models import Channel, Shift


class ContactStatus(enum.StrEnum):
    """New (nobody has opened it), open (claimed or being handled), closed."""

    NEW = "new"
    OPEN = "open"
    CLOSED = "closed"


class ContactEventKind(enum.StrEnum):
    """What happened to a contact (stored in `ContactEvent.kind`; labels in contacts.events)."""

    RECEIVED = "received"
    MESSAGE = "message"
    ROUTED = "routed"
    HANDED_OVER = "handed_over"
    REASSIGNED = "reassigned"
    CLAIMED = "claimed"
    REPLIED = "replied"
    CLOSED = "closed"
    REOPENED = "reopened"
    CALL_ANSWERED = "call_answered"
    CALL_MISSED = "call_missed"
    CALL_LOGGED = "call_logged"
    CALLED_BACK = "called_back"
    CALLER_UNREADABLE = "caller_unreadable"
    MENTIONED = "mentioned"  # its first mail carried another contact's tag from a non-participant
    PARTICIPANT_ADDED = "participant_added"
    MERGED = "merged"  # another contact was merged into it
    MERGED_INTO = "merged_into"
    SHIFT_CHANGED_HANDS = "shift_changed_hands"  # its shift went to another holder


class Contact(db.Model):
    """One client matter: a thread of e-mails and calls, owned by a counsellor or a queue."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)  # R-1234
    channel: Mapped[Channel] = mapped_column(Enum(Channel, native_enum=False, length=10))
    status: Mapped[ContactStatus] = mapped_column(
        Enum(ContactStatus, native_enum=False, length=10), default=ContactStatus.NEW, index=True
    )
    subject: Mapped[str] = mapped_column(String(998), default="")
    client_name: Mapped[str] = mapped_column(String(200), default="")
    client_email: Mapped[str] = mapped_column(String(254), default="", index=True)
    client_phone: Mapped[str] = mapped_column(String(32), default="", index=True)
    language: Mapped[str | None] = mapped_column(String(2))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shifts.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # the contact whose reference tag its first mail carried from an address not of that contact
    mentions_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    # its personal fields were cleared (retention or a client's erasure): the row stays for counts
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The service report's figures of the contact (rota.reports.stored), worked out from its
    # times with the service hours whose fingerprint `figures_clock` holds; NULL: not yet, or
    # its times changed since. Its local hour of the week (Monday 00–01 is 0), the Monday of
    # its week (days since 1970-01-01), 1 if it came in service hours, and the minutes to the
    # first response and to closing, in service time and in wall time.
    figures_clock: Mapped[int | None] = mapped_column(BigInteger, index=True)
    figures_hour: Mapped[int | None] = mapped_column(SmallInteger)
    figures_week: Mapped[int | None] = mapped_column(Integer)
    figures_inside: Mapped[int | None] = mapped_column(SmallInteger)
    figures_response: Mapped[float | None] = mapped_column(Float)
    figures_close: Mapped[float | None] = mapped_column(Float)
    figures_response_wall: Mapped[float | None] = mapped_column(Float)
    figures_close_wall: Mapped[float | None] = mapped_column(Float)

    owner: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    shift: Mapped[Shift | None] = relationship()
    messages: Mapped[list["Message"]] = relationship(
        back_populates="contact", order_by="Message.created_at"
    )
    calls: Mapped[list["Call"]] = relationship(back_populates="contact", order_by="Call.started_at")
    events: Mapped[list["ContactEvent"]] = relationship(
        back_populates="contact", order_by="ContactEvent.at"
    )

    __mapper_args__ = {"version_id_col": version}
    # The queue's lists read a page in (received_at, id) order (rota.paging), each through a
    # partial index of the contacts it may list, so neither a page nor its COUNT reads the
    # years of closed contacts.
    __table_args__ = (
        Index(
            "ix_contacts_open_owner",
            owner_id,
            received_at,
            id,
            sqlite_where=status != ContactStatus.CLOSED,
            postgresql_where=status != ContactStatus.CLOSED,
        ),
        Index(
            "ix_contacts_open_unassigned",
            organisation_id,
            received_at,
            id,
            sqlite_where=and_(status != ContactStatus.CLOSED, owner_id.is_(None)),
            postgresql_where=and_(status != ContactStatus.CLOSED, owner_id.is_(None)),
        ),
        Index(
            "ix_contacts_open_received",
            received_at,
            id,
            sqlite_where=status != ContactStatus.CLOSED,
            postgresql_where=status != ContactStatus.CLOSED,
        ),
        Index(
            "ix_contacts_closed",
            closed_at,
            id,
            sqlite_where=status == ContactStatus.CLOSED,
            postgresql_where=status == ContactStatus.CLOSED,
        ),
    )


# the times the report's figures of a contact are worked out from
FIGURED_TIMES = ("received_at", "first_response_at", "closed_at")


@event.listens_for(Contact, "before_update")
def _times_changed(_mapper, _connection, contact: Contact) -> None:
    """A contact whose times change has its report figures worked out again: they are stale
    from this UPDATE on (a plain-SQL update of these times sets `figures_clock` NULL itself)."""
    state = inspect(contact)
    if any(state.attrs[name].history.has_changes() for name in FIGURED_TIMES):
        contact.figures_clock = None


class Participant(db.Model):
    """An address a counsellor chose to answer on a contact, besides the client's own.

    The client's address (``Contact.client_email``) is always a participant. Replies go to the
    participants only, and mail tagged with the contact's reference joins it only from one.
    """

    __tablename__ = "contact_participants"

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), primary_key=True)
    address: Mapped[str] = mapped_column(String(254), primary_key=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MessageDirection(enum.StrEnum):
    """Incoming from the client, outgoing reply, or an internal note."""

    IN = "in"
    OUT = "out"
    NOTE = "note"


class Message(db.Model):
    """One e-mail (in or out) or internal note on a contact."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    direction: Mapped[MessageDirection] = mapped_column(
        Enum(MessageDirection, native_enum=False, length=5)
    )
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(998))
    references: Mapped[str] = mapped_column(Text, default="")
    from_addr: Mapped[str] = mapped_column(String(254), default="")
    from_name: Mapped[str] = mapped_column(String(200), default="")
    to_addrs: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(String(998), default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str | None] = mapped_column(Text)  # sanitised, never the raw HTML
    automatic: Mapped[str | None] = mapped_column(String(40))  # why it is automatic mail
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    raw_id: Mapped[int | None] = mapped_column(ForeignKey("raw_messages.id"))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the Date header
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contact: Mapped[Contact] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()
    attachments: Mapped[list["Attachment"]] = relationship(back_populates="message")


class Attachment(db.Model):
    """A file that came with (or was sent in) a message."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    content_id: Mapped[str | None] = mapped_column(String(255))
    inline: Mapped[bool] = mapped_column(default=False)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # read only to serve it

    message: Mapped[Message] = relationship(back_populates="attachments")


class RawStatus(enum.StrEnum):
    """Stored and waiting, turned into a contact or message, failed (listed), or a duplicate."""

    PENDING = "pending"
    INGESTED = "ingested"
    FAILED = "failed"
    DUPLICATE = "duplicate"


class RawMessage(db.Model):
    """The raw RFC 5322 bytes of every message fetched from the shared mailbox, kept first."""

    __tablename__ = "raw_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(200))
    uidvalidity: Mapped[int] = mapped_column(Integer)
    uid: Mapped[int] = mapped_column(Integer)
    message_id: Mapped[str] = mapped_column(String(998), index=True)
    digest: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[RawStatus] = mapped_column(
        Enum(RawStatus, native_enum=False, length=10), default=RawStatus.PENDING, index=True
    )
    error: Mapped[str] = mapped_column(Text, default="")
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # flagged/moved on server

    __table_args__ = (UniqueConstraint("mailbox", "uidvalidity", "uid"),)


class MailboxState(db.Model):
    """The high-water mark of the shared mailbox: last UID seen under a UIDVALIDITY."""

    __tablename__ = "mailbox_states"

    mailbox: Mapped[str] = mapped_column(String(200), primary_key=True)
    uidvalidity: Mapped[int] = mapped_column(Integer)
    last_uid: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CallOutcome(enum.StrEnum):
    """How a call went."""

    ANSWERED = "answered"
    MISSED = "missed"
    VOICEMAIL = "voicemail"


class Call(db.Model):
    """A phone call, reported by the telephony webhook or logged by a counsellor."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    caller: Mapped[str] = mapped_column(String(32), default="")
    caller_unreadable: Mapped[bool] = mapped_column(default=False)  # kept as given, flagged
    called: Mapped[str] = mapped_column(String(32), default="")
    answered_by: Mapped[str] = mapped_column(String(32), default="")
    counsellor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[CallOutcome | None] = mapped_column(
        Enum(CallOutcome, native_enum=False, length=10)
    )
    cause: Mapped[str] = mapped_column(String(100), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    callback_needed: Mapped[bool] = mapped_column(default=False)
    callback_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contact: Mapped[Contact] = relationship(back_populates="calls")
    counsellor: Mapped[User | None] = relationship(foreign_keys=[counsellor_id])

    # the calls to return, oldest first, a page at a time (rota.paging)
    __table_args__ = (
        Index(
            "ix_calls_to_return",
            started_at,
            id,
            # as each database writes the query's condition (a partial index must match it)
            sqlite_where=text("callback_needed = 1 AND callback_done_at IS NULL"),
            postgresql_where=text("callback_needed AND callback_done_at IS NULL"),
        ),
    )


class CallEvent(db.Model):
    """One telephony webhook event, stored once per (call id, event): replays change nothing."""

    __tablename__ = "call_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200))
    event: Mapped[str] = mapped_column(String(20))
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("external_id", "event"),)


class ContactEvent(db.Model):
    """Everything that happens to a contact: routed, claimed, moved, replied, closed … with why."""

    __tablename__ = "contact_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))  # a ContactEventKind
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    from_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    to_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shifts.id"))
    reason: Mapped[str] = mapped_column(Text, default="")  # typed by a person, or fixed text
    # a routing's reason as data (route, names, instants), put in words in the viewer's locale
    reason_data: Mapped[dict | None] = mapped_column(JSON)

    contact: Mapped[Contact] = relationship(back_populates="events")


class IngestedKey(db.Model):
    """One (Message-ID, sender/date/size digest) that became a message: a second copy is a duplicate."""

    __tablename__ = "ingested_keys"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256(message_id, digest)
    raw_id: Mapped[int] = mapped_column(ForeignKey("raw_messages.id"))


class Acknowledgement(db.Model):
    """The automatic reply sent to one sender on one local day (at most one a day)."""

    __tablename__ = "acknowledgements"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(254))
    day: Mapped[date] = mapped_column(Date)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("address", "day"),)


class SavedReply(db.Model):
    """A canned answer for the reply box, in one language: ring-wide (no organisation), kept by
    the coordinator, or one organisation's, kept by its admins and the coordinator."""

    __tablename__ = "saved_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation | None] = relationship()
