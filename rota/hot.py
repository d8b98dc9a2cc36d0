"""Hot answers: what machines ask while a caller or a calendar waits (who is on duty now, is
this token live, have this feed's validators changed), and what people reload while they work
(a page of a queue section, a panel of the front page), kept by each worker between requests.

An answer is kept until the instant it says it changes by the clock alone (a shift boundary, a
feed's window moving) and at most HOT_CACHE_SECONDS. Each answer names the tables it reads
(DUTY: the rota's answers; QUEUES: the queue's; MEMBERS, MAIL, THREADS, CHOICES), and every
transaction that writes one of them forgets it: in the process that writes, at once (at each flush and again at the end of the
transaction); in every other process on PostgreSQL, through a NOTIFY sent in that transaction
(its payload names the tables written), so it arrives only when the change is committed, and
heard by one listening connection per worker. A worker that is not listening (SQLite; the
listening connection lost) keeps nothing on PostgreSQL and relies on the time limit on SQLite.
An answer computed while anything was forgotten is not kept: it may have read the data from
before the change.
"""

import contextlib
import logging
import os
import select
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from rota.db import BOOKKEEPING, WRITTEN_TABLES, utcnow, written_tables

log = logging.getLogger(__name__)

# the tables the rota's answers (on duty, tokens, feeds) read: shifts and their history,
# absences, people, organisations, tokens
DUTY = frozenset({"shifts", "shift_changes", "absences", "users", "organisations", "api_tokens"})
# the tables a queue section's page reads: contacts and calls, the owners' and queues' names
QUEUES = frozenset({"contacts", "calls", "users", "organisations"})
# who is in force when: the memoranda and their signatures (the front page's stranded shifts)
MEMBERS = frozenset({"agreement_versions", "signatures", "organisations"})
# the shared mailbox's state and the stored messages by status (the front page's mail panel)
MAIL = frozenset({"mailbox_states", "raw_messages"})
# a contact page's record: the contact, its thread and parts, the replies' outbox state, calls,
# history, participants and the names of the people in them
THREADS = frozenset(
    {
        "contacts",
        "messages",
        "attachments",
        "outbox",
        "calls",
        "contact_events",
        "contact_participants",
        "users",
    }
)
# the contact page's choices: the saved replies, the facts' lists and a contact's facts
CHOICES = frozenset({"saved_replies", "fact_options", "contact_facts"})
TABLES = DUTY | QUEUES | MEMBERS | MAIL | THREADS | CHOICES  # every table some answer reads
CHANNEL = "rota_hot_answers"
MAX_ENTRIES = 1000  # beyond this the cache starts afresh (many feed variants, say)
RETRY_SECONDS = 5  # between attempts to listen again after the connection was lost
# a listening connection that went silent (a dropped network) is found within about a minute
CONNECTION = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
}


@dataclass(frozen=True)
class _Entry:
    value: Any
    until: datetime
    reads: frozenset  # the tables it was read from


class HotCache:
    """One worker's hot answers, and on PostgreSQL its listener for other processes' changes."""

    def __init__(self, seconds: float, listen_to: str | None):
        self.lifetime = timedelta(seconds=seconds)
        self.generation = 0  # grows each time answers are forgotten
        self._entries: dict[Hashable, _Entry] = {}
        self._pruned_at = datetime.min.replace(tzinfo=UTC)  # answers past their time last dropped
        self._lock = threading.Lock()
        self._listen_to = listen_to
        self._listener: _Listener | None = None
        self._starting = threading.Lock()

    def kept(self, key: Hashable, now: datetime):
        """The answer kept for `key` that still holds at `now`, else None (nothing computed)."""
        entry = self._entries.get(key)
        return entry.value if entry is not None and now < entry.until else None

    def answer(
        self,
        key: Hashable,
        now: datetime,
        compute: Callable[[], tuple[Any, datetime | None]],
        reads: frozenset = DUTY,
    ):
        """The kept answer for `key`, else `compute()`'s, which returns the answer and the
        instant it changes by the clock alone (None: it holds until the data changes), read
        from the tables `reads`. None is never kept (an unknown token, say: guessing must not
        fill the cache)."""
        found = self.kept(key, now)
        if found is not None:
            return found
        keeping = self._keeping()  # before computing: a change from now on will be heard
        generation = self.generation
        value, changes_at = compute()
        if keeping:
            self.keep(key, value, now, changes_at, generation, reads)
        return value

    def keep(
        self,
        key: Hashable,
        value,
        now: datetime,
        changes_at=None,
        generation=None,
        reads: frozenset = DUTY,
    ) -> None:
        """Keep `value`, read from the tables `reads`, as the answer for `key` from `now` (one
        its request has just brought up to date), unless anything was forgotten since
        `generation`."""
        if value is None or not self._keeping():
            return
        until = now + self.lifetime
        if changes_at is not None:
            until = min(until, changes_at)
        with self._lock:
            if generation not in (None, self.generation):
                return
            if now >= self._pruned_at + self.lifetime or len(self._entries) >= MAX_ENTRIES:
                # answers past their time go (a contact page's record holds its whole thread)
                self._entries = {k: e for k, e in self._entries.items() if now < e.until}
                self._pruned_at = now
            if len(self._entries) >= MAX_ENTRIES:
                self._entries = {}
            self._entries[key] = _Entry(value, until, reads)

    def __len__(self) -> int:
        """How many answers are kept (some may be past their time until the next is kept)."""
        return len(self._entries)

    def clear(self, tables=None) -> None:
        """Forget the answers read from any of `tables` (None: every answer), and any answer
        being computed now."""
        with self._lock:
            self.generation += 1
            if tables is None:
                self._entries = {}
            else:
                kept = self._entries.items()
                self._entries = {k: e for k, e in kept if e.reads.isdisjoint(tables)}

    def _keeping(self) -> bool:
        """Whether answers may be kept: with a time limit, and where other processes' changes
        reach this one: always on SQLite (it has only the time limit); on PostgreSQL while
        this process's listener is connected, which starts at its first answer (after
        gunicorn has forked the worker)."""
        if not self.lifetime:
            return False
        if self._listen_to is None:
            return True
        with self._starting:
            if self._listener is None or self._listener.pid != os.getpid():
                self._listener = _Listener(self._listen_to, self.clear)
        return self._listener.connected

    def close(self) -> None:
        """Stop listening (the app is going away)."""
        if self._listener is not None:
            self._listener.stop()


