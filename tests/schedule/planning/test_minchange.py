"""The minimum-change re-plan (pure): a fair rota with no change of members re-plans to
nothing; a newcomer takes only its share; a leaver's seats go to those who may hold them."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from rota.schedule.planning.minchange import Seat, replan
from rota.schedule.planning.rotation import Ledger, Slot, assign

WEEK = date(2026, 1, 5)


def fair_rota(weights, weeks, per_week, hours):
    """A rota of the fair rotation over `weeks` weeks of `per_week` slots, after a first week of
    history; the ledger's deviations when the re-planned range begins."""
    ledger = Ledger()
    history = [Slot(f"h{n}", hours, weights) for n in range(per_week)]
    assign(history, ledger)
    owed = {org: ledger.deviation(org) for org in weights}
    slots = [Slot(f"{w}/{n}", hours, weights) for w in range(weeks) for n in range(per_week)]
    holders = {a.slot_key: a.org_id for a in assign(slots, ledger)}
    return slots, holders, owed


def seats(slots, holders, shares, per_week, allowed=None):
    return [
        Seat(
            s.key,
            WEEK + timedelta(weeks=index // per_week),
            s.hours,
            holders[s.key],
            True,
            shares,
            allowed,
        )
        for index, s in enumerate(slots)
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(1, 40), min_size=2, max_size=8),
    st.integers(1, 8),
    st.integers(3, 15),
    st.sampled_from([1.0, 3.0]),
)
def test_a_fair_rota_without_a_change_of_members_replans_to_nothing(weights, weeks, per, hours):
    members = {org: float(w) for org, w in enumerate(weights, start=1)}
    slots, holders, owed = fair_rota(members, weeks, per, hours)
    assert replan(seats(slots, holders, members, per), owed) == {}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(5, 40), min_size=2, max_size=6), st.integers(5, 40))
def test_a_newcomer_takes_only_its_share_and_nobody_else_trades(weights, joining):
    members = {org: float(w) for org, w in enumerate(weights, start=1)}
    per, weeks, hours = 10, 8, 3.0
    slots, holders, owed = fair_rota(members, weeks, per, hours)
    newcomer = len(members) + 1
    grown = {**members, newcomer: float(joining)}
    moves = replan(seats(slots, holders, grown, per), owed)
    assert {move.holder for move in moves.values()} <= {newcomer}
    share = weeks * per * hours * joining / sum(grown.values())
    assert abs(len(moves) * hours - share) <= hours  # within one slot of its share
    taken = [0.0] * weeks
    for key in moves:
        taken[int(key.split("/")[0])] += hours
    for week, held in enumerate(taken):
        assert held <= per * hours * joining / sum(grown.values()) + 2 * hours, week


def test_a_leavers_seats_go_to_members_that_may_hold_them():
    members = {1: 10.0, 2: 10.0, 3: 10.0}
    slots, holders, owed = fair_rota(members, 2, 6, 3.0)
    left = {1: 10.0, 2: 10.0}
    only_two = frozenset({2})
    moves = replan(seats(slots, holders, left, 6, allowed=only_two), owed)
    assert {key for key, org in holders.items() if org == 3} <= set(moves)
    assert {move.holder for move in moves.values()} == {2}


def test_a_seat_nobody_can_staff_loses_its_shift():
    members = {1: 10.0}
    seat = Seat("k", WEEK, 3.0, 1, True, members, frozenset())
    assert replan([seat], {}) == {"k": (None, 0.0)}
