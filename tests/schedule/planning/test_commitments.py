"""Hours as signed, and members that join or leave a running rota: each test runs in the order
a coordinator meets it (generate, then record the signature, then generate again)."""

import math
from collections import defaultdict
from datetime import date

from rota.extensions import db
from rota.members import memoranda
from rota.schedule.days import monday
from rota.schedule.models import Channel, ShiftStatus
from rota.schedule.planning import generation, publishing, replan
from tests import factories
from tests.schedule.planning.helpers import NEW_YEAR, SETTINGS, WEEKDAYS, apply_previewed, shifts

SLOT = 3.0


def generate(until):
    """`generate` as the command and the planning page run it."""
    return replan.generate(
        db.session, until, NEW_YEAR, settings=SETTINGS, mail=factories.mail_settings()
    )


def hours_by_week(org_id, first, last):
    weeks = defaultdict(float)
    for shift in shifts(organisation_id=org_id, status=ShiftStatus.PLANNED):
        if first <= shift.local_day <= last:
            weeks[monday(shift.local_day)] += shift.hours
    return weeks


def weekly_share(org_weight, weights, first, last):
    """Per week, the hours an organisation is entitled to of the open slots in force for it."""
    share = defaultdict(float)
    for slot in generation.open_slots(db.session, first, last, SETTINGS.zone):
        share[monday(slot.day)] += slot.hours * org_weight / sum(weights)
    return share


def test_member_signed_after_generate_gets_its_share_from_its_first_unpublished_week(
    committed, make
):
    agreement, big, small = committed
    make.service_hours(WEEKDAYS)
    generate(date(2026, 3, 29))
    publishing.publish_weeks(db.session, date(2026, 1, 1), date(2026, 1, 18), None, NEW_YEAR)
    newcomer = make.org(short_name="NEW")
    make.signature(newcomer, agreement, valid_from=date(2026, 1, 12), commitment_amount=60)
    generate(date(2026, 3, 29))
    first, last = date(2026, 1, 19), date(2026, 3, 29)  # its first unpublished week onwards
    assert hours_by_week(newcomer.id, date(2026, 1, 1), date(2026, 1, 18)) == {}
    held = hours_by_week(newcomer.id, first, last)
    share = weekly_share(60, (120, 60, 60), first, last)
    running_held = running_share = 0.0
    for week in sorted(share):
        assert held[week] <= share[week] + SLOT, week  # no week above its share plus one slot
        running_held, running_share = running_held + held[week], running_share + share[week]
        assert abs(running_held - running_share) <= SLOT, week  # level from its first week


def test_withdrawal_leaves_no_unpublished_shift_after_its_end(committed, make):
    _agreement, big, small = committed
    make.service_hours(WEEKDAYS)
    generate(date(2026, 3, 29))
    publishing.publish_weeks(db.session, date(2026, 2, 16), date(2026, 2, 22), None, NEW_YEAR)
    memoranda.withdraw(db.session, small.signatures[0], date(2026, 2, 16), "Budget cut.")
    generate(date(2026, 3, 29))
    after = [
        s
        for s in shifts(organisation_id=small.id, status=ShiftStatus.PLANNED)
        if s.local_day >= date(2026, 2, 16)
    ]
    assert after and {monday(s.local_day) for s in after} == {date(2026, 2, 16)}  # published


def test_replan_for_one_new_member_moves_only_its_share_and_keeps_counsellors_named(
    committed, make
):
    agreement, big, small = committed
    make.service_hours(WEEKDAYS)
    generate(date(2026, 3, 29))
    people = {org.id: make.counsellor(org) for org in (big, small)}
    for shift in shifts():
        shift.counsellor_id = people[shift.organisation_id].id
    newcomer = make.org(short_name="NEW")
    make.signature(newcomer, agreement, valid_from=date(2026, 2, 1), commitment_amount=20)
    db.session.flush()
    before = {s.slot_key: (s.organisation_id, s.counsellor_id) for s in shifts()}
    span = (date(2026, 1, 1), date(2026, 3, 29))
    plan = replan.preview_replan(db.session, *span, NEW_YEAR, settings=SETTINGS)
    entitled = sum(weekly_share(20, (120, 60, 20), date(2026, 2, 1), span[1]).values())
    assert {c.to_org for c in plan.changes} == {newcomer.id}  # nobody else trades shifts
    assert len(plan.changes) <= math.ceil(entitled / SLOT)
    assert len(plan.changes) >= math.floor(entitled / SLOT) - 1
    [summary] = [row for row in plan.summary() if row.organisation_id == newcomer.id]
    assert summary.gained == SLOT * len(plan.changes) and summary.lost == 0
    apply_previewed(plan, *span)
    moved = {c.key for c in plan.changes}
    for shift in shifts():
        if shift.slot_key not in moved:
            assert (shift.organisation_id, shift.counsellor_id) == before[shift.slot_key]
        else:
            assert shift.organisation_id == newcomer.id and shift.counsellor_id is None


