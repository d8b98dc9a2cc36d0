"""Planning runs: each generation and applied re-plan is recorded with a fingerprint of the
signatures it planned with, so that `generate` knows when signatures were recorded, amended or
withdrawn since the last run and re-plans the unpublished weeks for them first."""

import hashlib
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rota.members.models import Signature
from rota.schedule.days import MAX_RANGE_DAYS
from rota.schedule.models import PlanningRun, Shift, ShiftStatus

GENERATE, REPLAN = "generate", "replan"


def signatures_fingerprint(session: Session) -> str:
    """A hash of every signature's terms that decide the rota (they change only by new rows and
    withdrawals, so a change means a signature was recorded, amended or withdrawn)."""
    rows = session.execute(
        select(Signature.id, Signature.withdrawn_on, Signature.valid_until).order_by(Signature.id)
    )
    text = "\n".join(f"{sid} {withdrawn} {until}" for sid, withdrawn, until in rows)
    return hashlib.sha256(text.encode()).hexdigest()


def record_run(
    session: Session,
    kind: str,
    first: date,
    last: date,
    changes: int,
    actor_id: int | None,
    now: datetime,
) -> PlanningRun:
    """Record a planning run with the signatures it planned with; flushes."""
    run = PlanningRun(
        at=now,
        kind=kind,
        actor_id=actor_id,
        first=first,
        last=last,
        changes=changes,
        signatures=signatures_fingerprint(session),
    )
    session.add(run)
    session.flush()
    return run


def signatures_changed(session: Session) -> bool:
    """Whether signatures were recorded, amended or withdrawn since the last planning run."""
    query = select(PlanningRun.signatures).order_by(PlanningRun.id.desc()).limit(1)
    last = session.scalar(query)
    return last is not None and last != signatures_fingerprint(session)


def last_planned_day(session: Session, first: date) -> date | None:
    """The last day of the rota that holds a planned shift, if any from `first` on, at most a
    year after `first` (the longest range a re-plan takes)."""
    query = select(func.max(Shift.local_day)).where(
        Shift.status == ShiftStatus.PLANNED, Shift.local_day >= first
    )
    last = session.scalar(query)
    return None if last is None else min(last, first + timedelta(days=MAX_RANGE_DAYS - 1))
