"""A counsellor opens a routed e-mail contact, replies, and closes it; the reply really goes out.

The client's message arrives as the mailbox job sees it: raw RFC 5322 bytes stored first, then
ingested and routed by the job (rota.contacts.mail.poll.poll_mailbox) at an instant in a shift of
the counsellor's. The live app's mail goes to a real SMTP server whose inbox the test reads.
"""

from datetime import date, timedelta

import pytest

from rota.contacts.mail.poll import poll_mailbox
from rota.contacts.models import Contact, RawMessage, RawStatus
from tests import factories
from tests.browser.helpers import COUNSELLOR, live_db, screenshot, sign_in, switch_language, user

pytestmark = pytest.mark.browser
CLIENT = "matti.meikalainen@example.net"
SUBJECT = "Kysymys aikuiskoulutuksesta"
ANSWER = "Soita meille, niin katsotaan."
MESSAGE = f"""\
From: Matti Meikäläinen <{CLIENT}>
To: Ohjausrengas <ohjaus@example.fi>
Subject: {SUBJECT}
Date: Wed, 02 Apr 2031 10:12:00 +0300
Message-ID: <kysymys-1@example.net>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Hei, voiko oppisopimuksella opiskella, jos on jo ammatti?

Matti
"""


def _routed_contact(live_server) -> str:
    """Store the raw message, run the mailbox job during the counsellor's e-mail shift."""
    day = date(2031, 4, 2)
    with live_db(live_server) as session:
        counsellor = user(session, COUNSELLOR)
        shift = factories.shift(
            counsellor.organisation, day, channel="email", counsellor=counsellor
        )
        data = MESSAGE.replace("\n", "\r\n").encode()
        session.add(
            RawMessage(
                mailbox="ohjaus@example.fi@imap.example.fi/INBOX",
                uidvalidity=1,
                uid=1,
                message_id="",
                digest="",
                size=len(data),
                data=data,
                status=RawStatus.PENDING,
            )
        )
        session.commit()
        report = poll_mailbox(session, live_server.app.config, shift.starts_at + timedelta(hours=1))
        assert (report.new_contacts, report.failed) == (1, 0), report.summary()
        contact = session.query(Contact).filter_by(subject=SUBJECT).one()
        assert contact.owner_id == counsellor.id, "routed to the counsellor on duty"
        return contact.reference


def test_counsellor_opens_a_routed_email_contact_replies_and_closes_it(page, live_server):
    reference = _routed_contact(live_server)
    sign_in(page, COUNSELLOR)
    switch_language(page, "en")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My queue").click()
    mine = page.get_by_role("table", name="Open contacts, oldest first")
    mine.get_by_role("link", name=reference).click()
    page.get_by_role("button", name="Open: I am handling it").click()
    assert page.get_by_role("status").inner_text() == "The contact is yours now."

    with page.expect_response("**/session/alive") as typing:  # the session stays alive
        page.get_by_label("Your reply").fill(f"Hei Matti, kyllä voi. {ANSWER}")
    assert typing.value.status == 204
    page.get_by_role("button", name="Send reply").click()
    assert page.get_by_role("status").inner_text() == (
        "Reply saved; it is sent from the ring's address."
    )
    sent = page.locator("li.message-out").filter(has_text=ANSWER)
    assert "sent" in sent.locator(".badge").inner_text()
    screenshot(page, "contact")
    replies = [m for m in live_server.mail.messages if CLIENT in m.rcpt_tos]
    reply = [m.message for m in replies if ANSWER in m.message.get_body().get_content()]
    assert len(reply) == 1, [m.message["Subject"] for m in replies]
    assert reply[0]["In-Reply-To"] == "<kysymys-1@example.net>"
    assert SUBJECT in reply[0]["Subject"] and reply[0]["From"].endswith("<ohjaus@example.fi>")

    page.get_by_role("button", name="Close").click()
    assert page.get_by_role("status").inner_text() == "Contact closed."
    assert page.locator(".contact-summary .badge").inner_text() == "closed"
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My queue").click()
    closed = page.get_by_role("table", name="The latest closed contacts you can see")
    assert closed.get_by_role("link", name=reference).is_visible()
