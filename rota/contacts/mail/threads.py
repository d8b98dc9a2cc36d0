"""Threading: which contact each incoming e-mail of an ingest batch belongs to, or a new one.

A message joins the contact of the newest message (incoming or outgoing) whose Message-ID it
names in In-Reply-To or References — an earlier message of the same batch is newer than any
stored one; failing that, the contact whose reference tag ([#R-1234]) its subject carries, but
only when its sender is a participant of that contact (the client, or an address a counsellor
chose to answer): tags are sequential and every acknowledgement tells one, so a tag alone
proves nothing. Otherwise it opens a new contact with a reference of its own, which *mentions*
the tagged contact so that a counsellor can merge the two. A tag of a merged contact stands for
the contact it was merged into. A batch reads what it needs in at most five queries, whatever
its size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rota.contacts.mail.mime.message import ParsedMessage, reference_tag
from rota.contacts.models import Contact, ContactStatus, Message, Participant

MAX_REFERENCES = 50  # the newest ones; enough for any real thread


@dataclass
class Thread:
    """A contact as one batch sees it: stored before (with the version read), or opened now."""

    id: int | None
    status: ContactStatus = ContactStatus.NEW
    owner_id: int | None = None
    version: int | None = None  # None: opened by this batch
    reopened: bool = False  # a closed contact that this batch opens again
    # what a notice of a stored contact names: who hears of it, its channel and arrival
    organisation_id: int | None = None
    channel: str | None = None
    received_at: datetime | None = None

    @property
    def reference(self) -> str:
        """The contact's reference tag, R-<id>."""
        return f"R-{self.id}"


def _named_ids(parsed: ParsedMessage) -> list[str]:
    return [mid for mid in (parsed.in_reply_to, *parsed.references[-MAX_REFERENCES:]) if mid]


class Threads:
    """The threads of one batch: stored messages and contacts it names, and what it opens."""

    def __init__(self, session: Session, messages: list[ParsedMessage]) -> None:
        self.named: dict[str, tuple[int, int]] = {}  # Message-ID -> (newest row id, contact id)
        self.tagged: dict[str, int] = {}  # reference -> contact id (merged: the one it went to)
        self.participants: dict[int, set[str]] = {}  # tagged contact id -> participants
        self.contacts: dict[int, Thread] = {}  # the stored contacts named
        self.batch: dict[str, tuple[int, Thread]] = {}  # Message-ID -> (order, its contact)
        self.opened: list[Thread] = []
        self.added = 0
        self.unknown_tags: set[str] = set()  # tags that named no stored contact
        ids = {mid for parsed in messages for mid in _named_ids(parsed)}
        if ids:
            query = select(Message.message_id, Message.id, Message.contact_id)
            for message_id, row_id, contact_id in session.execute(
                query.where(Message.message_id.in_(ids))
            ):
                if self.named.get(message_id, (0, 0))[0] < row_id:
                    self.named[message_id] = (row_id, contact_id)
        tags = {reference_tag(parsed.subject) for parsed in messages} - {None}
        if tags:
            query = select(Contact.reference, func.coalesce(Contact.merged_into_id, Contact.id))
            self.tagged = dict(session.execute(query.where(Contact.reference.in_(tags))).all())
            self._participants(session, set(self.tagged.values()))
        self._load(session, {c for _row, c in self.named.values()} | set(self.tagged.values()))

    def _participants(self, session: Session, contact_ids: set[int]) -> None:
        """Who may add to the tagged contacts by tag: each one's client and added addresses."""
        clients = select(Contact.id, Contact.client_email).where(Contact.id.in_(contact_ids))
        added = select(Participant.contact_id, Participant.address)
        added = added.where(Participant.contact_id.in_(contact_ids))
        for contact_id, address in [*session.execute(clients), *session.execute(added)]:
            if address:
                self.participants.setdefault(contact_id, set()).add(address.lower())

    def _load(self, session: Session, contact_ids: set[int]) -> None:
        if not contact_ids:
            return
        columns = (
            Contact.id,
            Contact.status,
            Contact.owner_id,
            Contact.version,
            Contact.organisation_id,
            Contact.channel,
            Contact.received_at,
        )
        for row in session.execute(select(*columns).where(Contact.id.in_(contact_ids))):
            self.contacts[row.id] = Thread(
                row.id,
                row.status,
                row.owner_id,
                row.version,
                organisation_id=row.organisation_id,
                channel=row.channel,
                received_at=row.received_at,
            )

    def find(self, parsed: ParsedMessage) -> Thread | None:
        """The contact this message continues: by Message-ID chain, else by tag from a participant."""
        ids = _named_ids(parsed)
        in_batch = [self.batch[m] for m in ids if m in self.batch]
        if in_batch:  # the newest message it names is the latest of this batch's
            return max(in_batch, key=lambda found: found[0])[1]
        stored = [self.named[m] for m in ids if m in self.named]
        if stored:
            return self.contacts[max(stored)[1]]
        tag = reference_tag(parsed.subject)
        if tag in self.tagged:
            contact_id = self.tagged[tag]
            joins = parsed.from_addr.lower() in self.participants.get(contact_id, ())
            return self.contacts[contact_id] if joins else None
        if tag:
            self.unknown_tags.add(tag)
        return None

    def mentioned(self, parsed: ParsedMessage) -> int | None:
        """The stored contact whose tag the message carries (for one that did not join it)."""
        return self.tagged.get(reference_tag(parsed.subject))

    def open(self) -> Thread:
        """A new contact for a message (its id is given once the batch's ids are reserved)."""
        thread = Thread(None)
        self.opened.append(thread)
        return thread

    def add(self, parsed: ParsedMessage, thread: Thread) -> None:
        """Note a message of this batch, so later ones that name it join its contact."""
        self.added += 1
        self.batch[parsed.message_id] = (self.added, thread)
