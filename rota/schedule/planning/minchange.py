"""Minimum-change re-planning: who holds each slot after members join, leave or change their
commitment, moving as few shifts as the new shares need.

Pure: plain data in, plain data out; no Flask, no database.

Each slot's hours accrue to the organisations in force on its day in proportion to their
weights (the gap, `GAP`, among them when commitments fall short of demand), week by week,
starting from how far behind its share each organisation was when the range begins (`owed`,
0 for a newcomer: it starts level). A slot keeps its holder while the holder may take it (in
force that day, able to staff it). Slots without such a holder go, in time order, to the
organisation furthest behind among those that may take them. Then, while a newcomer is more
than one slot behind (an organisation that held shifts before the range: two slots, as giving a
shift up can leave it one slot behind until its next one), the shift of the organisation furthest ahead that it may take moves
to it (a shift without a named counsellor first, a later one first), as long as that one is not
behind its share and the move narrows the gap between the two. A rotation that was fair before keeps every organisation within one
slot of its share, so a re-plan with no change of members moves nothing; a newcomer takes
a shift whenever it falls one slot behind; a leaver's shifts go to the others.
"""

from collections.abc import Iterable, Mapping
from datetime import date
from typing import NamedTuple

from rota.schedule.planning.rotation import GAP


class Move(NamedTuple):
    """A seat's new holder (None: no shift) and how many hours it was behind its share then."""

    holder: int | None
    behind_hours: float


class Seat(NamedTuple):
    """A slot of the re-planned range: who holds it now and who may hold it.

    `holder` None: no planned shift. `shares`: weights in force that day (with `GAP` when the
    excess is left uncovered); `allowed`: the orgs able to staff it (None: all in `shares`).
    """

    key: str
    week: date
    hours: float
    holder: int | None
    named: bool
    shares: Mapping[int, float]
    allowed: frozenset[int] | None


def may_hold(seat: Seat, org: int) -> bool:
    """Whether `org` may hold the seat: in force that day and able to staff it."""
    if org not in seat.shares:
        return False
    return org == GAP or seat.allowed is None or org in seat.allowed


def staffable(seat: Seat) -> bool:
    """Whether some member in force can staff the seat."""
    return any(org != GAP and may_hold(seat, org) for org in seat.shares)


def _current(seat: Seat) -> int | None:
    """The seat's holder as the re-plan sees it: an empty seat is held by the gap if it may."""
    if seat.holder is None:
        return GAP if GAP in seat.shares else None
    return seat.holder


def replan(seats: Iterable[Seat], owed: Mapping[int, float]) -> dict[str, Move]:
    """Slot key → its move for every seat whose holder changes.

    `owed`: hours each organisation is behind its share when the range begins.
    """
    balance = dict(owed)
    settled = frozenset(owed)
    changes: dict[str, Move] = {}
    week: list[Seat] = []
    for seat in seats:
        if week and seat.week != week[0].week:
            changes.update(_Week(week, balance, settled).replan())
            week = []
        week.append(seat)
    if week:
        changes.update(_Week(week, balance, settled).replan())
    return changes


class _Week:
    """One week's seats and the running balance of every organisation."""

    def __init__(self, seats: list[Seat], owed: dict[int, float], settled: frozenset[int]) -> None:
        self.settled = settled
        self.seats = [seat for seat in seats if staffable(seat)]
        self.lost = [seat for seat in seats if not staffable(seat) and seat.holder is not None]
        self.owed = owed
        self.holder: dict[str, int] = {}
        self.behind: dict[str, float] = {}

    def replan(self) -> dict[str, Move]:
        owed, pool = self.owed, []
        for seat in self.seats:
            total = sum(seat.shares.values())
            for org, weight in seat.shares.items():
                owed[org] = owed.get(org, 0.0) + seat.hours * weight / total
            holder = _current(seat)
            if holder is not None and may_hold(seat, holder):
                self._give(seat, holder)
            else:
                pool.append(seat)
        for seat in pool:
            able = [org for org in seat.shares if may_hold(seat, org)]
            self._give(seat, max(able, key=lambda org: (owed[org], -org)))
        self._even_out()
        changes = {seat.key: Move(None, 0.0) for seat in self.lost}
        for seat in self.seats:
            new = self.holder[seat.key]
            if new != _current(seat):
                changes[seat.key] = Move(None if new == GAP else new, self.behind[seat.key])
        return changes

    def _give(self, seat: Seat, org: int) -> None:
        self.holder[seat.key] = org
        self.behind[seat.key] = self.owed[org]
        self.owed[org] -= seat.hours

    def _even_out(self) -> None:
        """Move shifts to a newcomer more than one slot behind (a member that held shifts before
        the range: two slots, since giving one up to a newcomer may leave it that far behind until
        its next shift), from the one furthest ahead and at or ahead of its share."""
        owed = self.owed
        order = {seat.key: index for index, seat in enumerate(self.seats)}
        shortest = min((seat.hours for seat in self.seats), default=0.0)
        while True:
            behind = [org for org, hours in owed.items() if hours > shortest]
            moves = [
                (
                    owed[self.holder[seat.key]],
                    seat.named,
                    -order[seat.key],
                    -owed[taker],
                    seat,
                    taker,
                )
                for taker in behind
                for seat in self.seats
                if owed[taker] > seat.hours * (2 if taker in self.settled else 1)
                and self.holder[seat.key] != taker
                and may_hold(seat, taker)
                and owed[self.holder[seat.key]] <= 0.0
                and owed[self.holder[seat.key]] + seat.hours < owed[taker]
            ]
            if not moves:
                return
            *_order, seat, taker = min(moves, key=lambda move: (*move[:4], move[5]))
            owed[self.holder[seat.key]] += seat.hours
            self._give(seat, taker)
