"""The queue pages: who sees what, and claim, note, close, reopen, reassign through the pages."""

import pytest
from sqlalchemy import select

from rota.contacts.models import Contact, ContactStatus, Message, MessageDirection
from rota.contacts.queue import service as queue
from rota.db import utcnow
from rota.errors import Conflict
from rota.extensions import db
from rota.outbox.models import OutboxMessage

VISIBLE = {
    "anna": {"annas", "queue_a", "ring"},
    "admin_a": {"annas", "ainos", "queue_a"},
    "coordinator": {"annas", "ainos", "berts", "queue_a", "queue_b", "ring"},
}


@pytest.mark.parametrize("who", sorted(VISIBLE))
def test_each_role_sees_exactly_its_contacts_and_gets_404_for_the_others(
    client, login, ring, contacts, who
):
    login(getattr(ring, who))
    listing = client.get("/contacts").get_data(as_text=True)
    for name, contact in contacts.items():
        expected = name in VISIBLE[who]
        assert (contact.subject in listing) == expected, name
        status = client.get(f"/contacts/{contact.id}").status_code
        assert status == (200 if expected else 404), name


def test_a_counsellor_takes_an_unassigned_contact_and_it_leaves_the_others_view(
    client, login, ring, contacts
):
    login(ring.anna)
    assert client.post(f"/contacts/{contacts['queue_a'].id}/claim").status_code == 302
    db.session.expire_all()
    taken = db.session.get(Contact, contacts["queue_a"].id)
    assert (taken.owner_id, taken.status) == (ring.anna.id, ContactStatus.OPEN)
    assert taken.opened_at is not None
    client.post("/logout")
    login(ring.aino)
    assert client.get(f"/contacts/{taken.id}").status_code == 404


def test_a_contact_taken_meanwhile_cannot_be_claimed_again(ring, contacts):
    contact = contacts["queue_a"]
    queue.claim(db.session, contact, ring.anna, utcnow())
    db.session.commit()
    with pytest.raises(Conflict):
        queue.claim(db.session, contact, ring.aino, utcnow())


def test_a_note_is_kept_on_the_contact_and_never_mailed(client, login, ring, contacts):
    login(ring.anna)
    contact = contacts["annas"]
    assert (
        client.post(f"/contacts/{contact.id}/note", data={"text": "Soita huomenna"}).status_code
        == 302
    )
    note = db.session.scalars(select(Message).where(Message.contact_id == contact.id)).one()
    assert note.direction == MessageDirection.NOTE and note.author_id == ring.anna.id
    assert db.session.scalars(select(OutboxMessage)).all() == []
    assert "Soita huomenna" in client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert client.post(f"/contacts/{contact.id}/note", data={"text": ""}).status_code == 400


def test_close_and_reopen_keep_the_timestamps_and_a_reopening_by_hand_tells_nobody(
    client, login, ring, contacts
):
    login(ring.anna)
    contact = contacts["annas"]
    client.post(f"/contacts/{contact.id}/close")
    db.session.expire_all()
    assert contact.status == ContactStatus.CLOSED and contact.closed_at is not None
    assert client.post(f"/contacts/{contact.id}/close").status_code == 302  # told, not broken
    client.post(f"/contacts/{contact.id}/reopen")
    db.session.expire_all()
    assert contact.status == ContactStatus.OPEN and contact.closed_at is None
    assert db.session.scalars(select(OutboxMessage)).all() == []  # she reopened it herself
    assert contact.events[-1].actor_id == ring.anna.id


def test_client_html_is_shown_only_sanitised(client, login, ring, contacts):
    contact = contacts["annas"]
    db.session.add(
        Message(
            contact_id=contact.id,
            direction=MessageDirection.IN,
            body_text="Hei",
            body_html='<p onclick="steal()">Hei<script>alert(1)</script></p>',
        )
    )
    db.session.commit()
    login(ring.anna)
    page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert "<script>alert" not in page and "steal()" not in page and "<p>Hei</p>" in page


def test_an_org_admin_reassigns_through_the_page_with_a_reason(client, login, ring, contacts):
    login(ring.admin_a)
    url = f"/contacts/{contacts['annas'].id}/reassign"
    assert client.post(url, data={"target": f"user:{ring.aino.id}"}).status_code == 400
    assert db.session.get(Contact, contacts["annas"].id).owner_id == ring.anna.id
    response = client.post(url, data={"target": f"user:{ring.aino.id}", "reason": "Loma"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Contact, contacts["annas"].id).owner_id == ring.aino.id
    assert "Loma" in client.get(f"/contacts/{contacts['annas'].id}").get_data(as_text=True)
    bert = ring.bert.id
    assert client.post(url, data={"target": f"user:{bert}", "reason": "x"}).status_code == 400
