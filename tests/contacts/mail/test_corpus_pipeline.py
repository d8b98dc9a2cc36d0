"""The odd real-world corpus through the whole pipeline: IMAP -> raw -> contact or listed failure."""

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from rota.contacts.mail.poll import poll_mailbox
from rota.contacts.models import Contact, Message, MessageDirection, RawMessage, RawStatus
from rota.extensions import db
from tests.contacts.mail.helpers import NOW, count, imap_config, send_mail_to

CORPUS = sorted(Path(__file__).with_name("corpus").glob("*.eml"))
ACTIVE_HTML = re.compile(r"<script|javascript:|\son\w+\s*=|<iframe|<object|<embed", re.I)
NOT_MAIL = {"25_not_an_email.eml", "26_empty_file.eml"}


@pytest.fixture
def app_config(app_config, imap_mailbox, smtp_sink):
    app_config.update(imap_config(imap_mailbox))
    app_config["MAIL_OWN_ADDRESSES"] = ["vagledning@ohjaamo.example"]
    return send_mail_to(app_config, smtp_sink)


@pytest.fixture
def ingested(app, imap_mailbox):
    """Every corpus file delivered to the real mailbox and polled once; the report."""
    for path in CORPUS:
        imap_mailbox.append(path.read_bytes())
    return poll_mailbox(db.session, app.config, NOW)


def test_every_corpus_message_ends_as_a_contact_or_a_listed_failure(app, ingested):
    rows = db.session.scalars(select(RawMessage).order_by(RawMessage.uid)).all()
    assert len(rows) == len(CORPUS) == ingested.fetched
    for path, row in zip(CORPUS, rows, strict=True):
        if path.name in NOT_MAIL:
            assert row.status == RawStatus.FAILED and row.error, path.name
            continue
        assert row.status == RawStatus.INGESTED, f"{path.name}: {row.status} {row.error}"
        message = db.session.scalar(select(Message).where(Message.raw_id == row.id))
        assert message.contact_id == row.contact_id, path.name
    assert ingested.failed == len(NOT_MAIL)


def test_the_failures_are_listed_for_the_coordinator(app, ingested, client, login, make):
    login(make.coordinator())
    page = client.get("/mail").get_data(as_text=True)
    # neither can ever be read: a reason a person understands, and no "re-process" on offer
    assert page.count("This is not a readable e-mail message") == len(NOT_MAIL)
    assert "Re-process message" not in page
    assert "the message is empty" in page and "no header fields" in page


def test_no_acknowledgement_goes_to_automatic_mail(app, ingested, smtp_sink):
    incoming = db.session.scalars(
        select(Message).where(Message.direction == MessageDirection.IN)
    ).all()
    automatic = {m.message_id for m in incoming if m.automatic}
    synthetic = {m.message_id for m in incoming if m.message_id.endswith("@rota.invalid>")}
    answered = {m.message["In-Reply-To"] for m in smtp_sink.messages}
    assert len(automatic) >= 6
    assert answered.isdisjoint(automatic)
    assert all(m.message["Auto-Submitted"] == "auto-replied" for m in smtp_sink.messages)
    persons = {m.from_addr.lower() for m in incoming if not m.automatic}
    assert len(smtp_sink.messages) == ingested.acknowledged == len(persons)
    assert answered <= {m.message_id for m in incoming} - automatic - synthetic | {None}


def test_no_script_survives_in_stored_or_rendered_html(app, ingested, client, login, make):
    stored = db.session.scalars(select(Message.body_html).where(Message.body_html.is_not(None)))
    stored = list(stored)
    assert stored and not [html for html in stored if ACTIVE_HTML.search(html)]
    xss = db.session.scalar(select(Message).where(Message.body_html.contains("Safe paragraph")))
    login(make.coordinator())
    if "contacts.show" in app.view_functions:
        page = client.get(f"/contacts/{xss.contact_id}").get_data(as_text=True)
        main = page.split('<main id="main"', 1)[1]
        assert "Safe paragraph" in main and not ACTIVE_HTML.search(main)


def test_a_second_poll_of_the_same_corpus_adds_nothing(app, ingested, imap_mailbox):
    contacts = count(Contact)
    imap_mailbox.set_uidvalidity()
    again = poll_mailbox(db.session, app.config, NOW)
    assert again.fetched == len(CORPUS)
    assert again.new_contacts == again.threaded == 0
    assert count(Contact) == contacts
