"""Job leases: who runs a scheduled job now.

One row per job, taken with a time limit by a conditional UPDATE or INSERT, so two scheduler
processes never run the same job at once.
"""

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import String, insert, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from rota.db import UTCDateTime
from rota.extensions import db


class JobLease(db.Model):
    """Who runs a scheduled job now: one row per job, taken with a time limit."""

    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def holder_name() -> str:
    """Who holds a lease: this host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def acquire_lease(session: Session, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take the job's lease if it is free or expired (or already ours); commits."""
    taken = session.execute(
        update(JobLease)
        .where(JobLease.name == name, or_(JobLease.expires_at <= now, JobLease.holder == holder))
        .values(holder=holder, expires_at=now + ttl)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        try:
            session.execute(insert(JobLease).values(name=name, holder=holder, expires_at=now + ttl))
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
