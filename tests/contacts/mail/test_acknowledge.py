"""The acknowledgement: one per person per day, from the shared address, never to automatic mail."""

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from rota.contacts.mail.poll import poll_mailbox
from rota.contacts.models import Contact, Message, MessageDirection
from rota.extensions import db
from rota.schedule.models import PatternSlot, ServicePattern
from tests.contacts.mail.helpers import (
    NOW,
    RING_EMAIL,
    contact_of,
    count,
    imap_config,
    mail,
    send_mail_to,
)


@pytest.fixture
def app_config(app_config, imap_mailbox, smtp_sink):
    app_config.update(imap_config(imap_mailbox))
    return send_mail_to(app_config, smtp_sink)


def poll(app, now=NOW):
    return poll_mailbox(db.session, app.config, now)


def test_a_person_gets_one_acknowledgement_with_reference_from_the_shared_address(
    app, imap_mailbox, smtp_sink
):
    imap_mailbox.append(mail(1))
    report = poll(app)
    reference = contact_of("<m1@example.fi>").reference

    assert report.acknowledged == 1
    [ack] = smtp_sink.messages
    assert ack.rcpt_tos == ("asiakas1@example.fi",)
    assert RING_EMAIL in ack.message["From"]
    assert ack.message["Auto-Submitted"] == "auto-replied"
    assert ack.message["In-Reply-To"] == "<m1@example.fi>"
    assert f"[#{reference}]" in ack.message["Subject"]
    assert reference in ack.message.get_content()


def test_acknowledgement_text_per_language_with_opening_hours(app, imap_mailbox, smtp_sink):
    pattern = ServicePattern(name="Kevät", valid_from=date(2026, 1, 1))
    pattern.slots = [
        PatternSlot(weekday=0, start_time=time(9), end_time=time(12), channel="email"),
        PatternSlot(weekday=0, start_time=time(12), end_time=time(16), channel="email"),
        PatternSlot(weekday=2, start_time=time(10), end_time=time(14), channel="email"),
    ]
    db.session.add(pattern)
    db.session.commit()
    app.config["ACK_TEXT"] = {"fi": "Kiitos! Viite {reference}.\nAukioloajat:\n{hours}"}
    imap_mailbox.append(mail(1, body="Hei, minulla on kysymys ja en ymmärrä mitä pitää tehdä."))
    imap_mailbox.append(mail(2, body="Hello, I have a question and I would like to know more."))
    poll(app)

    fi, en = (m.message.get_content().replace("\r\n", "\n") for m in smtp_sink.messages)
    assert f"Viite {contact_of('<m1@example.fi>').reference}." in fi
    assert "Maanantai 09:00–16:00\nKeskiviikko 10:00–14:00" in fi
    assert "Monday 09:00–16:00" in en and "Wednesday 10:00–14:00" in en
    assert contact_of("<m2@example.fi>").reference in en


def test_at_most_one_acknowledgement_per_sender_per_day(app, imap_mailbox, smtp_sink):
    imap_mailbox.append(mail(1))
    imap_mailbox.append(mail(2, sender="asiakas1@example.fi"))
    poll(app)
    imap_mailbox.append(mail(3, sender="ASIAKAS1@example.fi"))
    poll(app, NOW + timedelta(hours=3))
    assert count(Contact) == 3
    assert len(smtp_sink.messages) == 1
    imap_mailbox.append(mail(4, sender="asiakas1@example.fi"))
    poll(app, NOW + timedelta(days=1))
    assert len(smtp_sink.messages) == 2


AUTOMATIC = {
    "auto-replied": {"Auto-Submitted": "auto-replied"},
    "auto-generated": {"Auto-Submitted": "auto-generated"},
    "bulk": {"Precedence": "bulk"},
    "junk": {"Precedence": "junk"},
    "list precedence": {"Precedence": "list"},
    "list id": {"List-Id": "<news.example.org>"},
    "x-autoreply": {"X-Autoreply": "yes"},
}


@pytest.mark.parametrize("headers", AUTOMATIC.values(), ids=AUTOMATIC.keys())
def test_automatic_mail_becomes_a_contact_but_gets_no_acknowledgement(
    app, imap_mailbox, smtp_sink, headers
):
    imap_mailbox.append(mail(1, headers=headers))
    report = poll(app)
    assert (report.new_contacts, report.acknowledged) == (1, 0)
    assert smtp_sink.messages == []


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.example.org", RING_EMAIL.upper()])
def test_bounces_and_our_own_address_get_no_acknowledgement(app, imap_mailbox, smtp_sink, sender):
    imap_mailbox.append(mail(1, sender=sender))
    assert poll(app).acknowledged == 0
    assert smtp_sink.messages == []


def test_a_reply_to_the_acknowledgement_joins_the_contact_without_another(
    app, imap_mailbox, smtp_sink
):
    imap_mailbox.append(mail(1))
    poll(app)
    ack_id = smtp_sink.messages[0].message["Message-ID"]
    reply = mail(2, sender="toinen@example.fi", headers={"In-Reply-To": ack_id})
    imap_mailbox.append(reply)
    report = poll(app, NOW + timedelta(days=2))

    assert (report.threaded, report.acknowledged) == (1, 0)
    assert contact_of("<m2@example.fi>") == contact_of("<m1@example.fi>")
    out = db.session.scalar(select(Message).where(Message.direction == MessageDirection.OUT))
    assert out.message_id == ack_id and out.automatic == "auto-replied"


def test_the_built_in_text_speaks_the_clients_language(app, imap_mailbox, smtp_sink):
    imap_mailbox.append(mail(1, body="Hej, jag har en fråga och jag vill veta hur det är."))
    imap_mailbox.append(mail(2, body="Hei, minulla on kysymys ja en tiedä mitä pitää tehdä."))
    poll(app)
    sv, fi = (m.message.get_content() for m in smtp_sink.messages)
    assert "Ditt referensnummer är R-" in sv and "automatiskt svar" in sv
    assert "Viitteesi on R-" in fi and "automaattinen vastaus" in fi


DISGUISED_FROM = "=?utf-8?q?x:victim@other.example;?= <real@client.example>"


def test_an_address_hidden_in_the_display_name_never_gets_the_acknowledgement(
    app, imap_mailbox, smtp_sink
):
    raw = mail(1).replace(
        b"From: Asiakas 1 <asiakas1@example.fi>", f"From: {DISGUISED_FROM}".encode()
    )
    imap_mailbox.append(raw)
    poll(app)

    contact = contact_of("<m1@example.fi>")
    assert contact.client_email == "real@client.example"
    [ack] = smtp_sink.messages
    assert ack.rcpt_tos == ("real@client.example",)
