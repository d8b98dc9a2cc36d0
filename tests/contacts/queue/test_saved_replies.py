"""Saved replies: kept by the coordinator (ring-wide) and organisation admins (their own), used
from a contact's reply box in the contact's language first. Status per role: test_permissions."""

from sqlalchemy import select

from rota.contacts.models import SavedReply
from rota.extensions import db


def saved(title, organisation=None, language="fi", text=None):
    row = SavedReply(
        organisation_id=organisation.id if organisation else None,
        language=language,
        title=title,
        text=text or f"Teksti: {title}",
    )
    db.session.add(row)
    db.session.commit()
    return row


def test_an_admin_keeps_their_organisations_replies_and_cannot_make_ring_wide_ones(
    client, login, ring
):
    login(ring.admin_a)
    form = client.get("/saved-replies/new").get_data(as_text=True)
    assert "The whole ring" not in form and "Org" in form
    fields = {"title": "Aukiolo", "language": "sv", "text": "Vi har öppet 9–16."}
    refused = client.post("/saved-replies/new", data={**fields, "organisation_id": ""})
    assert refused.status_code == 400 and db.session.scalars(select(SavedReply)).all() == []
    assert "Not a valid choice" in refused.get_data(as_text=True)
    done = client.post("/saved-replies/new", data={**fields, "organisation_id": ring.org_a.id})
    assert done.status_code == 302
    reply = db.session.scalars(select(SavedReply)).one()
    assert (reply.organisation_id, reply.language, reply.text) == (
        ring.org_a.id,
        "sv",
        "Vi har öppet 9–16.",
    )
    edited = {**fields, "organisation_id": ring.org_a.id, "text": "Vi har öppet 10–16."}
    assert client.post(f"/saved-replies/{reply.id}/edit", data=edited).status_code == 302
    db.session.expire_all()
    assert db.session.get(SavedReply, reply.id).text == "Vi har öppet 10–16."
    assert client.post(f"/saved-replies/{reply.id}/delete").status_code == 302
    assert db.session.scalars(select(SavedReply)).all() == []


def test_the_coordinator_keeps_ring_wide_replies_and_an_admin_only_reads_them(client, login, ring):
    login(ring.coordinator)
    fields = {
        "title": "Aukiolo",
        "language": "fi",
        "text": "Palvelemme 9–16.",
        "organisation_id": "",
    }
    assert client.post("/saved-replies/new", data=fields).status_code == 302
    reply = db.session.scalars(select(SavedReply)).one()
    assert reply.organisation_id is None
    client.post("/logout")
    login(ring.admin_a)
    listing = client.get("/saved-replies").get_data(as_text=True)
    assert "Palvelemme 9–16." in listing and "Kept by the coordinator" in listing
    assert f"/saved-replies/{reply.id}/edit" not in listing


def test_a_counsellor_answers_with_a_saved_reply_in_the_contacts_language_first(
    client, login, ring, make
):
    ring_fi = saved("Aukiolo", language="fi")
    own_sv = saved("Öppettider", ring.org_a, language="sv", text="Hej! Vi har öppet 9–16.")
    others = saved("Muiden", ring.org_b)
    contact = make.contact("Fråga", ring.anna, client_email="c@example.com", language="sv")
    login(ring.anna)
    page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    box = page[page.index('id="saved"') : page.index("</select>")]
    assert box.index(own_sv.title) < box.index(ring_fi.title) and others.title not in box
    filled = client.get(f"/contacts/{contact.id}?saved={own_sv.id}").get_data(as_text=True)
    assert "Hej! Vi har öppet 9–16.</textarea>" in filled
    assert client.get(f"/contacts/{contact.id}?saved={others.id}").status_code == 404
