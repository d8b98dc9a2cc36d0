"""Routing a new contact against the real rota, handover at shift end, reassignment."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select, update

from rota.contacts.events import Kind
from rota.contacts.models import Contact, ContactEvent, ContactStatus
from rota.contacts.queue import service as queue
from rota.contacts.routing import service as routing_service
from rota.contacts.routing.reasons import event_reason
from rota.contacts.routing.service import hand_over, reassign, route_new_contact
from rota.errors import Conflict, DomainError, NotFound
from rota.extensions import db
from rota.members.models import User
from rota.outbox.models import OutboxMessage
from rota.schedule.models import Absence
from tests import factories
from tests.support.concurrency import at_once

# 2026-03-30 09:00 Helsinki (UTC+3 in summer time) is 06:00 UTC
NINE = datetime(2026, 3, 30, 6, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return NINE + timedelta(hours=hours)


def reassign_at_one(contact, actor, **fields):
    return reassign(
        db.session, contact, actor, now=at(1), settings=factories.mail_settings(), **fields
    )


def new_contact(channel="email", language=None, when=None):
    contact = Contact(
        channel=channel, subject="Apua", client_email="client@example.com", language=language
    )
    route_new_contact(db.session, contact, when or at(1), factories.mail_settings())
    db.session.commit()
    return contact


def events(contact, kind=None):
    query = select(ContactEvent).where(ContactEvent.contact_id == contact.id)
    if kind:
        query = query.where(ContactEvent.kind == kind)
    return db.session.scalars(query.order_by(ContactEvent.id)).all()


def reasons(contact, locale="en"):
    """The history's reasons as a viewer reading `locale` sees them."""
    with force_locale(locale):
        return " | ".join(event_reason(e) for e in events(contact))


@pytest.fixture
def org(app, make):
    return make.org(name="Kriisikeskus", short_name="KK", email="queue@kk.example")


def test_a_new_contact_goes_to_the_counsellor_on_duty_who_is_told_by_mail(make, org):
    anna = make.counsellor(org, name="Anna")
    make.shift(org, "2026-03-30T09:00", channel="email", counsellor=anna)
    contact = new_contact()
    assert (contact.owner_id, contact.organisation_id, contact.status) == (
        anna.id,
        org.id,
        ContactStatus.NEW,
    )
    assert contact.reference == f"R-{contact.id}"
    assert "On duty for e-mail: Anna (Kriisikeskus)" in reasons(contact)
    notice = db.session.scalars(select(OutboxMessage)).one()
    assert notice.recipients == [anna.email] and contact.reference in notice.subject


def test_a_shift_without_a_counsellor_routes_to_the_organisations_queue(make, org):
    make.shift(org, "2026-03-30T09:00", channel="email")
    contact = new_contact()
    assert (contact.owner_id, contact.organisation_id) == (None, org.id)
    assert "no counsellor is named" in reasons(contact)
    assert db.session.scalars(select(OutboxMessage.recipients)).one() == ["queue@kk.example"]


def test_an_absent_counsellor_sends_the_contact_to_the_organisations_queue(make, org):
    anna = make.counsellor(org, name="Anna")
    make.shift(org, "2026-03-30T09:00", channel="email", counsellor=anna)
    db.session.add(Absence(user_id=anna.id, starts_at=at(-24), ends_at=at(24), reason="sick"))
    contact = new_contact()
    assert (contact.owner_id, contact.organisation_id) == (None, org.id)
    assert "Anna is absent" in reasons(contact)


def test_outside_service_hours_the_contact_waits_for_the_next_shift(make, org):
    bert = make.counsellor(org, name="Bert")
    make.shift(org, "2026-03-30T09:00", channel="email", counsellor=bert)
    contact = new_contact(when=at(-8))  # 01:00 at night
    assert (contact.owner_id, contact.shift.starts_at) == (bert.id, NINE)
    assert "Outside service hours" in reasons(contact)
    assert db.session.scalars(select(OutboxMessage)).all() == []  # nobody woken at night


def test_only_the_contacts_channel_counts(make, org):
    anna = make.counsellor(org, name="Anna")
    make.shift(org, "2026-03-30T09:00", channel="phone", counsellor=anna)
    contact = new_contact(channel="email")
    assert (contact.owner_id, contact.organisation_id) == (None, None)


