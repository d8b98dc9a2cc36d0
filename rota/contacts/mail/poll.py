"""Shared mailbox ingest: fetch new mail by UID, keep the raw bytes, then ingest, then mark.

The order is what makes it exactly-once. For each window of UIDs after the high-water mark:
1. fetch with BODY.PEEK[] (\\Seen untouched), store the raw bytes and advance the mark in ONE
   commit — a crash before it re-fetches the window, a crash after it finds the rows stored;
2. ingest the stored messages in batches (rota.contacts.mail.ingest), each message in a savepoint,
   so a bad message fails alone and never blocks those behind it; duplicates are found by
   Message-ID + digest;
3. only then flag or move the messages on the server, and note that they are marked;
4. send what the window queued (acknowledgements, notifications) from the outbox.
A restart redoes whatever step was cut short; each step is idempotent. A changed UIDVALIDITY
starts the mark from zero: every message is fetched again and recognised as a duplicate.
"""

from __future__ import annotations

import imaplib
import logging
from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from rota.contacts.mail import imap
from rota.contacts.mail.alerts import record_failure, record_success
from rota.contacts.mail.ingest import IngestReport, ingest_pending
from rota.contacts.models import MailboxState, RawMessage, RawStatus
from rota.extensions import mail
from rota.outbox.service import deliver_pending, remember

log = logging.getLogger(__name__)

ImapFactory = Callable[[Mapping], imaplib.IMAP4]
AFTER_ACTIONS = ("leave", "flag", "move")


def mailbox_key(config: Mapping) -> str:
    """The name the high-water mark and raw rows are kept under: user@host/folder."""
    return f"{config['IMAP_USER']}@{config['IMAP_HOST']}/{config['IMAP_FOLDER']}"[:200]


def _state(session: Session, key: str, uidvalidity: int, report: IngestReport) -> MailboxState:
    """The mailbox's mark; restarted from zero when the server's UIDVALIDITY changed."""
    state = session.get(MailboxState, key)
    if state is None:
        state = MailboxState(mailbox=key, uidvalidity=uidvalidity, last_uid=0, failures=0)
        session.add(state)
    elif state.uidvalidity != uidvalidity:
        if state.uidvalidity:  # 0: never read before
            log.warning("UIDVALIDITY of %s changed to %s: re-syncing", key, uidvalidity)
            report.resynced = True
        state.uidvalidity, state.last_uid = uidvalidity, 0
    session.flush()
    return state


def _raw_row(key: str, folder: imap.Folder, uid: int, data: bytes, size: int, now) -> RawMessage:
    return RawMessage(
        mailbox=key,
        uidvalidity=folder.uidvalidity,
        uid=uid,
        message_id="",
        digest="",
        size=size,
        data=data,
        status=RawStatus.PENDING,
        fetched_at=now,
    )


def _too_big(row: RawMessage, limit: int) -> RawMessage:
    row.status = RawStatus.FAILED
    row.error = (
        f"over the size limit ({row.size / 1048576:.1f} MB > {limit / 1048576:.1f} MB): "
        "only the header is kept here; the whole message stays on the mail server"
    )
    return row


def _store_window(session, conn, key, folder, window, config, now, report) -> None:
    """Fetch one UID window, store every message raw and advance the mark: one commit."""
    limit = int(config["MAIL_MAX_BYTES"])
    found = imap.sizes(conn, *window)
    big = {uid: size for uid, size in found if size > limit}
    for group in imap.chunks([(uid, size) for uid, size in found if size <= limit]):
        for uid, data in imap.fetch(conn, group).items():
            session.add(_raw_row(key, folder, uid, data, len(data), now))
            report.fetched += 1
    for group in imap.chunks(list(big.items()), limit=1):
        for uid, head in imap.fetch(conn, group, headers_only=True).items():
            session.add(_too_big(_raw_row(key, folder, uid, head, big[uid], now), limit))
            report.fetched += 1
            report.failed += 1
    state = session.get(MailboxState, key)
    state.last_uid = max(state.last_uid, window[1])
    session.commit()


