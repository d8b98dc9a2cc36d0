"""Shift operations: naming, offer/take, overrides — each recorded and versioned."""

from datetime import UTC, datetime

import pytest

from rota.errors import Conflict, DomainError, NotFound
from rota.extensions import db
from rota.schedule import coverage, service
from rota.schedule.models import Shift, ShiftChange
from tests import factories

NOW = datetime(2026, 3, 25, 8, tzinfo=UTC)


def kinds(shift):
    return [c.kind for c in coverage.history(db.session, shift)]


def take_as(actor, shift_id, reason):
    """`actor` takes the offered shift at NOW; its change of hands is mailed."""
    return service.take_shift(
        db.session, shift_id, actor, reason=reason, now=NOW, settings=factories.mail_settings()
    )


def test_admin_names_own_counsellor_and_sequence_increments(ring, shift):
    before = shift.sequence
    service.name_counsellor(db.session, shift.id, ring.admin_a, counsellor_id=ring.aino.id, now=NOW)
    db.session.commit()
    assert shift.counsellor == ring.aino
    assert shift.sequence == before + 1 and shift.updated_at == NOW
    change = coverage.history(db.session, shift)[-1]
    assert (change.kind, change.actor_id, change.to_counsellor_id) == (
        "name",
        ring.admin_a.id,
        ring.aino.id,
    )


def test_admin_cannot_name_another_organisations_counsellor(ring, shift):
    with pytest.raises(DomainError, match="not one of Org A's people"):
        service.name_counsellor(
            db.session, shift.id, ring.admin_a, counsellor_id=ring.bert.id, now=NOW
        )


def test_admin_of_another_organisation_does_not_see_the_shift_to_name(ring, shift):
    with pytest.raises(NotFound):
        service.name_counsellor(
            db.session, shift.id, ring.admin_b, counsellor_id=ring.bert.id, now=NOW
        )


def test_coordinator_may_name_anyone(ring, shift):
    service.name_counsellor(
        db.session, shift.id, ring.coordinator, counsellor_id=ring.bert.id, now=NOW
    )
    assert shift.counsellor == ring.bert


def test_counsellor_must_counsel_in_the_slots_language(ring, shift, make):
    shift.language = "sv"
    swedish = make.counsellor(ring.admin_a.organisation, languages=["fi", "sv"])
    with pytest.raises(DomainError, match="does not counsel in it"):
        service.name_counsellor(
            db.session, shift.id, ring.admin_a, counsellor_id=ring.aino.id, now=NOW
        )
    service.name_counsellor(db.session, shift.id, ring.admin_a, counsellor_id=swedish.id, now=NOW)
    assert shift.counsellor == swedish
    choices = service.counsellor_choices(db.session, shift, ring.admin_a)
    assert swedish in choices and ring.aino not in choices


def test_stale_version_is_refused_with_reload_message(ring, shift):
    with pytest.raises(Conflict, match="Reload the page"):
        service.name_counsellor(
            db.session,
            shift.id,
            ring.admin_a,
            counsellor_id=ring.aino.id,
            now=NOW,
            version=shift.version + 1,
        )


def test_offer_and_take_moves_the_shift_and_records_who_when_why(ring, shift):
    service.name_counsellor(db.session, shift.id, ring.admin_a, counsellor_id=ring.aino.id, now=NOW)
    service.offer_shift(db.session, shift.id, ring.admin_a, note="Staff training day", now=NOW)
    assert coverage.offered_shifts(db.session, NOW) == [shift]
    before = shift.sequence
    take_as(ring.admin_b, shift.id, "We have people")
    db.session.commit()
    stored = db.session.get(Shift, shift.id)
    assert stored.organisation == ring.admin_b.organisation
    assert stored.counsellor is None and stored.offered_at is None
    assert stored.sequence == before + 1
    take = coverage.history(db.session, stored)[-1]
    assert (take.kind, take.actor_id, take.at, take.reason) == (
        "take",
        ring.admin_b.id,
        NOW,
        "We have people",
    )
    assert take.from_organisation_id == ring.admin_a.organisation_id
    assert take.to_organisation_id == ring.admin_b.organisation_id
    assert kinds(stored) == ["name", "offer", "take"]


def test_a_shift_not_offered_cannot_be_taken(ring, shift):
    with pytest.raises(DomainError, match="no longer offered"):
        take_as(ring.admin_b, shift.id, "")
    assert db.session.get(Shift, shift.id).organisation == ring.admin_a.organisation


def test_a_taken_shift_tells_the_second_taker_who_took_it(ring, shift, make):
    admin_c = make.org_admin(make.org(name="Org C"))
    make.signature(admin_c.organisation)
    service.offer_shift(db.session, shift.id, ring.admin_a, note="", now=NOW)
    seen = shift.version
    service.take_shift(
        db.session,
        shift.id,
        ring.admin_b,
        reason="",
        now=NOW,
        version=seen,
        settings=factories.mail_settings(),
    )
    with pytest.raises(Conflict, match="just taken by Org B; it is no longer offered"):
        service.take_shift(
            db.session,
            shift.id,
            admin_c,
            reason="",
            now=NOW,
            version=seen,
            settings=factories.mail_settings(),
        )


def test_own_organisation_cannot_take_its_own_offer(ring, shift):
    service.offer_shift(db.session, shift.id, ring.admin_a, note="", now=NOW)
    with pytest.raises(DomainError, match="withdraw the offer"):
        take_as(ring.admin_a, shift.id, "")


def test_withdrawn_offer_is_no_longer_listed(ring, shift):
    service.offer_shift(db.session, shift.id, ring.admin_a, note="", now=NOW)
    service.withdraw_offer(db.session, shift.id, ring.admin_a, now=NOW)
    assert coverage.offered_shifts(db.session, NOW) == []
    assert kinds(shift) == ["offer", "withdraw"]


def test_coordinator_override_needs_a_reason_and_is_recorded(ring, shift):
    org_b = ring.admin_b.organisation
    with pytest.raises(DomainError, match="Say why"):
        service.override_shift(
            db.session,
            shift.id,
            ring.coordinator,
            organisation_id=org_b.id,
            counsellor_id=None,
            reason=" ",
            now=NOW,
            settings=factories.mail_settings(),
        )
    service.override_shift(
        db.session,
        shift.id,
        ring.coordinator,
        organisation_id=org_b.id,
        counsellor_id=ring.bert.id,
        reason="Org A closed for renovation",
        now=NOW,
        settings=factories.mail_settings(),
    )
    db.session.commit()
    assert (shift.organisation, shift.counsellor) == (org_b, ring.bert)
    change = db.session.scalars(db.select(ShiftChange).filter_by(kind="override")).one()
    assert change.reason == "Org A closed for renovation"
    assert change.from_organisation_id == ring.admin_a.organisation_id


def test_only_the_coordinator_overrides(ring, shift):
    with pytest.raises(NotFound):
        service.override_shift(
            db.session,
            shift.id,
            ring.admin_a,
            organisation_id=ring.admin_b.organisation_id,
            counsellor_id=None,
            reason="mine now",
            now=NOW,
            settings=factories.mail_settings(),
        )


def test_past_shift_cannot_be_offered(ring, shift):
    later = datetime(2026, 4, 1, tzinfo=UTC)
    with pytest.raises(DomainError, match="This shift is over"):
        service.offer_shift(db.session, shift.id, ring.admin_a, note="", now=later)