def test_a_swedish_speaker_on_duty_is_preferred_for_swedish_mail(make, org):
    other = make.org()
    fi = make.counsellor(org, languages=["fi"])
    sv = make.counsellor(other, languages=["fi", "sv"])
    make.shift(org, "2026-03-30T09:00", channel="email", counsellor=fi)
    make.shift(other, "2026-03-30T09:00", channel="email", counsellor=sv, slot_key="x/sv")
    assert new_contact(language="sv").owner_id == sv.id
    assert new_contact(language="fi").owner_id == fi.id
    assert "Speaks the client's language (Swedish)" in reasons(new_contact(language="sv"))


def test_the_reason_is_stored_as_data_and_worded_in_the_readers_language(make, org):
    anna = make.counsellor(org, name="Anna", languages=["fi", "sv"])
    shift = make.shift(org, "2026-03-30T09:00", channel="email", counsellor=anna)
    with force_locale("fi"):  # routed by a job running in the service's default language
        contact = new_contact(language="sv")
    routed = events(contact, "routed")[0]
    assert routed.reason == ""
    assert routed.reason_data == {
        "route": "on_duty",
        "channel": "email",
        "shift_id": shift.id,
        "organisation": "Kriisikeskus",
        "counsellor": "Anna",
        "starts_at": "2026-03-30T06:00:00+00:00",
        "ends_at": shift.ends_at.isoformat(),
        "absent": False,
        "language": "sv",
    }
    english, finnish, swedish = (reasons(contact, lang) for lang in ("en", "fi", "sv"))
    assert english.startswith("On duty for e-mail: Anna (Kriisikeskus), 3/30/26, 9:00")
    assert english.endswith("Speaks the client's language (Swedish).")
    assert finnish.startswith("Päivystäjä (sähköposti): Anna (Kriisikeskus), 30.3.2026 9.00")
    assert finnish.endswith("Puhuu asiakkaan kieltä (ruotsi).")
    assert swedish.startswith("Jour för e-post: Anna (Kriisikeskus), 2026-03-30 09:00")
    assert swedish.endswith("Talar klientens språk (svenska).")


def test_a_reason_typed_by_a_person_is_shown_as_typed(make, org):
    contact = new_contact()
    reassign_at_one(contact, make.coordinator(), to_org_id=org.id, reason="Loma")
    db.session.commit()
    moved = events(contact, "reassigned")[0]
    assert (moved.reason, moved.reason_data) == ("Loma", None)
    assert reasons(contact, "sv").endswith(" | Loma")


def test_with_no_rota_at_all_the_coordinator_is_told_to_generate_it(app):
    contact = new_contact()
    assert (contact.owner_id, contact.organisation_id, contact.shift_id) == (None, None, None)
    assert "No shift in the rota: generate the rota" in reasons(contact)


def test_at_shift_end_unopened_contacts_move_on_and_claimed_ones_stay(make, org):
    anna, bert = make.counsellor(org, name="Anna"), make.counsellor(org, name="Bert")
    make.shift(org, "2026-03-30T09:00", channel="email", counsellor=anna)
    second = make.shift(org, "2026-03-30T12:00", channel="email", counsellor=bert)
    untouched, claimed = new_contact(), new_contact()
    queue.claim(db.session, claimed, anna, at(2))
    db.session.commit()
    assert hand_over(db.session, at(2.5)) == 0  # the shift is still running
    assert hand_over(db.session, at(3)) == 1
    db.session.commit()
    db.session.expire_all()
    assert (untouched.owner_id, untouched.shift_id) == (bert.id, second.id)
    assert "nobody opened the contact" in reasons(untouched)
    moved = events(untouched, "handed_over")[0].reason_data
    assert (moved["handover"], moved["shift_id"], moved["counsellor"]) == (True, second.id, "Bert")
    assert claimed.owner_id == anna.id
    assert hand_over(db.session, at(3.1)) == 0  # nothing moves twice


def test_the_rings_unassigned_contacts_are_routed_once_a_rota_exists(make, org):
    contact = new_contact()
    assert hand_over(db.session, at(1.5)) == 0  # still no rota: no new events
    anna = make.counsellor(org)
    make.shift(org, "2026-03-30T12:00", channel="email", counsellor=anna)
    assert hand_over(db.session, at(2)) == 1
    db.session.commit()
    db.session.expire_all()
    assert contact.owner_id == anna.id


