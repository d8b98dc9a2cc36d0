"""The fairness table: per organisation, its entitled hours against the hours it actually holds.

Each planned shift's hours are split between the organisations in force on its day in
proportion to their commitments (the entitlement); the organisation holding the shift, after
swaps and overrides, is the one that actually took its hours (assigned).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.members.models import Organisation
from rota.members.service import members_in_force
from rota.schedule.days import check_range
from rota.schedule.models import Shift, ShiftStatus
from rota.schedule.planning.eligibility import Eligibility
from rota.schedule.planning.generation import RotaSettings


@dataclass(frozen=True)
class FairnessRow:
    """One organisation's line: commitment on the last day, share, entitled, assigned hours."""

    organisation: Organisation
    commitment: float | None
    share: float
    entitled: float
    assigned: float

    @property
    def difference(self) -> float:
        """Assigned minus entitled hours: positive means more than its share."""
        return self.assigned - self.entitled


@dataclass(frozen=True)
class FairnessTable:
    """The fairness table of a date range, with the longest shift as the yardstick."""

    first: date
    last: date
    rows: list[FairnessRow]
    total_hours: float
    longest_shift: float


def tally(
    shifts: Iterable[tuple[date, float, int]], weights: Callable[[date], dict[int, float]]
) -> tuple[dict[int, float], dict[int, float]]:
    """Entitled and assigned hours per organisation from (day, hours, holder) of shifts."""
    entitled: dict[int, float] = defaultdict(float)
    assigned: dict[int, float] = defaultdict(float)
    for day, length, holder in shifts:
        assigned[holder] += length
        shares = weights(day)
        total = sum(shares.values())
        for org_id, weight in shares.items():
            entitled[org_id] += length * weight / total
    return entitled, assigned


def _shifts(session: Session, first: date, last: date) -> list[tuple[date, float, int]]:
    query = select(Shift.local_day, Shift.starts_at, Shift.ends_at, Shift.organisation_id).where(
        Shift.status == ShiftStatus.PLANNED, Shift.on_local_days(first, last)
    )
    return [
        (day, (ends - starts).total_seconds() / 3600, org_id)
        for day, starts, ends, org_id in session.execute(query)
    ]


def fairness_table(
    session: Session, first: date, last: date, settings: RotaSettings
) -> FairnessTable:
    """Per organisation: committed share, entitled and assigned hours in `first`–`last`."""
    check_range(first, last, max_days=None)
    shifts = _shifts(session, first, last)
    eligibility = Eligibility.load(session, settings.shift_hours)
    entitled, assigned = tally(shifts, eligibility.weights)
    total = sum(length for _day, length, _org in shifts)
    committed = {
        m.organisation.id: m.weight(settings.shift_hours) for m in members_in_force(session, last)
    }
    ids = set(entitled) | set(assigned) | set(committed)
    orgs = session.scalars(select(Organisation).where(Organisation.id.in_(ids))) if ids else []
    rows = [
        FairnessRow(
            org,
            committed.get(org.id),
            entitled.get(org.id, 0.0) / total if total else 0.0,
            entitled.get(org.id, 0.0),
            assigned.get(org.id, 0.0),
        )
        for org in sorted(orgs, key=lambda o: o.name.casefold())
    ]
    longest = max((length for _day, length, _org in shifts), default=0.0)
    return FairnessTable(first, last, rows, total, longest)
