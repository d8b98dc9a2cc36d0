"""Fair weighted rotation: assign slots, in time order, to the organisations eligible for them.

Pure: plain data in, plain data out; no Flask, no database.

Accounting. Each slot's hours accrue to the organisations eligible for it in proportion to
their weights: ``hours * w / sum(w)``. That running sum is an organisation's *entitlement*;
the hours of the slots it was given (chosen or fixed) are its *assigned* hours, and
``deviation = entitled - assigned`` (positive: behind its share). An organisation that joins
starts level (deviation 0); one that leaves keeps its history but stops accruing, and its
residual deviation is written off against the remaining organisations deviating the other way,
shrinking their deviations proportionally toward zero (never past it). A weight change keeps
the deviation. So the deviations of the organisations in the rotation always sum to zero.

Choice (EEVDF, Stoica et al. 1996, with virtual time ``V += hours / sum(w)`` and
``deviation = w * (V - eligible_from)``). After a slot's hours accrue, the organisations
strictly behind their share are eligible; of those, the one that would reach one slot
(this slot's length) behind its share first -- the earliest virtual deadline
``eligible_from + hours / w`` -- is chosen; ties go to the lower organisation id.

Bound. With h_max the longest slot so far, at every prefix of a run without arbitrary fixed
slots every organisation in the rotation has ``-h_max < deviation < h_max``.
Lower side (proof): the deviations sum to zero before each slot (joins add 0, the write-off
restores the sum), so after the accrual someone is strictly behind; the chosen one drops by
this slot's length from above zero, so stays above ``-hours``; everyone else only rises, and
the write-off moves deviations toward zero. Upper side: the EDF argument of EEVDF's lag
theorem (an eligible organisation is served before its deadline, i.e. before it falls one
slot behind); the property tests check both sides over random weights, joins, leaves, slot
lengths and frozen prefixes. "Less than one slot" must mean the longest slot: a small-weight
organisation that finally takes a long slot is, right then, almost that slot's length ahead.

Fixed slots (published or swapped shifts) go to their organisation and are counted like any
other, so regeneration can continue from them; a swap can push the two organisations beyond
the bound, and the rotation then steers them back.
"""

import heapq
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

INF = float("inf")

# The pseudo-organisation that takes the hours the commitments do not cover: its slots stay
# without a shift (a gap whose reason is "beyond the commitments").
GAP = 0


class Slot(NamedTuple):
    """A slot to fill: stable key, length in hours, eligible org id → weight, fixed org if any,
    the orgs that can staff it (None: every eligible org), and a budget: org id → hours it may
    hold in the slot's `period` (a month) before it takes no more (missing orgs: no limit).

    Slots that share one eligible mapping (the same object) are one period: the engine only
    looks at membership again when the object changes. Every eligible org accrues its share of
    a slot's hours whether or not it can staff that slot, so an org that cannot staff some
    slots takes more of the others.
    """

    key: str
    hours: float
    eligible: Mapping[int, float]
    fixed_org: int | None = None
    allowed: frozenset[int] | None = None
    budget: Mapping[int, float] | None = None
    period: Hashable = None


class Assignment(NamedTuple):
    """Who takes a slot and why: how many hours behind its share the org was when it took it."""

    slot_key: str
    org_id: int
    behind_hours: float
    fixed: bool