def _unmarked(session: Session, key: str, uidvalidity: int, batch: int) -> list[int]:
    query = (
        select(RawMessage.uid)
        .where(RawMessage.mailbox == key, RawMessage.uidvalidity == uidvalidity)
        .where(RawMessage.marked_at.is_(None), RawMessage.status != RawStatus.PENDING)
        .order_by(RawMessage.uid)
        .limit(batch)
    )
    return list(session.scalars(query))


def _mark_done(session, conn, key, folder, config, now, report) -> None:
    """Flag or move (or leave) the stored, ingested messages on the server; note it per row."""
    action = str(config.get("IMAP_AFTER") or "flag").lower()
    while uids := _unmarked(session, key, folder.uidvalidity, int(config["IMAP_BATCH"])):
        if action == "flag":
            imap.flag(conn, uids)
        elif action == "move":
            imap.move(conn, uids, config["IMAP_MOVE_TO"])
        session.execute(
            update(RawMessage)
            .where(RawMessage.mailbox == key, RawMessage.uidvalidity == folder.uidvalidity)
            .where(RawMessage.uid.in_(uids))
            .values(marked_at=now)
        )
        session.commit()
        report.marked += len(uids)


def _sync(session, conn, config, now, report) -> None:
    """One pass over the folder: finish earlier work, then store/ingest/mark window by window."""
    key = mailbox_key(config)
    folder = imap.select(conn, config["IMAP_FOLDER"])
    state = _state(session, key, folder.uidvalidity, report)
    last_uid = state.last_uid
    session.commit()
    ingest_pending(session, config, now, report)
    _mark_done(session, conn, key, folder, config, now, report)
    for window in imap.uid_windows(last_uid, folder.uidnext, int(config["IMAP_BATCH"])):
        _store_window(session, conn, key, folder, window, config, now, report)
        ingest_pending(session, config, now, report)
        _mark_done(session, conn, key, folder, config, now, report)
        _deliver_pending(session, config, now)  # this window's mail, after its commits


def _deliver_pending(session: Session, config: Mapping, now: datetime) -> int:
    return deliver_pending(session, mail, now, int(config["OUTBOX_MAX_ATTEMPTS"]))


def poll_mailbox(
    session: Session,
    config: Mapping,
    now: datetime,
    *,
    imap_factory: ImapFactory = imap.connect_imap,
) -> IngestReport:
    """The ingest job: fetch, store, ingest, mark; alert once on repeated failures; send acks."""
    report = IngestReport()
    key = mailbox_key(config)
    if not config.get("IMAP_HOST") and imap_factory is imap.connect_imap:
        report.error = "IMAP_HOST is not set: the shared mailbox is not polled"
        ingest_pending(session, config, now, report)
        _deliver_pending(session, config, now)
        return report
    try:
        conn = imap_factory(config)
        try:
            _sync(session, conn, config, now, report)
        finally:
            imap.close(conn)
    except (OSError, EOFError, imaplib.IMAP4.error, imap.MailboxError) as exc:
        session.rollback()
        report.error = f"{type(exc).__name__}: {exc}"[:2000]
        log.warning("shared mailbox %s: %s", key, report.error)
        for outbox_id in record_failure(session, key, config, now, report.error):
            remember(session, outbox_id)
        session.commit()
        ingest_pending(session, config, now, report)  # what was stored is still ingested
    else:
        record_success(session, key, now)
    session.commit()
    _deliver_pending(session, config, now)  # acknowledgements, alerts, new-contact notices
    return report


def mailbox_status(session: Session, config: Mapping) -> dict:
    """What the coordinator's page shows: last check, last error, counts by raw status."""
    state = session.get(MailboxState, mailbox_key(config))
    counts = dict(
        session.execute(select(RawMessage.status, func.count()).group_by(RawMessage.status)).all()
    )
    return {
        "configured": bool(config.get("IMAP_HOST")),
        "mailbox": mailbox_key(config),
        "state": state,
        "counts": {status: counts.get(status, 0) for status in RawStatus},
    }
