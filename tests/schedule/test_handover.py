"""A shift that changes hands takes its unopened contacts along, and everyone concerned hears of it.

Each test runs the real order of events: contacts are routed to a shift, then the shift is taken,
overridden, re-planned away or its counsellor falls ill; mail goes through the outbox to the
real SMTP sink.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from rota.contacts.models import Contact, ContactEvent, ContactEventKind, ContactStatus
from rota.contacts.routing.reasons import event_reason
from rota.extensions import db
from rota.outbox.models import OutboxMessage
from rota.schedule import absences, service
from rota.schedule.models import ShiftStatus
from rota.schedule.planning import replan
from rota.schedule.planning.generation import RotaSettings
from tests import factories

HELSINKI = ZoneInfo("Europe/Helsinki")
NOW = datetime(2031, 3, 28, 8, tzinfo=UTC)


@pytest.fixture
def held(ring, make):
    """Org A's e-mail shift on Monday 31 March 2031 with Aino Aalto named; two contacts were
    routed to it: one nobody has opened yet, one Aino has already opened."""
    shift = make.shift(ring.org_a, start="2031-03-31T09:00", channel="email", counsellor=ring.aino)
    unopened = make.contact("Unopened", owner=ring.aino, shift_id=shift.id)
    opened = make.contact("Opened", owner=ring.aino, shift_id=shift.id, status=ContactStatus.OPEN)
    ring.admin_b.locale = "sv"
    db.session.commit()
    return shift, unopened, opened


def moves(contact):
    query = select(ContactEvent).where(
        ContactEvent.contact_id == contact.id,
        ContactEvent.kind == ContactEventKind.SHIFT_CHANGED_HANDS,
    )
    return db.session.scalars(query).all()


def outbox_to():
    return sorted(m.recipients for m in db.session.scalars(select(OutboxMessage)))


def test_a_take_moves_the_unopened_contacts_and_mails_both_admins(
    ring, held, client, login, smtp_sink
):
    shift, unopened, opened = held
    service.offer_shift(db.session, shift.id, ring.admin_a, note="Training day", now=NOW)
    db.session.commit()
    login(ring.admin_b)
    response = client.post(f"/shifts/{shift.id}/take", data={"reason": "Happy to help"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (unopened.owner_id, unopened.organisation_id, unopened.shift_id) == (
        None,
        ring.org_b.id,
        shift.id,
    )
    [event] = moves(unopened)
    assert (event.from_owner_id, event.organisation_id) == (ring.aino.id, ring.org_b.id)
    assert "changed hands (Taken): now the queue of Org B." in event_reason(event)
    assert (opened.owner_id, opened.organisation_id, moves(opened)) == (
        ring.aino.id,
        ring.org_a.id,
        [],
    )
    mails = {m.rcpt_tos[0]: m.message for m in smtp_sink.wait_for(3)}
    assert set(mails) == {ring.admin_a.email, ring.admin_b.email, ring.aino.email}
    assert "Org B" in mails[ring.admin_a.email]["Subject"]
    swedish = mails[ring.admin_b.email].get_content()
    assert "Org A" in swedish and "31.3.2031" in swedish and "måndag" in swedish
    assert "1 kontakt" in swedish and "Org B tog" in swedish
    assert f"/shifts/{shift.id}" in mails[ring.aino.email].get_content()


def test_an_override_gives_the_contacts_to_the_new_counsellor_and_mails_everyone(ring, held):
    shift, unopened, _opened = held
    service.override_shift(
        db.session,
        shift.id,
        ring.coordinator,
        organisation_id=ring.org_b.id,
        counsellor_id=ring.bert.id,
        reason="Org A is short of people",
        now=NOW,
        settings=factories.mail_settings(),
    )
    db.session.commit()
    assert (unopened.owner_id, unopened.organisation_id) == (ring.bert.id, ring.org_b.id)
    assert len(moves(unopened)) == 1
    expected = [ring.admin_a.email, ring.admin_b.email, ring.aino.email, ring.bert.email]
    assert outbox_to() == sorted([address] for address in expected)


def aino_away(ring, last_day, now):
    """Org A's admin records Aino away from Monday 31 March 2031 to `last_day`, at `now`."""
    absences.record_absence(
        db.session,
        ring.admin_a,
        person_id=ring.aino.id,
        first_day=date(2031, 3, 31),
        last_day=last_day,
        reason="Ill",
        zone=HELSINKI,
        now=now,
        settings=factories.mail_settings(),
    )
    db.session.commit()


def test_an_absence_sends_the_contacts_to_the_organisations_queue(ring, held):
    shift, unopened, opened = held
    aino_away(ring, date(2031, 4, 1), NOW)
    assert (unopened.owner_id, unopened.organisation_id, unopened.shift_id) == (
        None,
        ring.org_a.id,
        shift.id,
    )
    assert opened.owner_id == ring.aino.id
    assert outbox_to() == sorted([[ring.admin_a.email], [ring.aino.email]])


def test_an_absence_after_the_shift_is_over_moves_nothing(ring, held):
    _shift, unopened, _opened = held
    aino_away(ring, date(2031, 3, 31), datetime(2031, 4, 2, 8, tzinfo=UTC))
    assert unopened.owner_id == ring.aino.id and outbox_to() == []


def test_a_replan_that_cancels_the_shift_reroutes_its_contacts(ring, held, make):
    shift, unopened, _opened = held
    settings = RotaSettings(HELSINKI)
    day = date(2031, 3, 31)
    plan = replan.preview_replan(db.session, day, day, NOW, settings=settings)
    assert [(c.kind, c.key) for c in plan.changes] == [(replan.CANCELLED, shift.slot_key)]
    replan.apply_replan(
        db.session,
        day,
        day,
        NOW,
        actor_id=ring.coordinator.id,
        fingerprint=plan.fingerprint,
        settings=settings,
        mail=factories.mail_settings(),
    )
    db.session.commit()
    assert shift.status == ShiftStatus.CANCELLED
    assert (unopened.owner_id, unopened.shift_id) == (None, None)
    [event] = moves(unopened)
    assert "was cancelled. No shift in the rota" in event_reason(event)
    assert [ring.aino.email] in outbox_to() and [ring.admin_a.email] in outbox_to()


def test_contacts_of_other_shifts_stay_where_they_are(ring, held, make):
    shift, _unopened, _opened = held
    other = make.shift(ring.org_a, start="2031-03-31T12:00", channel="email", counsellor=ring.aino)
    elsewhere = make.contact("Other shift", owner=ring.aino, shift_id=other.id)
    service.override_shift(
        db.session,
        shift.id,
        ring.coordinator,
        organisation_id=ring.org_b.id,
        counsellor_id=None,
        reason="Swap",
        now=NOW,
        settings=factories.mail_settings(),
    )
    db.session.commit()
    assert db.session.get(Contact, elsewhere.id).owner_id == ring.aino.id
