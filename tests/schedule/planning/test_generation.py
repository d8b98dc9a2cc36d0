"""Generating the rota: wall-clock shifts, holidays, joins and leaves, idempotency."""

import functools
import gc
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rota.demo import load_demo
from rota.errors import Conflict, DomainError
from rota.extensions import db
from rota.schedule.coverage import rota_between
from rota.schedule.hours import closures
from rota.schedule.models import Shift, ShiftChange
from rota.schedule.planning import generation
from rota.schedule.planning.fairness import fairness_table
from tests.schedule.planning.helpers import EVERY_DAY, NEW_YEAR, SETTINGS, WEEKDAYS, shifts

HELSINKI = ZoneInfo("Europe/Helsinki")


def by_day():
    return {s.local_day: s for s in shifts()}


def test_shifts_start_at_the_templates_wall_clock_on_both_sides_of_dst(committed, make):
    make.service_hours(EVERY_DAY)
    generation.generate(db.session, date(2026, 10, 31), NEW_YEAR, settings=SETTINGS)
    days = by_day()
    expected_utc_hour = {
        date(2026, 3, 28): 7,
        date(2026, 3, 29): 6,
        date(2026, 3, 30): 6,
        date(2026, 10, 24): 6,
        date(2026, 10, 25): 7,
        date(2026, 10, 26): 7,
    }
    for day, hour in expected_utc_hour.items():
        shift = days[day]
        assert shift.starts_at == datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
        assert shift.starts_at.astimezone(HELSINKI).strftime("%H:%M") == "09:00"
        assert shift.ends_at.astimezone(HELSINKI).strftime("%H:%M") == "12:00"
        assert shift.slot_key == f"{day.isoformat()}/phone/09:00"


def test_generated_instants_compare_equal_to_the_same_instant_in_queries(committed, make):
    make.service_hours(WEEKDAYS)
    generation.generate(db.session, date(2026, 1, 9), NEW_YEAR, settings=SETTINGS)
    start, end = datetime(2026, 1, 2, 7, tzinfo=UTC), datetime(2026, 1, 2, 10, tzinfo=UTC)
    query = select(Shift.slot_key).where(Shift.starts_at >= start, Shift.ends_at <= end)
    assert db.session.scalars(query).all() == ["2026-01-02/phone/09:00"]


