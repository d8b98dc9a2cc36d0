"""The read log: every opening of a contact page or one of its parts is one entry; the
coordinator reads it per contact and per person; a refused opening is not logged."""

from sqlalchemy import func, select

from rota.contacts.models import Attachment, Message
from rota.extensions import db
from rota.privacy.models import ReadEntry


def _contact_with_part(make, owner):
    contact = make.contact("Asia", owner, reference="R-5")
    message = Message(contact_id=contact.id, direction="in", body_text="Hei")
    db.session.add(message)
    db.session.flush()
    part = Attachment(
        message_id=message.id,
        filename="todistus.pdf",
        content_type="application/pdf",
        size=3,
        data=b"pdf",
    )
    db.session.add(part)
    db.session.commit()
    return contact, part


def test_each_opening_is_logged_and_the_coordinator_reads_it_per_contact_and_per_person(
    app, client, login, ring, make
):
    contact, part = _contact_with_part(make, ring.anna)
    login(ring.anna)
    assert client.get(f"/contacts/{contact.id}").status_code == 200
    assert client.get(f"/contacts/{contact.id}/attachments/{part.id}").status_code == 200
    client.post("/logout")
    login(ring.bert)  # another organisation's counsellor: refused, and not logged
    assert client.get(f"/contacts/{contact.id}").status_code == 404
    assert client.get(f"/contacts/{contact.id}/attachments/{part.id}").status_code == 404
    client.post("/logout")

    entries = db.session.scalars(select(ReadEntry).order_by(ReadEntry.id)).all()
    assert [(e.user_id, e.contact_id, e.attachment_id) for e in entries] == [
        (ring.anna.id, contact.id, None),
        (ring.anna.id, contact.id, part.id),
    ]
    login(ring.coordinator)
    page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert f'href="/contacts/{contact.id}/reads"' in page
    by_contact = client.get(f"/contacts/{contact.id}/reads").get_data(as_text=True)
    assert by_contact.count("Anna") == 2 and "file todistus.pdf" in by_contact
    assert "Coordinator" in by_contact  # the coordinator's own opening just now
    by_person = client.get(f"/people/{ring.anna.id}/reads").get_data(as_text=True)
    assert by_person.count("R-5") == 2 and "the contact page" in by_person
    people = client.get("/people").get_data(as_text=True)
    assert f'href="/people/{ring.anna.id}/reads"' in people


def test_only_the_coordinator_sees_the_read_log_link(app, client, login, ring, make):
    contact, _part = _contact_with_part(make, ring.anna)
    login(ring.anna)
    page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert "/reads" not in page
    assert db.session.scalar(select(func.count(ReadEntry.id))) == 1
