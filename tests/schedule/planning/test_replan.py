"""Re-planning a range: a preview of each move, applied only while the rota is as previewed;
published weeks and started shifts stay as they are."""

from datetime import UTC, date, datetime

import pytest

from rota.errors import DomainError
from rota.extensions import db
from rota.schedule.hours import closures
from rota.schedule.models import ShiftStatus
from rota.schedule.planning import generation, publishing, replan
from tests.schedule.planning.helpers import NEW_YEAR, SETTINGS, WEEKDAYS, apply_previewed, shifts


def test_withdrawal_after_generation_is_reported_and_replanned(committed, make):
    from rota.members import memoranda

    agreement, big, small = committed
    make.service_hours(WEEKDAYS)
    generation.generate(db.session, date(2026, 3, 31), NEW_YEAR, settings=SETTINGS)
    memoranda.withdraw(db.session, small.signatures[0], date(2026, 3, 1), "Budget cut.")
    result = generation.generate(db.session, date(2026, 3, 31), NEW_YEAR, settings=SETTINGS)
    in_march = [s for s in shifts(organisation_id=small.id) if s.local_day.month == 3]
    assert result.stale == len(in_march) > 0
    march = (date(2026, 3, 1), date(2026, 3, 31))
    plan = replan.preview_replan(db.session, *march, NEW_YEAR, settings=SETTINGS)
    # BIG alone commits 120 h against 132 h of March: what it cannot take stays uncovered
    kinds = {(c.kind, c.from_org, c.to_org) for c in plan.changes}
    assert kinds == {("moved", small.id, big.id), ("cancelled", small.id, None)}
    apply_previewed(plan, *march)
    left = shifts(organisation_id=small.id, status=ShiftStatus.PLANNED)
    assert [s for s in left if s.local_day.month == 3] == []


def test_published_weeks_are_frozen_unless_the_replan_includes_them(committed, make):
    agreement, big, small = committed
    make.service_hours(WEEKDAYS)
    generation.generate(db.session, date(2026, 1, 31), NEW_YEAR, settings=SETTINGS)
    publishing.publish_weeks(db.session, date(2026, 1, 12), date(2026, 1, 18), None, NEW_YEAR)
    before = {s.slot_key: s.organisation_id for s in shifts()}
    newcomer = make.org(short_name="NEW")
    make.signature(newcomer, agreement, valid_from=date(2026, 1, 1), commitment_amount=40)
    january = (date(2026, 1, 1), date(2026, 1, 31))
    plan = replan.preview_replan(db.session, *january, NEW_YEAR, settings=SETTINGS)
    assert any(c.to_org == newcomer.id for c in plan.changes)
    assert not [c for c in plan.changes if date(2026, 1, 12) <= c.day <= date(2026, 1, 18)]
    apply_previewed(plan, *january)
    after = {s.slot_key: s.organisation_id for s in shifts()}
    frozen = [k for k in before if "2026-01-12" <= k[:10] <= "2026-01-18"]
    assert frozen and all(after[k] == before[k] for k in frozen)
    forced = replan.preview_replan(
        db.session, *january, NEW_YEAR, include_published=True, settings=SETTINGS
    )
    assert any(date(2026, 1, 12) <= c.day <= date(2026, 1, 18) for c in forced.changes)


def test_replan_refuses_a_stale_preview_and_changes_nothing(committed, make):
    make.service_hours(WEEKDAYS)
    generation.generate(db.session, date(2026, 2, 28), NEW_YEAR, settings=SETTINGS)
    feb = (date(2026, 2, 1), date(2026, 2, 28))
    plan = replan.preview_replan(db.session, *feb, NEW_YEAR, settings=SETTINGS)
    closures.add_closure(
        db.session, first=date(2026, 2, 16), last=None, name="Koulutus", actor_id=None
    )
    with pytest.raises(DomainError):
        apply_previewed(plan, *feb)
    assert all(s.status == ShiftStatus.PLANNED for s in shifts())


def test_replan_cancels_shifts_of_a_new_closure_and_restores_them_when_it_goes(committed, make):
    make.service_hours(WEEKDAYS)
    generation.generate(db.session, date(2026, 2, 28), NEW_YEAR, settings=SETTINGS)
    closure = closures.add_closure(
        db.session, first=date(2026, 2, 16), last=date(2026, 2, 17), name="Koulutus", actor_id=None
    )
    feb = (date(2026, 2, 1), date(2026, 2, 28))
    plan = replan.preview_replan(db.session, *feb, NEW_YEAR, settings=SETTINGS)
    cancelled = [c.key for c in plan.changes if c.kind == "cancelled"]
    assert [k[:10] for k in cancelled] == ["2026-02-16"] * 2 + ["2026-02-17"] * 2
    apply_previewed(plan, *feb)
    assert [s.slot_key for s in shifts(status=ShiftStatus.CANCELLED)] == cancelled
    assert (
        generation.generate(db.session, date(2026, 2, 28), NEW_YEAR, settings=SETTINGS).created == 0
    )
    closures.remove_closure(db.session, closure.id)
    plan = replan.preview_replan(db.session, *feb, NEW_YEAR, settings=SETTINGS)
    assert [c.key for c in plan.changes if c.kind == "restored"] == cancelled
    apply_previewed(plan, *feb)
    assert shifts(status=ShiftStatus.CANCELLED) == []


def test_started_shifts_are_never_replanned(committed, make):
    agreement, _big, _small = committed
    make.service_hours(WEEKDAYS)
    generation.generate(db.session, date(2026, 1, 31), NEW_YEAR, settings=SETTINGS)
    make.signature(make.org(), agreement, valid_from=date(2026, 1, 1), commitment_amount=100)
    now = datetime(2026, 1, 20, 12, tzinfo=UTC)
    plan = replan.preview_replan(
        db.session, date(2026, 1, 1), date(2026, 1, 31), now, settings=SETTINGS
    )
    assert plan.changes and min(c.starts_at for c in plan.changes) > now