def test_handover_skips_a_contact_claimed_meanwhile(make, org):
    anna, bert = make.counsellor(org), make.counsellor(org)
    make.shift(org, "2026-03-30T09:00", channel="email", counsellor=anna)
    make.shift(org, "2026-03-30T12:00", channel="email", counsellor=bert)
    contact = new_contact()
    rows = routing_service._handover_candidates(db.session, at(3))
    queue.claim(db.session, contact, anna, at(2.9))  # claimed after the job read its rows
    db.session.commit()
    decision = routing_service.decision_for(db.session, "email", None, at(3))
    moved = routing_service._move(db.session, rows[0], decision, at(3), Kind.HANDED_OVER, {})
    assert not moved
    db.session.expire_all()
    assert contact.owner_id == anna.id


def test_an_org_admin_reassigns_only_their_organisations_contacts(make, org):
    anna, bert = make.counsellor(org), make.counsellor(org)
    admin, other_admin = make.org_admin(org), make.org_admin(make.org())
    make.shift(org, "2026-03-30T09:00", channel="email", counsellor=anna)
    contact = new_contact()
    with pytest.raises(NotFound):
        reassign_at_one(contact, other_admin, to_user_id=bert.id, reason="x")
    with pytest.raises(DomainError, match="Say why"):
        reassign_at_one(contact, admin, to_user_id=bert.id, reason=" ")
    with pytest.raises(DomainError, match="your organisation"):
        reassign_at_one(contact, admin, to_user_id=make.counsellor().id, reason="x")
    reassign_at_one(contact, admin, to_user_id=bert.id, reason="Anna is ill")
    db.session.commit()
    assert contact.owner_id == bert.id and "Anna is ill" in reasons(contact)


def test_a_stale_contact_cannot_be_claimed(make, org):
    anna, bert = make.counsellor(org), make.counsellor(org)
    contact = new_contact()
    db.session.execute(
        update(Contact)
        .where(Contact.id == contact.id)
        .values(version=Contact.version + 1)
        .execution_options(synchronize_session=False)
    )  # someone else changed it after we loaded it
    with pytest.raises(Conflict):
        queue.claim(db.session, contact, anna, at(1))
    db.session.rollback()
    assert queue.claim(db.session, db.session.get(Contact, contact.id), bert, at(1)).owner_id == (
        bert.id
    )


def test_concurrent_claims_give_the_contact_to_exactly_one_counsellor(app, make, org):
    people = [make.counsellor(org).id for _ in range(8)]
    contact_id = new_contact().id
    db.session.commit()
    results, barrier = [], threading.Barrier(len(people))

    def claim(user_id):
        with app.app_context():
            contact = db.session.get(Contact, contact_id)
            user = db.session.get(User, user_id)
            barrier.wait()
            try:
                queue.claim(db.session, contact, user, at(1))
                db.session.commit()
                results.append(user_id)
            except Conflict:
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=claim, args=(uid,)) for uid in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.expire_all()
    claims = db.session.scalars(
        select(ContactEvent).where(
            ContactEvent.contact_id == contact_id, ContactEvent.kind == "claimed"
        )
    ).all()
    assert len(results) == 1 and len(claims) == 1
    assert db.session.get(Contact, contact_id).owner_id == results[0]


def test_concurrent_handovers_move_each_contact_once_with_one_event(app, make, org):
    anna, bert = make.counsellor(org), make.counsellor(org)
    make.shift(org, "2026-03-30T09:00", channel="email", counsellor=anna)
    make.shift(org, "2026-03-30T12:00", channel="email", counsellor=bert)
    ids = [new_contact().id for _ in range(6)]
    moved = at_once(app, 4, lambda: hand_over(db.session, at(3)))
    events = db.session.scalars(
        select(ContactEvent.contact_id).where(ContactEvent.kind == "handed_over")
    ).all()
    assert sum(moved) == 6 and sorted(events) == sorted(ids)
    db.session.expire_all()
    assert {db.session.get(Contact, i).owner_id for i in ids} == {bert.id}