class _Listener:
    """A thread with its own connection that LISTENs and, on each NOTIFY, forgets the answers
    read from the tables it names. It connects before returning, so that the first answers can
    already be kept; it empties the cache when it loses the connection, and connects again
    every RETRY_SECONDS."""

    def __init__(self, conninfo: str, on_notice: Callable[[frozenset | None], None]):
        self.pid = os.getpid()
        self.connected = False
        self._conninfo = conninfo
        self._on_notice = on_notice
        self._wake_up, self._waker = os.pipe()
        self._stopping = threading.Event()
        self._connection = self._connect()
        threading.Thread(target=self._run, name="rota-hot-answers", daemon=True).start()

    def _connect(self):
        import psycopg  # only on PostgreSQL

        try:
            connection = psycopg.connect(self._conninfo, autocommit=True, **CONNECTION)
            connection.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as exc:
            log.warning("hot answers: cannot listen for changes (%s); keeping none", exc)
            return None
        self.connected = True  # nothing was kept while it was not
        return connection

    def _run(self) -> None:
        while not self._stopping.is_set():
            if self._connection is None:
                self._stopping.wait(RETRY_SECONDS)
                self._connection = None if self._stopping.is_set() else self._connect()
                continue
            ready, _, _ = select.select([self._connection.fileno(), self._wake_up], [], [])
            if self._connection.fileno() in ready:
                self._hear()
        if self._connection is not None:
            self._connection.close()
        os.close(self._wake_up)

    def _hear(self) -> None:
        import psycopg

        try:
            notices = list(self._connection.notifies(timeout=0))
            if notices:
                self._on_notice(frozenset(",".join(n.payload for n in notices).split(",")))
        except psycopg.Error as exc:
            log.warning("hot answers: lost the listening connection (%s)", exc)
            self.connected = False
            self._on_notice()
            self._connection.close()
            self._connection = None

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self.connected = False
        self._stopping.set()
        with contextlib.suppress(BrokenPipeError):  # the thread may have ended already
            os.write(self._waker, b"x")
        os.close(self._waker)


def init_app(app) -> None:
    """Give the app its hot answers (HOT_CACHE_SECONDS; 0 keeps none)."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    listen_to = None
    if url.get_backend_name() == "postgresql":
        listen_to = url.set(drivername="postgresql").render_as_string(hide_password=False)
    app.extensions["rota.hot"] = HotCache(app.config["HOT_CACHE_SECONDS"], listen_to)


def cache(app=None) -> HotCache:
    """The app's (by default the current app's) hot answers."""
    return (app or current_app).extensions["rota.hot"]


def answer(
    key: Hashable, compute: Callable[[], tuple[Any, datetime | None]], reads: frozenset = DUTY
):
    """The current app's kept answer for `key` now, else `compute()`'s (see HotCache.answer)."""
    return cache().answer(key, utcnow(), compute, reads)


# Invalidation: every session's writes to TABLES, seen by SQLAlchemy's session events.


def _note(session: Session, tables) -> None:
    """The transaction wrote `tables`: forget the answers read from them now (the session
    itself reads the change before it commits)."""
    hot = TABLES.intersection(tables)
    if hot:
        written_tables(session).update(hot)
        _clear_current(hot)


def _clear_current(tables) -> None:
    if has_app_context() and "rota.hot" in current_app.extensions:
        cache().clear(tables)


@event.listens_for(Session, "after_flush")
def _flushed(session, _flush_context) -> None:
    changed = session.new | session.dirty | session.deleted
    _note(session, {getattr(row, "__tablename__", None) for row in changed})


@event.listens_for(Session, "do_orm_execute")
def _executing(state) -> None:
    if state.execution_options.get(BOOKKEEPING):
        return
    if state.is_insert or state.is_update or state.is_delete:
        _note(state.session, {state.statement.table.name})


@event.listens_for(Session, "before_commit")
def _committing(session) -> None:
    """Tell the other processes which tables were written, in the transaction, so that they
    hear it only on commit."""
    session.flush()
    hot = TABLES.intersection(written_tables(session))
    if hot:
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            notice = {"channel": CHANNEL, "tables": ",".join(sorted(hot))}
            connection.execute(text("SELECT pg_notify(:channel, :tables)"), notice)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _ended(session) -> None:
    """Forget again what was computed while the transaction ran (it may have read the data
    from before it)."""
    hot = TABLES.intersection(session.info.pop(WRITTEN_TABLES, ()))
    if hot:
        _clear_current(hot)
