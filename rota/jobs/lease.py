"""Job leases: who runs a scheduled job now, and which scheduled run was last taken.

One row per job, taken with a short time limit by a conditional UPDATE or INSERT, so two
scheduler processes never run the same job at once; the holder renews it from a thread while
the job runs, so the lease of a process that died lapses within seconds. A scheduled run names
its slot (the time it was due): a slot is taken once, so of several schedulers each firing at
08:05 exactly one runs the job for 08:05.
"""

import logging
import os
import socket
import threading
import time
from datetime import datetime, timedelta

from sqlalchemy import Engine, String, insert, or_, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column

from rota.db import UTCDateTime
from rota.extensions import db

log = logging.getLogger(__name__)


class JobLease(db.Model):
    """Who runs a scheduled job now: one row per job, taken with a time limit."""

    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    renewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # taken or renewed last
    slot_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last scheduled run taken


def holder_name() -> str:
    """Who holds a lease: this host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def acquire_lease(
    session: Session,
    name: str,
    holder: str,
    now: datetime,
    ttl: timedelta,
    slot: datetime | None = None,
) -> bool:
    """Take the job's lease if it is free or expired (and `slot` not yet taken); commits."""
    values = {"holder": holder, "expires_at": now + ttl, "renewed_at": now}
    query = update(JobLease).where(JobLease.name == name, JobLease.expires_at <= now)
    if slot is not None:
        query = query.where(or_(JobLease.slot_at.is_(None), JobLease.slot_at < slot))
        values["slot_at"] = slot
    taken = session.execute(query.values(**values).execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        try:
            session.execute(insert(JobLease).values(name=name, **values))
        except IntegrityError:
            session.rollback()
            return False
    session.commit()
    return True


def release_lease(session: Session, name: str, holder: str, now: datetime) -> None:
    """Give the lease back and note when the job last ran; commits."""
    session.execute(
        update(JobLease)
        .where(JobLease.name == name, JobLease.holder == holder)
        .values(expires_at=now, last_run_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()


class LeaseKeeper:
    """Renews a held lease every third of its time to live, from a thread, while a job runs.

    It uses a connection of its own, so the renewal commits whatever the job's session is doing.
    Its clock is the job's `now` plus the time elapsed, like the job's own.
    """

    def __init__(self, engine: Engine, name: str, holder: str, now: datetime, ttl: timedelta):
        self.engine, self.name, self.holder, self.now, self.ttl = engine, name, holder, now, ttl
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{name}", daemon=True)

    def __enter__(self) -> "LeaseKeeper":
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.ttl.total_seconds() / 3):
            self.renew()

    def renew(self) -> None:
        """Push the lease's expiry out by its time to live from the job's clock."""
        at = self.now + timedelta(seconds=time.monotonic() - self._started)
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    update(JobLease)
                    .where(JobLease.name == self.name, JobLease.holder == self.holder)
                    .values(expires_at=at + self.ttl, renewed_at=at)
                )
        except SQLAlchemyError as exc:  # the next tick tries again; the job goes on
            log.warning("lease of job %s not renewed: %s", self.name, type(exc).__name__)
