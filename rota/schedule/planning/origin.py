"""The first line of a shift's history, its assignment by the rotation, read from the shift itself.

Generation writes no history row per shift: the shift records when the rotation chose
(`created_at`), whom (the organisation it held before any take, override or re-plan moved it)
and why (`behind_hours`). Only a re-plan overwrites `behind_hours`, so it stores this line as a
real row first (kind ASSIGN); a shift's page shows the stored row when there is one.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.schedule.models import Shift, ShiftChange, ShiftChangeKind


def behind_text(hours: float) -> str:
    """The stored reason of a rotation assignment, e.g. "12.0 h behind its share"."""
    return f"{hours:.1f} h behind its share"


def origin(shift: Shift, changes: list[ShiftChange]) -> ShiftChange | None:
    """The rotation's assignment of `shift` as an unsaved history row; None if `changes` has it."""
    if any(change.kind == ShiftChangeKind.ASSIGN for change in changes):
        return None
    moved = next((c for c in changes if c.from_organisation_id is not None), None)
    organisation = moved.from_organisation if moved else shift.organisation
    return ShiftChange(
        shift_id=shift.id,
        at=shift.created_at,
        kind=ShiftChangeKind.ASSIGN,
        to_organisation=organisation,
        to_organisation_id=organisation.id,
        reason=behind_text(shift.behind_hours),
    )


def with_origin(shift: Shift, changes: list[ShiftChange]) -> list[ShiftChange]:
    """The shift's history, oldest first, starting with its assignment by the rotation."""
    first = origin(shift, changes)
    return changes if first is None else [first, *changes]


def keep_origins(session: Session, shifts: list[Shift]) -> None:
    """Store the origin row of shifts about to lose it (a re-plan rewrites behind_hours)."""
    ids = [shift.id for shift in shifts]
    query = select(ShiftChange).where(ShiftChange.shift_id.in_(ids))
    history: dict[int, list[ShiftChange]] = {shift_id: [] for shift_id in ids}
    for change in session.scalars(query.order_by(ShiftChange.at, ShiftChange.id)) if ids else []:
        history[change.shift_id].append(change)
    for shift in shifts:
        first = origin(shift, history[shift.id])
        if first is not None:
            session.add(first)
