"""Stored raw mail -> contacts: BATCH messages per transaction, written in one go.

A worker claims up to BATCH of the oldest pending rows (PostgreSQL: FOR UPDATE SKIP LOCKED, so
eight workers take different rows; everywhere: a guarded UPDATE ... WHERE status = 'pending', so
rows someone else finished meanwhile are skipped). A message that cannot be parsed is kept raw as
FAILED with the reason. The others are planned and written together in one SAVEPOINT
(rota.contacts.mail.plan: a few reads and one INSERT per table): each is deduped by its
(Message-ID, digest) key — a second copy hits the key's primary key —, threads or opens its
contact, and a new contact is routed, its counsellor told and its sender acknowledged. If
anything in that fails, the savepoint is rolled back and the batch is done again one message at
a time, each in its own savepoint: a message whose ingest fails is rolled back alone and kept
raw as FAILED with the reason, so it never blocks the ones after it; a clash with another
worker (deadlock, serialisation failure, a key or contact changed meanwhile) rolls back that
message alone and leaves it pending for another pass. The batch commits once; a crash before
that leaves every message of the batch pending.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from rota.contacts.mail.mime.message import UnparseableMessage, parse_message
from rota.contacts.mail.plan import Caches, Incoming, plan_batch
from rota.contacts.mail.rows import Rows, write_rows
from rota.contacts.models import RawMessage, RawStatus
from rota.logs import describe
from rota.outbox.service import MailSettings, remember

log = logging.getLogger(__name__)

BATCH = 50  # messages per transaction: one claim and one commit for all of them
ROUNDS = 3  # passes over the pending rows; a message put off by a clash waits for the next
RAW_COLUMNS = (
    RawMessage.id,
    RawMessage.size,
    RawMessage.data,
    RawMessage.error,
    RawMessage.fetched_at,
)


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


def _ingest_batch(session, raw_ids, config, now, report, last_round) -> int:
    """Ingest claimed rows (together, else one by one) and commit once; how many were put off."""
    query = select(*RAW_COLUMNS).where(RawMessage.id.in_(raw_ids)).order_by(RawMessage.id)
    raws = session.execute(query).all()
    own = own_addresses(config)
    batch = [item for raw in raws if (item := _parse(session, raw, own, now)) is not None]
    caches = Caches(MailSettings.from_config(config))  # the rota, reasons and texts, read once
    done = _together(session, batch, config, now, caches)
    if done is None:
        done = [_alone(session, item, config, now, caches, last_round) for item in batch]
    session.commit()
    report.failed += len(raws) - len(batch)  # unreadable
    return _tally(session, done, report)


def _tally(session: Session, done: list[Rows], report: IngestReport) -> int:
    """Count the committed outcomes, note the mail to send; how many messages were put off."""
    for rows in done:
        for outcome in rows.outcomes:
            if outcome != "deferred":
                report.count(outcome)
        report.acknowledged += len(rows.acknowledgements)
        _remember(session, rows)
    return sum(rows.outcomes.count("deferred") for rows in done)


def _remember(session: Session, rows: Rows) -> None:
    """Note the mail these rows queued, to send right after the commit."""
    for outbox_id in (*rows.acknowledgements, *rows.notices):
        remember(session, outbox_id)


def _together(session, batch: list[Incoming], config, now, caches: Caches) -> list[Rows] | None:
    """The whole batch in one savepoint; None (all rolled back) when anything in it failed."""
    if len(batch) < 2:
        return None if batch else []
    try:
        with session.begin_nested():
            rows = plan_batch(session, batch, config, now, caches)
            write_rows(session, rows, now)
    except Exception as exc:  # done again message by message, where a failure stays alone
        log.info("ingest batch of %s messages goes one by one: %s", len(batch), describe(exc))
        return None
    return [rows]


def _alone(session, item: Incoming, config, now, caches: Caches, last_round: bool) -> Rows:
    """One message in its own savepoint: an error rolls back this message alone."""
    try:
        with session.begin_nested():
            rows = plan_batch(session, [item], config, now, caches)
            write_rows(session, rows, now)
            return rows
    except Exception as exc:  # a bug or a broken row must not stop the messages behind it
        if _retry_later(exc, last_round):
            log.info("ingest of raw message %s put off: %s", item.raw_id, describe(exc))
            return Rows(outcomes=["deferred"])
        log.exception("ingest of raw message %s failed", item.raw_id)
        _fail(session, item.raw_id, f"ingest failed ({type(exc).__name__}: {exc})", now)
        return Rows(outcomes=["failed"])


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


def _parse(session: Session, raw, own: list[str], now: datetime) -> Incoming | None:
    """The parsed message; None (and the row FAILED with the reason) when it cannot be read."""
    if raw.size > len(raw.data or b""):
        return _fail(session, raw.id, raw.error or "only the header of this message was kept", now)
    try:
        parsed = parse_message(raw.data, own_addresses=own)
    except UnparseableMessage as exc:
        return _fail(session, raw.id, f"cannot be read as an e-mail: {exc.reason}", now)
    except Exception as exc:  # a parser bug fails this message alone
        log.exception("parsing raw message %s failed", raw.id)
        return _fail(session, raw.id, f"ingest failed ({type(exc).__name__}: {exc})", now)
    return Incoming(raw.id, raw.fetched_at, parsed)


def ingest_raw(session: Session, raw_id: int, config: Mapping, now: datetime) -> str:
    """Ingest one stored pending row now (a re-process); its outcome. The caller commits."""
    session.execute(
        update(RawMessage)
        .where(RawMessage.id == raw_id, RawMessage.status == RawStatus.PENDING)
        .values(processed_at=now)
    )
    raw = session.execute(select(*RAW_COLUMNS).where(RawMessage.id == raw_id)).one()
    item = _parse(session, raw, own_addresses(config), now)
    if item is None:
        return "failed"
    rows = _alone(
        session, item, config, now, Caches(MailSettings.from_config(config)), last_round=True
    )
    _remember(session, rows)
    return rows.outcomes[0]