@pytest.mark.parametrize("zone", ["Europe/Helsinki", "Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_a_local_day_holds_its_first_and_last_shift_whatever_the_zone(committed, make, zone):
    make.service_hours([(day, start, start + 1, "phone") for day in range(7) for start in (0, 22)])
    settings = generation.RotaSettings(ZoneInfo(zone))
    generation.generate(
        db.session, date(2026, 10, 28), datetime(2026, 10, 1, tzinfo=UTC), settings=settings
    )
    day = date(2026, 10, 25)  # autumn DST change in Helsinki
    keys = [e.shift.slot_key for e in rota_between(db.session, day, day)]
    assert keys == ["2026-10-25/phone/00:00", "2026-10-25/phone/22:00"]


def test_no_shift_on_a_finnish_public_holiday_unless_reopened(committed, make):
    make.service_hours(EVERY_DAY)
    closures.reopen_holiday(db.session, date(2026, 12, 6), None)
    generation.generate(db.session, date(2026, 12, 31), NEW_YEAR, settings=SETTINGS)
    days = by_day()
    assert date(2026, 6, 19) not in days  # Juhannusaatto
    assert date(2026, 12, 24) not in days  # Jouluaatto
    assert date(2026, 12, 6) in days  # Itsenäisyyspäivä, re-opened
    assert date(2026, 6, 18) in days and date(2026, 12, 7) in days


def test_own_closure_range_has_no_shifts(committed, make):
    make.service_hours(WEEKDAYS)
    closures.add_closure(
        db.session, first=date(2026, 7, 6), last=date(2026, 7, 31), name="Kesätauko", actor_id=None
    )
    generation.generate(db.session, date(2026, 8, 31), NEW_YEAR, settings=SETTINGS)
    july = [s.local_day for s in shifts() if s.local_day.month == 7]
    assert july and max(july) == date(2026, 7, 3)


def test_generation_is_idempotent_and_each_shift_keeps_why_it_was_assigned(committed, make):
    make.service_hours(WEEKDAYS)
    first = generation.generate(db.session, date(2026, 3, 31), NEW_YEAR, settings=SETTINGS)
    again = generation.generate(db.session, date(2026, 3, 31), NEW_YEAR, settings=SETTINGS)
    stored = shifts()
    assert first.created == len(stored) > 100 and again.created == 0
    assert again.existing == len(stored)
    assert {s.created_at for s in stored} == {NEW_YEAR}
    assert any(s.behind_hours > 0 for s in stored)
    assert all(-3.0 < s.behind_hours < 3.0 + 1e-9 for s in stored)
    # the shift itself records the assignment: history starts with the first real change
    assert db.session.scalar(select(func.count()).select_from(ShiftChange)) == 0


def test_extending_later_continues_the_same_fair_sequence(committed, make):
    make.service_hours(WEEKDAYS)
    generation.generate(db.session, date(2026, 6, 30), NEW_YEAR, settings=SETTINGS)
    in_one_go = [(s.slot_key, s.organisation_id) for s in shifts()]
    db.session.execute(ShiftChange.__table__.delete())
    db.session.execute(Shift.__table__.delete())
    generation.generate(db.session, date(2026, 2, 15), NEW_YEAR, settings=SETTINGS)
    generation.generate(
        db.session, date(2026, 6, 30), NEW_YEAR + timedelta(days=20), settings=SETTINGS
    )
    in_steps = [(s.slot_key, s.organisation_id) for s in shifts()]
    assert in_steps == in_one_go


def test_shares_follow_commitments(committed, make):
    _agreement, big, small = committed
    make.service_hours(WEEKDAYS)
    generation.generate(db.session, date(2026, 12, 31), NEW_YEAR, settings=SETTINGS)
    held = {org.id: sum(s.hours for s in shifts(organisation_id=org.id)) for org in (big, small)}
    assert abs(held[big.id] - 2 * held[small.id]) <= 6


def test_leaver_gets_no_shift_after_its_end_and_joiner_none_before_its_start(committed, make):
    agreement, big, small = committed
    late = make.org(short_name="LATE")
    make.signature(late, agreement, valid_from=date(2026, 5, 1), commitment_amount=10)
    leaver = make.org(short_name="LEAVER")
    make.signature(leaver, agreement, valid_until=date(2026, 4, 30), commitment_amount=10)
    make.service_hours(WEEKDAYS)
    generation.generate(db.session, date(2026, 12, 31), NEW_YEAR, settings=SETTINGS)
    assert max(s.local_day for s in shifts(organisation_id=leaver.id)) <= date(2026, 4, 30)
    assert min(s.local_day for s in shifts(organisation_id=late.id)) >= date(2026, 5, 1)
    may = fairness_table(db.session, date(2026, 5, 1), date(2026, 5, 31), settings=SETTINGS)
    for row in may.rows:  # the joiner starts level: no catch-up flood in its first month
        assert abs(row.difference) < may.longest_shift, row


def test_extending_at_the_same_time_elsewhere_is_refused_and_keeps_the_other_run(committed, make):
    make.service_hours(WEEKDAYS)
    db.session.commit()
    until = date(2026, 1, 16)

    def meanwhile(message):  # the other run commits between this run's planning and storing
        if " new slots " in message:
            with Session(db.engine) as other:
                generation.generate(other, until, NEW_YEAR, settings=SETTINGS)
                other.commit()

    with pytest.raises(Conflict, match="at the same time elsewhere. Run it again"):
        generation.generate(db.session, until, NEW_YEAR, progress=meanwhile, settings=SETTINGS)
    assert gc.isenabled()
    db.session.rollback()
    assert len(shifts()) == 20  # ten working days, the holidays of 1 and 6 January closed
    assert generation.generate(db.session, until, NEW_YEAR, settings=SETTINGS).created == 0


def test_generation_refuses_a_past_end(committed):
    with pytest.raises(DomainError) as error:
        generation.generate(db.session, date(2025, 6, 1), NEW_YEAR, settings=SETTINGS)
    assert error.value.field == "until"


def test_demo_ring_over_a_year_keeps_every_member_within_one_slot_and_its_commitment(
    app, monkeypatch
):
    from werkzeug import security

    from rota.members import people

    quick = functools.partial(security.generate_password_hash, method="pbkdf2:sha256:1")
    monkeypatch.setattr(people, "generate_password_hash", quick)  # nobody signs in here
    load_demo(db.session)
    result = generation.generate(db.session, date(2026, 12, 31), NEW_YEAR, settings=SETTINGS)
    assert result.created > 350 and result.unassigned > 0  # commitments 132 h a month
    assert {s.channel for s in shifts()} == {"phone", "email"}
    for month in range(1, 13):
        last = date(2026, month + 1, 1) - timedelta(days=1) if month < 12 else date(2026, 12, 31)
        table = fairness_table(db.session, date(2026, 1, 1), last, settings=SETTINGS)
        assert len(table.rows) == (9 if month < 3 else 10)
        for row in table.rows:
            assert abs(row.difference) < table.longest_shift, (last, row)
        alone = fairness_table(db.session, date(2026, month, 1), last, settings=SETTINGS)
        for row in alone.rows:
            if row.commitment:  # the demand is above the commitments: nobody works above its own
                assert row.assigned <= row.commitment + alone.longest_shift, (last, row)
    assert db.session.scalar(select(func.count()).select_from(Shift)) == result.created


def test_generate_command_prints_progress(committed, make, runner):
    make.service_hours(WEEKDAYS)
    db.session.commit()
    until = (date.today() + timedelta(days=30)).isoformat()
    result = runner.invoke(args=["generate", "--until", until])
    assert result.exit_code == 0, result.output
    assert "new slots" in result.output and "stored" in result.output
    assert f"Rota extended to {until}" in result.output
    bad = runner.invoke(args=["generate", "--until", "2001-01-01"])
    assert bad.exit_code != 0 and "future" in bad.output