@dataclass
class Ledger:
    """Running accounts: virtual time, orgs in the rotation with weights, hours so far."""

    clock: float = 0.0
    weights: dict[int, float] = field(default_factory=dict)
    eligible_from: dict[int, float] = field(default_factory=dict)
    assigned: dict[int, float] = field(default_factory=dict)
    settled: dict[int, float] = field(default_factory=dict)

    @classmethod
    def from_hours(
        cls,
        entitled: Mapping[int, float],
        assigned: Mapping[int, float],
        weights: Mapping[int, float],
    ) -> "Ledger":
        """A ledger from hours entitled and assigned so far and the orgs now in the rotation."""
        ledger = cls(weights=dict(weights), assigned=dict(assigned))
        for org, weight in weights.items():
            behind = entitled.get(org, 0.0) - assigned.get(org, 0.0)
            ledger.eligible_from[org] = -behind / weight
        ledger.settled = {org: e for org, e in entitled.items() if org not in weights}
        return ledger

    def deviation(self, org: int) -> float:
        """Hours the org is behind its share (negative: ahead)."""
        if org in self.weights:
            return self.weights[org] * (self.clock - self.eligible_from[org])
        return self.settled.get(org, 0.0) - self.assigned.get(org, 0.0)

    def entitled(self, org: int) -> float:
        """Hours the org is entitled to so far (frozen when it left the rotation)."""
        if org in self.weights:
            return self.assigned.get(org, 0.0) + self.deviation(org)
        return self.settled.get(org, 0.0)


def assign(slots: Iterable[Slot], ledger: Ledger | None = None) -> list[Assignment]:
    """Assign `slots` (in time order) fairly, updating `ledger` in place; one assignment each."""
    return _Engine(Ledger() if ledger is None else ledger).run(slots)


