"""Threading: a reference tag proves nothing; mail joins a contact only through its thread or
its participants, and a stranger naming a client's reference gets a contact of their own."""

import pytest
from sqlalchemy import select

from rota.contacts.mail.ingest import ingest_pending
from rota.contacts.models import Contact, ContactEvent, ContactEventKind, Message, MessageDirection
from rota.extensions import db
from rota.outbox.models import OutboxMessage
from tests.contacts.mail.helpers import NOW, RING_EMAIL, contact_of, mail, store

CLIENT, STRANGER = "asiakas1@example.fi", "eve@attacker.example"


@pytest.fixture
def app_config(app_config):
    app_config["RING_EMAIL"] = RING_EMAIL
    return app_config


def deliver(app, *raws) -> None:
    """Mail arrives in the shared mailbox (one batch) and is ingested."""
    store(*raws)
    ingest_pending(db.session, app.config, NOW)


@pytest.fixture
def clients_contact(app):
    """The client's contact, opened by their first mail; the acknowledgement told its tag."""
    deliver(app, mail(1, sender=CLIENT, subject="Hakemus"))
    contact = contact_of("<m1@example.fi>")
    ack = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "acknowledgement"))
    assert ack.recipients == [CLIENT] and f"[#{contact.reference}]" in ack.subject
    return contact


def incoming(contact) -> list[str]:
    query = select(Message.from_addr).where(
        Message.contact_id == contact.id, Message.direction == MessageDirection.IN
    )
    return list(db.session.scalars(query.order_by(Message.id)))


def test_a_stranger_naming_a_clients_reference_opens_a_contact_that_mentions_it(
    app, clients_contact
):
    tag = clients_contact.reference
    deliver(app, mail(2, sender=STRANGER, subject=f"Re: Hakemus [#{tag}]"))

    theirs = contact_of("<m2@example.fi>")
    assert theirs.id != clients_contact.id
    assert (theirs.client_email, theirs.mentions_id) == (STRANGER, clients_contact.id)
    assert incoming(clients_contact) == [CLIENT]
    history = select(ContactEvent.reason).where(
        ContactEvent.contact_id == theirs.id, ContactEvent.kind == ContactEventKind.MENTIONED
    )
    assert db.session.scalars(history).all() == [tag]


def test_the_client_naming_their_own_reference_joins_their_contact(app, clients_contact):
    deliver(app, mail(2, sender=CLIENT, subject=f"Lisää [#{clients_contact.reference}]"))
    assert contact_of("<m2@example.fi>") == clients_contact
    assert incoming(clients_contact) == [CLIENT, CLIENT]


def test_in_one_batch_the_client_joins_and_the_stranger_does_not(app, clients_contact):
    tag = clients_contact.reference
    deliver(
        app,
        mail(2, sender=STRANGER, subject=f"Re: Hakemus [#{tag}]"),
        mail(3, sender=CLIENT, subject=f"Re: Hakemus [#{tag}]"),
        mail(4, sender=STRANGER, subject=f"Vielä [#{tag}]"),
    )
    assert contact_of("<m3@example.fi>") == clients_contact
    assert incoming(clients_contact) == [CLIENT, CLIENT]
    for message_id in ("<m2@example.fi>", "<m4@example.fi>"):
        assert contact_of(message_id).mentions_id == clients_contact.id


def test_a_reply_to_a_message_of_the_contact_joins_it_from_any_address(app, clients_contact):
    ack_id = db.session.scalar(
        select(OutboxMessage.message_id).where(OutboxMessage.kind == "acknowledgement")
    )
    forwarded = mail(
        2, sender="tyo@employer.example", subject="Re: Hakemus", headers={"In-Reply-To": ack_id}
    )
    deliver(app, forwarded)
    assert contact_of("<m2@example.fi>") == clients_contact


def test_a_stranger_cannot_reopen_a_closed_contact_by_its_tag(app, clients_contact):
    clients_contact.status = "closed"
    db.session.commit()
    deliver(app, mail(2, sender=STRANGER, subject=f"[#{clients_contact.reference}]"))
    db.session.expire_all()
    assert db.session.get(Contact, clients_contact.id).status == "closed"
