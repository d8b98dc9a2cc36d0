"""Counting attempts (sign-ins, reset mails) per subject in the database, race-free.

A count is one atomic upsert (`INSERT … ON CONFLICT DO UPDATE … RETURNING`, on SQLite and
PostgreSQL alike) that starts a new window when the old one has passed, so concurrent
requests in any number of workers each get a distinct number and none slips past a limit.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from rota.auth.models import AttemptCounter

_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
MAX_SUBJECT = 250


@dataclass(frozen=True)
class Limit:
    """At most `attempts` of a kind per subject in each window of `window`."""

    kind: str
    attempts: int
    window: timedelta

    def key(self, subject: str) -> str:
        """The counter's key: kind and subject (case-folded, cut to a sane length)."""
        return f"{self.kind}:{subject.strip().lower()[:MAX_SUBJECT]}"


def count(session: Session, limit: Limit, subject: str, now: datetime) -> int:
    """Count one attempt; returns how many this window holds now (this one included)."""
    expired = AttemptCounter.window_start <= now - limit.window
    insert = _INSERT[session.get_bind().dialect.name](AttemptCounter)
    statement = (
        insert.values(key=limit.key(subject), count=1, window_start=now)
        .on_conflict_do_update(
            index_elements=[AttemptCounter.key],
            set_={
                "count": case((expired, 1), else_=AttemptCounter.count + 1),
                "window_start": case((expired, now), else_=AttemptCounter.window_start),
            },
        )
        .returning(AttemptCounter.count)
    )
    return session.execute(statement).scalar_one()


def exceeded(session: Session, limit: Limit, subject: str, now: datetime) -> bool:
    """Count one attempt and say whether it is one too many."""
    return count(session, limit, subject, now) > limit.attempts


def uncount(session: Session, limit: Limit, subject: str) -> None:
    """Take back one attempt (it turned out well, e.g. a right password)."""
    session.execute(
        update(AttemptCounter)
        .where(AttemptCounter.key == limit.key(subject), AttemptCounter.count > 0)
        .values(count=AttemptCounter.count - 1)
    )


def forget(session: Session, limit: Limit, subject: str) -> None:
    """Start counting afresh for this subject (e.g. after a successful sign-in)."""
    session.execute(delete(AttemptCounter).where(AttemptCounter.key == limit.key(subject)))
