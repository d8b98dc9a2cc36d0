"""Merging a contact that mentions another into it: confirmed, recorded, only by who sees both."""

import pytest
from sqlalchemy import select

from rota.contacts.models import Contact, ContactEvent, Message, MessageDirection
from rota.extensions import db
from tests.contacts.mail.helpers import RING_EMAIL, contact_of, mail
from tests.contacts.mail.test_threads import CLIENT, STRANGER, deliver


@pytest.fixture
def app_config(app_config):
    app_config["RING_EMAIL"] = RING_EMAIL
    return app_config


@pytest.fixture
def mention(app, make):
    """The client's contact R-a and a stranger's contact that mentions it, both Anna's."""
    org = make.org(name="Org A")
    anna = make.counsellor(org, name="Anna")
    make.shift(org, channel="email", counsellor=anna)
    db.session.commit()
    deliver(app, mail(1, sender=CLIENT, subject="Hakemus"))
    clients = contact_of("<m1@example.fi>")
    deliver(app, mail(2, sender=STRANGER, subject=f"Re: Hakemus [#{clients.reference}]"))
    return clients, contact_of("<m2@example.fi>"), anna


def test_a_counsellor_merges_a_mentioning_contact_after_confirming(client, login, mention):
    clients, strangers, anna = mention
    login(anna)
    page = client.get(f"/contacts/{strangers.id}").get_data(as_text=True)
    assert f"Mentions {clients.reference} from another address." in page
    assert "mentions this contact from another address" in client.get(
        f"/contacts/{clients.id}"
    ).get_data(as_text=True)

    confirm = client.get(f"/contacts/{strangers.id}/merge?into={clients.reference}")
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert f"Merge {strangers.reference} into {clients.reference}?" in text
    assert "e-mails 2, calls 0" in text  # the stranger's mail and its acknowledgement
    assert db.session.get(Contact, strangers.id).merged_into_id is None  # nothing yet

    response = client.post(f"/contacts/{strangers.id}/merge", data={"into": clients.reference})
    assert response.headers["Location"].endswith(f"/contacts/{clients.id}")
    db.session.expire_all()
    incoming = select(Message.from_addr).where(
        Message.contact_id == clients.id, Message.direction == MessageDirection.IN
    )
    assert sorted(db.session.scalars(incoming)) == sorted([CLIENT, STRANGER])
    merged = db.session.get(Contact, strangers.id)
    assert (merged.status, merged.merged_into_id) == ("closed", clients.id)
    events = db.session.scalars(select(ContactEvent).where(ContactEvent.actor_id == anna.id))
    assert {(e.contact_id, e.kind, e.reason) for e in events} == {
        (clients.id, "merged", strangers.reference),
        (strangers.id, "merged_into", clients.reference),
    }
    page = client.get(f"/contacts/{clients.id}").get_data(as_text=True)
    assert "New address in this conversation" in page
    assert f"Goes to: {CLIENT}" in page


def test_nobody_merges_into_a_contact_they_may_not_see(client, login, make, mention):
    clients, strangers, _anna = mention
    strangers.owner_id = None
    strangers.organisation_id = (bert := make.counsellor(name="Bert")).organisation_id
    db.session.commit()
    login(bert)

    page = client.get(f"/contacts/{strangers.id}").get_data(as_text=True)
    assert f"{clients.reference} is not in your queues" in page
    response = client.post(f"/contacts/{strangers.id}/merge", data={"into": clients.reference})
    assert response.status_code == 400
    assert f"No contact {clients.reference} in your queues" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Contact, strangers.id).merged_into_id is None
    assert db.session.scalar(select(Message.contact_id).where(Message.from_addr == STRANGER)) == (
        strangers.id
    )


def test_a_contact_is_never_merged_into_itself_or_twice(client, login, mention):
    clients, strangers, anna = mention
    login(anna)
    itself = client.post(f"/contacts/{clients.id}/merge", data={"into": clients.reference})
    assert "cannot be merged into itself" in itself.get_data(as_text=True)
    client.post(f"/contacts/{strangers.id}/merge", data={"into": clients.reference})
    again = client.post(f"/contacts/{strangers.id}/merge", data={"into": clients.reference})
    assert again.status_code == 400
    assert "already merged" in again.get_data(as_text=True)


def test_the_tag_of_a_merged_contact_still_proves_nothing(app, client, login, mention):
    clients, strangers, anna = mention
    login(anna)
    client.post(f"/contacts/{strangers.id}/merge", data={"into": clients.reference})
    deliver(app, mail(3, sender=STRANGER, subject=f"Re: [#{strangers.reference}]"))
    deliver(app, mail(4, sender=CLIENT, subject=f"Re: [#{strangers.reference}]"))

    assert contact_of("<m3@example.fi>").mentions_id == clients.id
    assert contact_of("<m4@example.fi>").id == clients.id