def test_demand_above_commitments_leaves_the_excess_uncovered_by_default(app, make):
    agreement = make.agreement()
    big, small = make.org(short_name="BIG"), make.org(short_name="SMALL")
    make.signature(big, agreement, commitment_amount=20)
    make.signature(small, agreement, commitment_amount=10)
    make.service_hours(WEEKDAYS)  # about 130 h a month against 30 h committed
    result = generate(date(2026, 6, 30)).result
    assert result.unassigned > result.created
    for org, committed_hours in ((big, 20), (small, 10)):
        months = defaultdict(float)
        for shift in shifts(organisation_id=org.id):
            months[shift.local_day.month] += shift.hours
        assert set(months) == {1, 2, 3, 4, 5, 6}
        for month, held in months.items():
            assert committed_hours - SLOT <= held <= committed_hours + SLOT, (org, month)


def test_spread_setting_shares_the_excess_in_proportion(app, make):
    agreement = make.agreement()
    big, small = make.org(short_name="BIG"), make.org(short_name="SMALL")
    make.signature(big, agreement, commitment_amount=20)
    make.signature(small, agreement, commitment_amount=10)
    make.service_hours(WEEKDAYS)
    spread = generation.RotaSettings(SETTINGS.zone, excess_demand="spread")
    result = generation.generate(db.session, date(2026, 1, 31), NEW_YEAR, settings=spread)
    assert result.unassigned == 0
    held = {org.id: sum(s.hours for s in shifts(organisation_id=org.id)) for org in (big, small)}
    assert abs(held[big.id] - 2 * held[small.id]) <= 2 * SLOT


def test_a_swedish_slot_never_goes_to_a_member_without_swedish_speakers(app, make):
    agreement = make.agreement()
    finnish, swedish, declared = (make.org(short_name=name) for name in ("FI", "SV", "DECL"))
    for org in (finnish, swedish, declared):
        make.signature(org, agreement, commitment_amount=200)
    make.counsellor(finnish, languages=["fi", "en"])
    make.counsellor(swedish, languages=["fi", "sv"])
    make.counsellor(declared, languages=["fi"])
    make.service_hours([(day, 15, 18, "phone", "sv") for day in range(5)] + WEEKDAYS)
    generate(date(2026, 3, 31))
    swedish_shifts = [s for s in shifts() if s.language == "sv"]
    assert swedish_shifts and {s.organisation_id for s in swedish_shifts} == {swedish.id}
    others = {s.organisation_id for s in shifts() if s.language is None}
    assert others == {finnish.id, swedish.id, declared.id}


def test_a_slot_nobody_can_staff_is_left_as_a_gap(app, make):
    agreement = make.agreement()
    org = make.org(short_name="FI")
    make.signature(org, agreement, commitment_amount=200, channels="phone")
    make.counsellor(org, languages=["fi"])
    make.service_hours([(0, 9, 12, "phone", "sv"), (1, 9, 12, "email"), (2, 9, 12, "phone")])
    result = generate(date(2026, 1, 31)).result
    assert {s.slot_key[10:] for s in shifts()} == {"/phone/09:00"}
    assert all(s.local_day.weekday() == 2 for s in shifts())
    assert result.unassigned == 4 + 3  # the Mondays in Swedish, the Tuesdays by e-mail (6.1. shut)


def test_a_signature_declares_only_channels_the_rota_knows():
    assert tuple(Channel) == memoranda.CHANNELS


def test_generate_re_plans_at_most_a_year_ahead_when_the_rota_reaches_further(committed, make):
    agreement, _big, _small = committed
    make.service_hours(WEEKDAYS)
    generate(date(2027, 6, 30))  # eighteen months of rota
    newcomer = make.org(short_name="NEW")
    make.signature(newcomer, agreement, valid_from=date(2026, 2, 1), commitment_amount=60)
    done = generate(date(2027, 6, 30))
    assert done.replan.last == date(2027, 1, 1) and done.replan.changes  # 366 days
