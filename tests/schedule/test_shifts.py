"""Shift operations: naming, absences, offer/take, overrides — each recorded and versioned."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from rota.errors import Conflict, DomainError, NotFound
from rota.extensions import db
from rota.schedule import absences, coverage, duty, service
from rota.schedule.models import Shift, ShiftChange

NOW = datetime(2026, 3, 25, 8, tzinfo=UTC)
HELSINKI = ZoneInfo("Europe/Helsinki")


def two_members(make, **org_a_fields):
    """Org A and Org B, both signed, with a coordinator and an admin for each."""
    agreement = make.agreement()
    org_a, org_b = make.org(name="Org A", **org_a_fields), make.org(name="Org B")
    make.signature(org_a, agreement)
    make.signature(org_b, agreement)
    people = {
        "coordinator": make.coordinator(),
        "admin_a": make.org_admin(org_a),
        "admin_b": make.org_admin(org_b),
    }
    return org_a, org_b, people


def away(person, first, last, actor=None):
    """Record that `person` is away on local days first..last."""
    return absences.record_absence(
        db.session,
        actor or person,
        person_id=person.id,
        first_day=first,
        last_day=last,
        reason="",
        zone=HELSINKI,
    )


@pytest.fixture
def ring(app, make):
    """Two member organisations with an admin and a Finnish counsellor each, and a shift of A."""
    org_a, org_b, people = two_members(make)
    people["counsellor_a"] = make.counsellor(org_a, name="Aino A")
    people["counsellor_b"] = make.counsellor(org_b, name="Bertil B")
    shift = make.shift(org_a)
    db.session.commit()
    return shift, people


def kinds(shift):
    return [c.kind for c in coverage.history(db.session, shift)]


def test_admin_names_own_counsellor_and_sequence_increments(ring):
    shift, p = ring
    before = shift.sequence
    service.name_counsellor(
        db.session, shift.id, p["admin_a"], counsellor_id=p["counsellor_a"].id, now=NOW
    )
    db.session.commit()
    assert shift.counsellor == p["counsellor_a"]
    assert shift.sequence == before + 1 and shift.updated_at == NOW
    change = coverage.history(db.session, shift)[-1]
    assert (change.kind, change.actor_id, change.to_counsellor_id) == (
        "name",
        p["admin_a"].id,
        p["counsellor_a"].id,
    )


def test_admin_cannot_name_another_organisations_counsellor(ring):
    shift, p = ring
    with pytest.raises(DomainError, match="not one of Org A's people"):
        service.name_counsellor(
            db.session, shift.id, p["admin_a"], counsellor_id=p["counsellor_b"].id, now=NOW
        )


def test_admin_of_another_organisation_does_not_see_the_shift_to_name(ring):
    shift, p = ring
    with pytest.raises(NotFound):
        service.name_counsellor(
            db.session, shift.id, p["admin_b"], counsellor_id=p["counsellor_b"].id, now=NOW
        )


def test_coordinator_may_name_anyone(ring):
    shift, p = ring
    service.name_counsellor(
        db.session, shift.id, p["coordinator"], counsellor_id=p["counsellor_b"].id, now=NOW
    )
    assert shift.counsellor == p["counsellor_b"]


def test_counsellor_must_counsel_in_the_slots_language(ring, make):
    shift, p = ring
    shift.language = "sv"
    swedish = make.counsellor(p["admin_a"].organisation, languages=["fi", "sv"])
    with pytest.raises(DomainError, match="does not counsel in it"):
        service.name_counsellor(
            db.session, shift.id, p["admin_a"], counsellor_id=p["counsellor_a"].id, now=NOW
        )
    service.name_counsellor(db.session, shift.id, p["admin_a"], counsellor_id=swedish.id, now=NOW)
    assert shift.counsellor == swedish
    choices = service.counsellor_choices(db.session, shift, p["admin_a"])
    assert swedish in choices and p["counsellor_a"] not in choices


def test_stale_version_is_refused_with_reload_message(ring):
    shift, p = ring
    with pytest.raises(Conflict, match="Reload the page"):
        service.name_counsellor(
            db.session,
            shift.id,
            p["admin_a"],
            counsellor_id=p["counsellor_a"].id,
            now=NOW,
            version=shift.version + 1,
        )


def test_absent_counsellor_leaves_the_shift_uncovered(ring):
    shift, p = ring
    service.name_counsellor(
        db.session, shift.id, p["admin_a"], counsellor_id=p["counsellor_a"].id, now=NOW
    )
    assert duty.covering_counsellor(db.session, shift) == p["counsellor_a"]
    away(p["counsellor_a"], date(2026, 3, 30), date(2026, 3, 30))
    assert duty.covering_counsellor(db.session, shift) is None
    gaps = coverage.coverage_gaps(db.session, NOW, 14)
    assert [(g.shift, g.absent) for g in gaps] == [(shift, True)]


def test_absence_ends_at_local_midnight_after_the_last_day(ring):
    _shift, p = ring
    absence = away(p["counsellor_a"], date(2026, 3, 28), date(2026, 3, 29), actor=p["admin_a"])
    # 2026-03-29 is the spring DST change: the absence ends at 00:00 +03:00
    assert absence.starts_at == datetime(2026, 3, 27, 22, tzinfo=UTC)
    assert absence.ends_at == datetime(2026, 3, 29, 21, tzinfo=UTC)


def test_absence_for_another_organisations_person_is_refused(ring):
    _shift, p = ring
    with pytest.raises(NotFound):
        away(p["counsellor_b"], date(2026, 3, 30), date(2026, 3, 30), actor=p["admin_a"])


def test_naming_an_absent_counsellor_is_refused(ring):
    shift, p = ring
    away(p["counsellor_a"], date(2026, 3, 29), date(2026, 4, 2))
    with pytest.raises(DomainError, match="is away during this shift"):
        service.name_counsellor(
            db.session, shift.id, p["admin_a"], counsellor_id=p["counsellor_a"].id, now=NOW
        )


def test_offer_and_take_moves_the_shift_and_records_who_when_why(ring):
    shift, p = ring
    service.name_counsellor(
        db.session, shift.id, p["admin_a"], counsellor_id=p["counsellor_a"].id, now=NOW
    )
    service.offer_shift(db.session, shift.id, p["admin_a"], note="Staff training day", now=NOW)
    assert coverage.offered_shifts(db.session, NOW) == [shift]
    before = shift.sequence
    service.take_shift(db.session, shift.id, p["admin_b"], reason="We have people", now=NOW)
    db.session.commit()
    stored = db.session.get(Shift, shift.id)
    assert stored.organisation == p["admin_b"].organisation
    assert stored.counsellor is None and stored.offered_at is None
    assert stored.sequence == before + 1
    take = coverage.history(db.session, stored)[-1]
    assert (take.kind, take.actor_id, take.at, take.reason) == (
        "take",
        p["admin_b"].id,
        NOW,
        "We have people",
    )
    assert take.from_organisation_id == p["admin_a"].organisation_id
    assert take.to_organisation_id == p["admin_b"].organisation_id
    assert kinds(stored) == ["name", "offer", "take"]


def test_a_shift_not_offered_cannot_be_taken(ring):
    shift, p = ring
    with pytest.raises(DomainError, match="no longer offered"):
        service.take_shift(db.session, shift.id, p["admin_b"], reason="", now=NOW)
    assert db.session.get(Shift, shift.id).organisation == p["admin_a"].organisation


def test_a_taken_shift_tells_the_second_taker_who_took_it(ring, make):
    shift, p = ring
    admin_c = make.org_admin(make.org(name="Org C"))
    make.signature(admin_c.organisation)
    service.offer_shift(db.session, shift.id, p["admin_a"], note="", now=NOW)
    seen = shift.version
    service.take_shift(db.session, shift.id, p["admin_b"], reason="", now=NOW, version=seen)
    with pytest.raises(Conflict, match="just taken by Org B; it is no longer offered"):
        service.take_shift(db.session, shift.id, admin_c, reason="", now=NOW, version=seen)


def test_own_organisation_cannot_take_its_own_offer(ring):
    shift, p = ring
    service.offer_shift(db.session, shift.id, p["admin_a"], note="", now=NOW)
    with pytest.raises(DomainError, match="withdraw the offer"):
        service.take_shift(db.session, shift.id, p["admin_a"], reason="", now=NOW)


def test_withdrawn_offer_is_no_longer_listed(ring):
    shift, p = ring
    service.offer_shift(db.session, shift.id, p["admin_a"], note="", now=NOW)
    service.withdraw_offer(db.session, shift.id, p["admin_a"], now=NOW)
    assert coverage.offered_shifts(db.session, NOW) == []
    assert kinds(shift) == ["offer", "withdraw"]


def test_coordinator_override_needs_a_reason_and_is_recorded(ring):
    shift, p = ring
    org_b = p["admin_b"].organisation
    with pytest.raises(DomainError, match="Say why"):
        service.override_shift(
            db.session,
            shift.id,
            p["coordinator"],
            organisation_id=org_b.id,
            counsellor_id=None,
            reason=" ",
            now=NOW,
        )
    service.override_shift(
        db.session,
        shift.id,
        p["coordinator"],
        organisation_id=org_b.id,
        counsellor_id=p["counsellor_b"].id,
        reason="Org A closed for renovation",
        now=NOW,
    )
    db.session.commit()
    assert (shift.organisation, shift.counsellor) == (org_b, p["counsellor_b"])
    change = db.session.scalars(db.select(ShiftChange).filter_by(kind="override")).one()
    assert change.reason == "Org A closed for renovation"
    assert change.from_organisation_id == p["admin_a"].organisation_id


def test_only_the_coordinator_overrides(ring):
    shift, p = ring
    with pytest.raises(NotFound):
        service.override_shift(
            db.session,
            shift.id,
            p["admin_a"],
            organisation_id=p["admin_b"].organisation_id,
            counsellor_id=None,
            reason="mine now",
            now=NOW,
        )


def test_past_shift_cannot_be_offered(ring):
    shift, p = ring
    later = datetime(2026, 4, 1, tzinfo=UTC)
    with pytest.raises(DomainError, match="This shift is over"):
        service.offer_shift(db.session, shift.id, p["admin_a"], note="", now=later)