class _Engine:
    """Incremental bookkeeping: a heap of orgs not yet behind, one deadline heap per length."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.members: Mapping[int, float] = dict(ledger.weights)
        self.total = sum(self.members.values())
        self.used: dict[tuple[Hashable, int], float] = {}
        self._rebuild()

    def run(self, slots: Iterable[Slot]) -> list[Assignment]:
        """Account each slot and give it to its fixed org or the earliest-deadline eligible org.

        The hot loop of generation (100 000 slots in a fraction of a second): the ledger's
        accounts are bound to locals, re-bound when the members change.
        """
        ledger, result = self.ledger, []
        weights, start_of = ledger.weights, ledger.eligible_from
        used = self.used
        for key, hours, eligible, fixed_org, allowed, budget, period in slots:
            if eligible is not self.members:
                self._enter(eligible)
                weights, start_of = ledger.weights, ledger.eligible_from
            if hours <= 0 or not weights:
                raise ValueError(f"slot {key}: needs positive hours and an eligible organisation")
            clock = ledger.clock = ledger.clock + hours / self.total
            if fixed_org is None and allowed is not None:
                org = self._pick_among(allowed, hours, clock)
            elif fixed_org is None:
                org = self._pick(hours, clock)
            elif fixed_org in weights:
                org = fixed_org
            else:
                raise ValueError(f"slot {key}: organisation {fixed_org} is not eligible")
            if budget is not None:
                if fixed_org is None and used.get((period, org), 0.0) >= budget.get(org, INF):
                    org = self._within(budget, period, allowed, hours, clock, org)
                used[(period, org)] = used.get((period, org), 0.0) + hours
            weight, start = weights[org], start_of[org]
            result.append(Assignment(key, org, weight * (clock - start), fixed_org is not None))
            self._serve(org, hours, start + hours / weight)
        return result

    def _enter(self, eligible: Mapping[int, float]) -> None:
        """Switch to a new set of eligible orgs: leaves, joins and weight changes."""
        ledger = self.ledger
        if dict(eligible) != ledger.weights:
            for org in sorted(set(ledger.weights) - set(eligible)):
                self._leave(org)
            lags = {org: ledger.deviation(org) for org in ledger.weights}
            for org, weight in eligible.items():
                ledger.settled.pop(org, None)
                ledger.eligible_from[org] = ledger.clock - lags.get(org, 0.0) / weight
            ledger.weights = dict(eligible)
            self._rebuild()
        self.members = eligible
        self.total = sum(eligible.values())

    def _leave(self, org: int) -> None:
        """Settle a leaving org and write its deviation off against the opposite deviations."""
        ledger = self.ledger
        residual = ledger.deviation(org)
        ledger.settled[org] = ledger.entitled(org)
        del ledger.weights[org], ledger.eligible_from[org]
        lags = {other: ledger.deviation(other) for other in ledger.weights}
        opposite = {other: lag for other, lag in lags.items() if lag * residual < 0}
        total = abs(sum(opposite.values()))
        if total <= 0:
            return
        keep = max(0.0, 1.0 - abs(residual) / total)
        for other, lag in opposite.items():
            ledger.eligible_from[other] = ledger.clock - lag * keep / ledger.weights[other]

    def _rebuild(self) -> None:
        """Start the heaps afresh from the ledger (after a change of members)."""
        self.stamp = dict.fromkeys(self.ledger.weights, 0)
        self.waiting = [(ve, org, 0) for org, ve in self.ledger.eligible_from.items()]
        heapq.heapify(self.waiting)
        self.ready: dict[float, list[tuple[float, int, int]]] = {}
        self.behind: set[int] = set()

    def _pick(self, hours: float, clock: float) -> int:
        """The eligible org with the earliest virtual deadline for a slot of `hours`."""
        if self.waiting and self.waiting[0][0] < clock:
            self._admit(clock)
        heap = self.ready.get(hours)
        if heap is None:
            heap = self._open_length(hours)
        stamp = self.stamp
        while heap and heap[0][2] != stamp[heap[0][1]]:
            heapq.heappop(heap)
        if heap:
            return heap[0][1]
        # Nobody strictly behind (a ledger built from hours that do not balance): nearest one.
        ahead = self.ledger.eligible_from
        return min(ahead, key=lambda org: (ahead[org], org))

    def _within(self, budget, period, allowed, hours: float, clock: float, chosen: int) -> int:
        """The pick among the orgs that have not used up their budget of the period (the
        chosen one if every org has)."""
        pool = allowed if allowed is not None else self.ledger.weights
        under = frozenset(
            org for org in pool if self.used.get((period, org), 0.0) < budget.get(org, INF)
        )
        return self._pick_among(under, hours, clock) if under else chosen

    def _pick_among(self, allowed: frozenset[int], hours: float, clock: float) -> int:
        """The earliest virtual deadline among the eligible orgs that can staff the slot; if none
        of them is behind its share, the one nearest to it."""
        weights, start = self.ledger.weights, self.ledger.eligible_from
        able = [org for org in allowed if org in weights]
        if not able:
            raise ValueError("a slot needs an eligible organisation that can staff it")
        behind = [org for org in able if start[org] < clock]
        if behind:
            return min(behind, key=lambda org: (start[org] + hours / weights[org], org))
        return min(able, key=lambda org: (start[org], org))

    def _admit(self, clock: float) -> None:
        """Move orgs that have fallen behind their share from the waiting heap to the ready heaps."""
        waiting, stamp, weights = self.waiting, self.stamp, self.ledger.weights
        while waiting and waiting[0][0] < clock:
            ve, org, mark = heapq.heappop(waiting)
            if mark == stamp[org]:
                self.behind.add(org)
                weight = weights[org]
                for hours, heap in self.ready.items():
                    heapq.heappush(heap, (ve + hours / weight, org, mark))

    def _open_length(self, hours: float) -> list[tuple[float, int, int]]:
        """A deadline heap for a slot length not seen before, over the orgs now behind."""
        ledger = self.ledger
        heap = [
            (ledger.eligible_from[org] + hours / ledger.weights[org], org, self.stamp[org])
            for org in self.behind
        ]
        heapq.heapify(heap)
        self.ready[hours] = heap
        return heap

    def _serve(self, org: int, hours: float, eligible_from: float) -> None:
        """Book `hours` to `org` and requeue it by its new eligible time."""
        assigned = self.ledger.assigned
        assigned[org] = assigned.get(org, 0.0) + hours
        self.ledger.eligible_from[org] = eligible_from
        mark = self.stamp[org] = self.stamp[org] + 1
        self.behind.discard(org)
        heapq.heappush(self.waiting, (eligible_from, org, mark))
