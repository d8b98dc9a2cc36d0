"""Replies go out from the shared address through a real SMTP server, threaded and safe."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from rota.contacts.models import Contact, ContactStatus, Message, MessageDirection
from rota.contacts.routing.service import route_new_contact
from rota.db import utcnow
from rota.extensions import db, mail
from rota.forms import deliver_mail
from rota.outbox.delivery import deliver
from rota.outbox.models import OutboxMessage, OutboxStatus

EVIL_NAME = "Eve\r\nBcc: victim@evil.example"
EVIL_SUBJECT = "Help\r\nBcc: victim@evil.example\r\nX-Injected: yes"


@pytest.fixture
def app_config(app_config, smtp_sink):
    app_config.update(
        MAIL_PORT=smtp_sink.port,
        MAIL_SUPPRESS_SEND=False,  # Flask-Mail suppresses sending when TESTING
        RING_NAME="Ohjausrengas",
        RING_EMAIL="ohjaus@rengas.fi",
    )
    return app_config


@pytest.fixture
def thread(app, make, login):
    """A counsellor's contact with two incoming e-mails; the counsellor is signed in."""
    anna = make.counsellor(name="Anna")
    contact = Contact(
        channel="email",
        reference="R-77",
        subject="Re: Hakemus [#R-77]",
        client_name="Client",
        client_email="client@example.com",
        owner_id=anna.id,
        organisation_id=anna.organisation_id,
    )
    db.session.add(contact)
    db.session.flush()
    for n, text in enumerate(["Ensimmäinen viesti", "Toinen viesti\nrivi 2"], start=1):
        db.session.add(
            Message(
                contact_id=contact.id,
                direction=MessageDirection.IN,
                message_id=f"<m{n}@client.example>",
                from_addr="client@example.com",
                from_name="Client",
                subject=contact.subject,
                body_text=text,
                created_at=utcnow() - timedelta(hours=3 - n),
            )
        )
    db.session.commit()
    login(anna)
    return contact


def test_a_reply_goes_from_the_ring_address_threaded_tagged_and_quoted(client, thread, smtp_sink):
    response = client.post(f"/contacts/{thread.id}/reply", data={"text": "Hei, autamme."})
    assert response.status_code == 302
    received = smtp_sink.wait_for(1)[0]
    msg = received.message
    assert msg["From"] == "Ohjausrengas <ohjaus@rengas.fi>"
    assert received.rcpt_tos == ("client@example.com",)
    assert msg["Subject"] == "Re: Hakemus [#R-77]"
    assert msg["In-Reply-To"] == "<m2@client.example>"
    assert msg["References"] == "<m1@client.example> <m2@client.example>"
    body = msg.get_content().replace("\r\n", "\n")
    assert body.startswith("Hei, autamme.") and "> Toinen viesti\n> rivi 2" in body
    assert re.search(r"\nOn \d{1,2} \w+ \d{4} at \d\d:\d\d, Client wrote:\n", body)  # en_GB
    db.session.expire_all()
    contact = db.session.get(Contact, thread.id)
    assert contact.first_response_at is not None and contact.status == ContactStatus.OPEN
    page = client.get(f"/contacts/{thread.id}").get_data(as_text=True)
    assert "delivery-sent" in page and "Hei, autamme." in page


def test_the_reference_tag_is_added_once_and_re_is_not_doubled(client, thread, smtp_sink):
    thread.subject = "RE: Sv: Hakemus"
    db.session.commit()
    client.post(f"/contacts/{thread.id}/reply", data={"text": "Hei"})
    assert smtp_sink.wait_for(1)[0].message["Subject"] == "Re: Hakemus [#R-77]"


def test_a_name_or_subject_with_line_breaks_cannot_inject_headers(client, thread, smtp_sink):
    thread.client_name, thread.subject = EVIL_NAME, EVIL_SUBJECT
    db.session.commit()
    assert client.post(f"/contacts/{thread.id}/reply", data={"text": "Hei"}).status_code == 302
    received = smtp_sink.wait_for(1)[0]
    assert received.rcpt_tos == ("client@example.com",)
    assert received.message["Bcc"] is None and received.message["X-Injected"] is None
    assert b"\r\nBcc:" not in received.raw and b"\nX-Injected:" not in received.raw
    assert "Bcc: victim@evil.example" in received.message["Subject"]  # kept, on one line


def test_an_empty_reply_is_refused_and_nothing_is_queued(client, thread, smtp_sink):
    response = client.post(f"/contacts/{thread.id}/reply", data={"text": "  "})
    assert response.status_code == 400
    assert 'class="error" id="text-error"' in response.get_data(as_text=True)
    assert db.session.scalars(select(OutboxMessage)).all() == []
    assert smtp_sink.messages == []


