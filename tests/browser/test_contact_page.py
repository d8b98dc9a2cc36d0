"""The contact page as a conversation, in a real browser: a counsellor downloads a client's
attachment, answers with a saved reply and logs a call at the default time; a coordinator finds
the client's earlier contact by phone number; no page wider than a 320 px phone, no axe
violation in fi, sv or en. With ROTA_DOC_SCREENSHOTS=1 it also refreshes docs/screenshots/."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from rota.contacts.models import Attachment, Call, Contact, Message, MessageDirection, SavedReply
from rota.db import utcnow
from tests.browser.helpers import (
    COORDINATOR,
    COUNSELLOR,
    LANGUAGES,
    ROOT,
    axe_violations,
    live_db,
    sign_in,
    switch_language,
    user,
)

pytestmark = pytest.mark.browser
PHONE = "+358401234560"
PDF = b"%PDF-1.4\n% CV of Aino\n%%EOF\n"
SAVED = "Hei! Palvelemme puhelimessa ma–to klo 9–15."


def _client_with_two_contacts(live_server) -> tuple[int, str, str]:
    """A counsellor's open contact with a CV attached, and the same client's earlier one."""
    with live_db(live_server) as session:
        counsellor = user(session, COUNSELLOR)
        now = utcnow()
        client = {"client_name": "Aino Asiakas", "client_phone": PHONE, "language": "fi"}
        earlier = Contact(
            channel="phone",
            subject="Soitto",
            status="closed",
            received_at=now - timedelta(days=9),
            **client,
        )
        contact = Contact(
            channel="email",
            subject="Hakemus ja CV",
            client_email="aino.asiakas@example.com",
            owner_id=counsellor.id,
            organisation_id=counsellor.organisation_id,
            status="open",
            received_at=now - timedelta(hours=1),
            **client,
        )
        session.add_all([earlier, contact])
        session.flush()
        earlier.reference, contact.reference = f"R-{earlier.id}", f"R-{contact.id}"
        message = Message(
            contact_id=contact.id,
            direction=MessageDirection.IN,
            from_addr="aino.asiakas@example.com",
            from_name="Aino Asiakas",
            body_text="Hei! Liitteenä CV:ni. " + "Pitkä rivi ilman välilyöntejä:" + "x" * 300,
            message_id="<cv-1@example.com>",
            created_at=now - timedelta(hours=1),
        )
        session.add(message)
        session.flush()
        session.add(
            Attachment(
                message_id=message.id,
                filename="aino-cv.pdf",
                content_type="application/pdf",
                size=len(PDF),
                data=PDF,
            )
        )
        if session.scalar(select(SavedReply.id).where(SavedReply.title == "Aukioloajat")) is None:
            session.add(SavedReply(language="fi", title="Aukioloajat", text=SAVED))
        return contact.id, contact.reference, earlier.reference


def test_counsellor_downloads_the_cv_answers_with_a_saved_reply_and_logs_a_call(page, live_server):
    contact_id, reference, _earlier = _client_with_two_contacts(live_server)
    sign_in(page, COUNSELLOR)
    switch_language(page, "en")
    page.goto(f"/contacts/{contact_id}")

    with page.expect_download() as download:
        page.get_by_role("link", name="aino-cv.pdf").click()
    saved = download.value
    assert saved.failure() is None and saved.suggested_filename == "aino-cv.pdf"
    assert Path(saved.path()).read_bytes() == PDF

    page.get_by_label("Saved reply").select_option(label="Aukioloajat (fi)")
    page.get_by_role("button", name="Put in the reply box").click()
    assert page.get_by_label("Your reply").input_value() == SAVED
    page.get_by_role("button", name="Send reply").click()
    assert page.get_by_role("status").inner_text() == (
        "Reply saved; it is sent from the ring's address."
    )
    assert page.locator("li.message-out").filter(has_text="Palvelemme puhelimessa").count() == 1

    assert page.get_by_label("Time of the call").input_value()  # prefilled: nothing to type
    assert page.get_by_label("Caller's number").input_value() == PHONE
    page.get_by_role("radio", name="Answered").check()
    page.get_by_role("button", name="Log the call").click()
    assert page.get_by_role("status").inner_text() == "Call logged."
    with live_db(live_server) as session:
        call = session.scalars(select(Call).where(Call.contact_id == contact_id)).one()
        assert abs(call.started_at - utcnow()) < timedelta(hours=1)


def test_coordinator_finds_the_clients_earlier_contact_by_phone_number(page, live_server):
    contact_id, reference, earlier = _client_with_two_contacts(live_server)
    sign_in(page, COORDINATOR)
    switch_language(page, "en")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    page.get_by_role("searchbox").fill("040 123 4560")
    page.get_by_role("button", name="Search").click()
    found = page.get_by_role("table", name="Contacts you can see that match, newest first")
    assert found.get_by_role("link", name=reference).is_visible()
    found.get_by_role("link", name=earlier).click()
    others = page.locator("ul.earlier")
    assert others.get_by_role("link", name=reference).is_visible()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_contact_page_fits_a_phone_and_has_no_axe_violation(new_page, live_server, language):
    contact_id, _reference, _earlier = _client_with_two_contacts(live_server)
    for width in (1280, 320):
        page = new_page(width=width, height=900 if width > 320 else 640)
        sign_in(page, COUNSELLOR)
        switch_language(page, language)
        page.goto(f"/contacts/{contact_id}")
        wide = page.evaluate("() => document.documentElement.scrollWidth")
        assert wide <= width, f"{language} at {width} px: the page is {wide} px wide"
        assert axe_violations(page) == [], f"{language} at {width} px"
        if width == 320:
            drawer = page.locator("details[data-drawer]")
            assert drawer.get_attribute("open") is None  # folded on a phone: the thread first
        if language == "fi" and os.environ.get("ROTA_DOC_SCREENSHOTS"):
            path = ROOT / "docs" / "screenshots" / f"contact-{width}.png"
            page.screenshot(path=str(path), full_page=True)
