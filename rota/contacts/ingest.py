"""Stored raw mail -> contacts: BATCH messages per transaction, each in its own savepoint.

A worker claims up to BATCH of the oldest pending rows (PostgreSQL: FOR UPDATE SKIP LOCKED, so
eight workers take different rows; everywhere: a guarded UPDATE ... WHERE status = 'pending', so
rows someone else finished meanwhile are skipped). Each message then runs in a SAVEPOINT: it is
parsed, its (Message-ID, digest) key is recorded — a second copy hits the key's primary key and
becomes a duplicate —, it threads or opens the contact, a new contact is routed (the rota read
once per batch and minute) and its acknowledgement queued. A message that cannot be parsed, or
whose ingest fails, is rolled back alone and kept raw as FAILED with the reason in the same batch:
it never blocks the ones after it. A clash with another worker (deadlock, serialisation failure,
a contact changed meanwhile) rolls back that message alone and leaves it pending for another pass.
The batch commits once; a crash before that leaves every message of the batch pending.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from rota.contacts import notify, threads
from rota.contacts.acknowledge import acknowledge, acknowledged_today, local_day
from rota.contacts.mime import ParsedMessage, UnparseableMessage, parse_message
from rota.contacts.models import IngestedKey, RawMessage, RawStatus
from rota.contacts.routing_service import route_new_contact

log = logging.getLogger(__name__)

BATCH = 50  # messages per transaction: one claim and one commit for all of them
ROUNDS = 3  # passes over the pending rows; a message put off by a clash waits for the next


@dataclass
class IngestReport:
    """What one ingest run did, for the CLI and the logs."""

    fetched: int = 0
    new_contacts: int = 0
    threaded: int = 0
    duplicates: int = 0
    failed: int = 0
    marked: int = 0
    acknowledged: int = 0
    resynced: bool = False
    error: str = ""

    def count(self, outcome: str) -> None:
        """Add one ingested message's outcome (new / threaded / duplicate / failed)."""
        name = {"new": "new_contacts", "threaded": "threaded", "duplicate": "duplicates"}
        attribute = name.get(outcome, "failed")
        setattr(self, attribute, getattr(self, attribute) + 1)

    def summary(self) -> str:
        """One line for people: fetched 3, new contacts 2, threaded 1, …"""
        text = (
            f"fetched {self.fetched}, new contacts {self.new_contacts}, threaded {self.threaded}, "
            f"duplicates {self.duplicates}, failed {self.failed}, marked {self.marked}, "
            f"acknowledgements {self.acknowledged}"
        )
        return text + (", UIDVALIDITY changed: re-synced" if self.resynced else "")


def own_addresses(config: Mapping) -> list[str]:
    """Our own addresses (mail from them is a loop, never acknowledged)."""
    addresses = [config.get("RING_EMAIL") or "", *config.get("MAIL_OWN_ADDRESSES", ())]
    if "@" in str(config.get("IMAP_USER") or ""):
        addresses.append(config["IMAP_USER"])
    return [a.lower() for a in addresses if a]


def _claim(session: Session, after_id: int, now: datetime) -> list[int]:
    """Lock up to BATCH pending rows after `after_id` for this transaction; [] when none is left."""
    while True:
        ids = list(
            session.scalars(
                select(RawMessage.id)
                .where(RawMessage.status == RawStatus.PENDING, RawMessage.id > after_id)
                .order_by(RawMessage.id)
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            )
        )
        if not ids:
            session.commit()  # nothing claimed; ends the read (and its locks)
            return []
        claimed = session.scalars(
            update(RawMessage)
            .where(RawMessage.id.in_(ids), RawMessage.status == RawStatus.PENDING)
            .values(processed_at=now)
            .returning(RawMessage.id)
            .execution_options(synchronize_session=False)
        ).all()
        if claimed:
            return sorted(claimed)
        session.rollback()  # other workers finished them all meanwhile
        after_id = ids[-1]


def ingest_pending(
    session: Session, config: Mapping, now: datetime, report: IngestReport | None = None
) -> IngestReport:
    """Ingest every stored pending message, BATCH per transaction (commits)."""
    report = report if report is not None else IngestReport()
    session.commit()  # the caller's work first: a skipped claim rolls back
    for last_round in [False] * (ROUNDS - 1) + [True]:
        after_id, deferred = 0, 0
        while raw_ids := _claim(session, after_id, now):
            after_id = raw_ids[-1]
            deferred += _ingest_batch(session, raw_ids, config, now, report, last_round)
        if not deferred:
            break
    return report


@dataclass
class _Batch:
    """What one batch reads once: known keys, senders acknowledged today, rota views, hours."""

    keys: set = field(default_factory=set)
    acked: set = field(default_factory=set)
    views: dict = field(default_factory=dict)
    hours: dict = field(default_factory=dict)

    def load(self, session: Session, messages: list[ParsedMessage], config, now) -> _Batch:
        """Read the batch's existing dedupe keys and today's acknowledged senders: two queries."""
        keys = [_dedupe_key(parsed) for parsed in messages]
        self.keys.update(session.scalars(select(IngestedKey.key).where(IngestedKey.key.in_(keys))))
        senders = {parsed.from_addr.lower() for parsed in messages if not parsed.automatic}
        self.acked.update(acknowledged_today(session, senders, local_day(config, now)))
        return self


