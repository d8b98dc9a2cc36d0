"""What-if: the effect of a signature (new, amended or withdrawn) on the next quarter before it
is recorded. The change and the re-plan it needs run inside a savepoint that is rolled back, so
the preview is the real rotation over the real rota and nothing is kept."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.members.models import Organisation
from rota.schedule.models import Shift, ShiftStatus
from rota.schedule.planning import generation, outlook, replan, runs
from rota.schedule.planning.generation import RotaSettings

QUARTER = timedelta(weeks=13)


@dataclass(frozen=True)
class Quarter:
    """Hours per organisation and the slots left without a shift in the quarter."""

    hours: dict[int, float]
    gaps: int


@dataclass(frozen=True)
class WhatIfRow:
    """One organisation's hours in the quarter before and after the change."""

    organisation: Organisation
    before: float
    after: float

    @property
    def difference(self) -> float:
        return self.after - self.before


@dataclass(frozen=True)
class WhatIf:
    """The next quarter before and after a change of signatures."""

    first: date
    last: date
    rows: list[WhatIfRow]
    gaps_before: int
    gaps_after: int


def _quarter(session: Session, first: date, last: date, now: datetime, settings) -> Quarter:
    """The quarter as `generate` would leave it: unpublished weeks re-planned, then extended."""
    end = runs.last_planned_day(session, first)
    if end is not None:
        plan = replan.preview_replan(session, first, end, now, settings=settings)
        replan.apply_plan(session, plan, now, None)
    generation.generate(session, last, now, settings=settings)
    query = select(Shift.organisation_id, Shift.starts_at, Shift.ends_at).where(
        Shift.status == ShiftStatus.PLANNED, Shift.on_local_days(first, last), Shift.starts_at > now
    )
    hours: dict[int, float] = defaultdict(float)
    for org_id, starts, ends in session.execute(query):
        hours[org_id] += (ends - starts).total_seconds() / 3600
    return Quarter(dict(hours), len(outlook.slot_gaps(session, first, last, now, settings)))


def _rolled_back(session: Session, work: Callable[[], Quarter]) -> Quarter:
    savepoint = session.begin_nested()
    try:
        return work()
    finally:
        savepoint.rollback()


def what_if(
    session: Session,
    change: Callable[[Session], object],
    now: datetime,
    *,
    settings: RotaSettings,
) -> WhatIf:
    """The next quarter's hours per member and gaps before and after `change` (a use case
    that records a signature or a withdrawal); keeps nothing. A refused change raises its
    DomainError as recording it would."""
    first = now.astimezone(settings.zone).date()
    last = first + QUARTER
    before = _rolled_back(session, lambda: _quarter(session, first, last, now, settings))

    def changed() -> Quarter:
        change(session)
        return _quarter(session, first, last, now, settings)

    after = _rolled_back(session, changed)
    ids = set(before.hours) | set(after.hours)
    orgs = session.scalars(select(Organisation).where(Organisation.id.in_(ids))) if ids else []
    rows = [
        WhatIfRow(org, before.hours.get(org.id, 0.0), after.hours.get(org.id, 0.0))
        for org in sorted(orgs, key=lambda o: o.name.casefold())
    ]
    return WhatIf(first, last, rows, before.gaps, after.gaps)