def test_smtp_down_keeps_the_reply_queued_and_delivers_it_exactly_once(
    app, client, thread, smtp_sink
):
    smtp_sink.stop()
    response = client.post(f"/contacts/{thread.id}/reply", data={"text": "Palaamme asiaan."})
    assert response.status_code == 302
    row = db.session.scalars(select(OutboxMessage)).one()
    assert (row.status, row.attempts) == (OutboxStatus.QUEUED, 1)
    page = client.get(f"/contacts/{thread.id}").get_data(as_text=True)
    assert "delivery-queued" in page and "queued, not sent yet" in page
    assert "the mail server could not be reached" in page and "Palaamme asiaan." in page
    assert "ConnectionRefusedError" not in page and "Errno" not in page  # never the raw exception
    assert deliver(db.session, mail, utcnow()) == 0  # not due yet: back-off
    smtp_sink.start()
    later = utcnow() + timedelta(minutes=5)
    assert deliver(db.session, mail, later) == 1
    assert deliver(db.session, mail, later + timedelta(hours=1)) == 0
    assert len(smtp_sink.wait_for(1)) == 1
    assert "Palaamme asiaan." in smtp_sink.messages[0].message.get_content()
    assert len(smtp_sink.messages) == 1
    db.session.expire_all()
    assert "delivery-sent" in client.get(f"/contacts/{thread.id}").get_data(as_text=True)
    assert db.session.get(OutboxMessage, row.id).status == OutboxStatus.SENT


def test_a_reply_on_a_closed_contact_is_refused(client, thread, smtp_sink):
    thread.status = ContactStatus.CLOSED
    db.session.commit()
    response = client.post(f"/contacts/{thread.id}/reply", data={"text": "Hei"})
    assert response.status_code == 400
    assert "Reopen it to reply" in response.get_data(as_text=True)
    assert db.session.scalars(select(Message).where(Message.direction == "out")).all() == []


def test_the_counsellor_on_duty_gets_one_notification_without_the_clients_text(
    app, make, smtp_sink
):
    anna = make.counsellor(name="Anna", languages=["sv"])
    make.shift(anna.organisation, "2026-03-30T09:00", channel="email", counsellor=anna)
    contact = Contact(channel="email", subject="Hemligt ärende", client_email="c@example.com")
    route_new_contact(
        db.session, contact, datetime(2026, 3, 30, 7, tzinfo=UTC), make.mail_settings()
    )
    db.session.commit()
    assert deliver_mail() == 1
    received = smtp_sink.wait_for(1)[0]
    assert received.rcpt_tos == (anna.email,)
    assert contact.reference in received.message["Subject"]
    body = received.message.get_content()
    assert f"/contacts/{contact.id}" in body and "Hemligt" not in body
    assert deliver_mail() == 0


@pytest.fixture
def new_address(thread):
    """A third mail on the contact, in its thread (In-Reply-To) but from an address not seen."""
    db.session.add(
        Message(
            contact_id=thread.id,
            direction=MessageDirection.IN,
            message_id="<m3@employer.example>",
            in_reply_to="<m2@client.example>",
            from_addr="someone@employer.example",
            from_name="Someone",
            subject=thread.subject,
            body_text="Lähetä vastaus tänne",
            created_at=utcnow(),
        )
    )
    db.session.commit()
    return "someone@employer.example"


def test_a_reply_goes_to_the_participants_never_silently_to_a_new_address(
    client, thread, new_address, smtp_sink
):
    page = client.get(f"/contacts/{thread.id}").get_data(as_text=True)
    assert "New address in this conversation" in page
    assert page.count("New address in this conversation") == 1

    client.post(f"/contacts/{thread.id}/reply", data={"text": "Hei."})
    assert smtp_sink.wait_for(1)[0].rcpt_tos == ("client@example.com",)


def test_a_new_address_gets_the_reply_only_when_the_counsellor_adds_it(
    client, thread, new_address, smtp_sink
):
    data = {"text": "Hei molemmille.", "also_to": [new_address]}
    assert client.post(f"/contacts/{thread.id}/reply", data=data).status_code == 302
    assert set(smtp_sink.wait_for(1)[0].rcpt_tos) == {"client@example.com", new_address}
    page = client.get(f"/contacts/{thread.id}").get_data(as_text=True)
    assert "added to the conversation" in page and new_address in page

    client.post(f"/contacts/{thread.id}/reply", data={"text": "Toinen vastaus."})
    assert set(smtp_sink.wait_for(2)[1].rcpt_tos) == {"client@example.com", new_address}


def test_a_reply_cannot_be_sent_to_an_address_never_seen_in_the_thread(client, thread, smtp_sink):
    data = {"text": "Hei.", "also_to": ["anyone@elsewhere.example"]}
    assert client.post(f"/contacts/{thread.id}/reply", data=data).status_code == 400
    assert db.session.scalars(select(OutboxMessage)).all() == []