def _ingest_batch(session, raw_ids, config, now, report: IngestReport, last_round: bool) -> int:
    """Ingest claimed rows, each in a savepoint, and commit once; how many were put off."""
    rows = session.scalars(select(RawMessage).where(RawMessage.id.in_(raw_ids)).order_by("id"))
    parsed = [(raw, _parse(raw, config, now)) for raw in rows.all()]
    batch = _Batch().load(session, [p for _raw, p in parsed if p is not None], config, now)
    outcomes = [_ingest_one(session, raw, p, config, now, batch, last_round) for raw, p in parsed]
    session.commit()
    for outcome, outbox_id in outcomes:
        if outcome != "deferred":
            report.count(outcome)
        if outbox_id is not None:
            report.acknowledged += 1
            notify.remember(session, outbox_id)
    return sum(outcome == "deferred" for outcome, _id in outcomes)


def _ingest_one(session, raw, parsed, config, now, batch: _Batch, last_round: bool):
    """One message in its own savepoint: an error rolls back this message alone."""
    if parsed is None:
        return "failed", None
    raw_id, keys, acked = raw.id, set(batch.keys), set(batch.acked)
    try:
        with session.begin_nested():
            return _ingest_parsed(session, raw, parsed, config, now, batch)
    except Exception as exc:  # a bug or a broken row must not stop the messages behind it
        batch.keys, batch.acked = keys, acked
        if _retry_later(exc, last_round):
            log.info("ingest of raw message %s put off: %s", raw_id, exc)
            return "deferred", None
        log.exception("ingest of raw message %s failed", raw_id)
        _fail(session, raw_id, f"ingest failed ({type(exc).__name__}: {exc})", now)
        return "failed", None


def _retry_later(exc: Exception, last_round: bool) -> bool:
    """A clash with another worker (same key or sender at once, a changed contact, deadlock)."""
    if isinstance(exc, IntegrityError | StaleDataError):
        return not last_round  # the next pass sees the other worker's committed rows
    code = str(getattr(getattr(exc, "orig", None), "sqlstate", "") or "")
    return isinstance(exc, DBAPIError) and (code.startswith("40") or code == "55P03")


def _fail(session: Session, raw_id: int, reason: str, now: datetime) -> None:
    session.execute(
        update(RawMessage)
        .where(RawMessage.id == raw_id, RawMessage.status == RawStatus.PENDING)
        .values(status=RawStatus.FAILED, error=reason[:2000], processed_at=now)
        .execution_options(synchronize_session=False)
    )


def _dedupe_key(parsed: ParsedMessage) -> str:
    return hashlib.sha256(f"{parsed.message_id}\n{parsed.digest}".encode()).hexdigest()


def _parse(raw: RawMessage, config: Mapping, now: datetime) -> ParsedMessage | None:
    """The parsed message; None (and the row FAILED with the reason) when it cannot be read."""
    if raw.size > len(raw.data or b""):
        return _failed(raw, raw.error or "only the header of this message was kept", now)
    try:
        parsed = parse_message(raw.data, own_addresses=own_addresses(config))
    except UnparseableMessage as exc:
        return _failed(raw, f"cannot be read as an e-mail: {exc.reason}", now)
    except Exception as exc:  # a parser bug fails this message alone
        log.exception("parsing raw message %s failed", raw.id)
        return _failed(raw, f"ingest failed ({type(exc).__name__}: {exc})", now)
    return parsed


def ingest_raw(
    session: Session, raw: RawMessage, config: Mapping, now: datetime
) -> tuple[str, int | None]:
    """Turn one raw row into a contact or a threaded message (flushes). (outcome, ack outbox id)."""
    raw.processed_at = now
    parsed = _parse(raw, config, now)
    if parsed is None:
        return "failed", None
    batch = _Batch().load(session, [parsed], config, now)
    return _ingest_parsed(session, raw, parsed, config, now, batch)


def _ingest_parsed(session, raw, parsed: ParsedMessage, config, now, batch: _Batch):
    """Dedupe, thread or open the contact, route and acknowledge a new one. (outcome, ack id)."""
    key = _dedupe_key(parsed)
    if key in batch.keys:  # a copy was ingested before, or earlier in this batch
        _done(raw, parsed, RawStatus.DUPLICATE, None)
        return "duplicate", None
    batch.keys.add(key)
    session.add(IngestedKey(key=key, raw_id=raw.id))  # a racing worker's copy: IntegrityError
    contact = threads.find_contact(session, parsed)
    outcome = "threaded" if contact is not None else "new"
    if contact is None:
        contact = threads.open_contact(session, parsed, raw, now)
    else:
        threads.continue_contact(session, contact, parsed, now)
    threads.add_message(session, contact, parsed, raw, now)
    _done(raw, parsed, RawStatus.INGESTED, contact.id)
    if outcome == "threaded":
        session.flush()
        return outcome, None
    route_new_contact(session, contact, now, views=batch.views)
    ack = acknowledge(
        session, contact, parsed, config, now, acked=batch.acked, hours_cache=batch.hours
    )
    return outcome, ack.id if ack is not None else None


def _done(raw: RawMessage, parsed: ParsedMessage, status: RawStatus, contact_id) -> None:
    """The row's outcome, set after the message's other rows: one UPDATE of the row."""
    raw.message_id, raw.digest = parsed.message_id[:998], parsed.digest
    raw.status, raw.error, raw.contact_id = status, "", contact_id


def _failed(raw: RawMessage, reason: str, now: datetime) -> None:
    raw.status, raw.error, raw.processed_at = RawStatus.FAILED, reason[:2000], now
