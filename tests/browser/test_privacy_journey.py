"""The coordinator answers a client's request to be forgotten, in Chromium: find the client by
address, see what is held (an accessible page), erase with a reason, see the erasure recorded."""

import pytest
from sqlalchemy import select

from rota.contacts.models import Contact
from tests.browser.helpers import COORDINATOR, axe_violations, live_db, sign_in, switch_language

pytestmark = pytest.mark.browser
CLIENT = "unohda.minut@example.fi"


def test_the_coordinator_finds_and_erases_a_clients_data(page, live_server):
    with live_db(live_server) as session:
        contact = Contact(channel="email", subject="Poistettava asia", client_email=CLIENT)
        session.add(contact)
        session.flush()
        contact.reference, contact_id = f"R-{contact.id}", contact.id
    sign_in(page, COORDINATOR)
    switch_language(page, "en")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Privacy").click()
    page.get_by_label("Client's e-mail address").fill(CLIENT)
    page.get_by_role("button", name="Find the client's data").click()
    assert page.get_by_role("link", name=f"R-{contact_id}").is_visible()
    assert CLIENT not in page.url
    assert axe_violations(page) == []

    page.locator("#erase-reason").fill("The client's request by phone today")
    page.get_by_role("button", name="Erase the client's data").click()
    assert "This field is required." in page.locator("main").inner_text()  # not confirmed yet
    page.locator("#erase-reason").fill("The client's request by phone today")
    page.get_by_label("I understand that the client's data is erased for good.").check()
    page.get_by_role("button", name="Erase the client's data").click()
    assert page.get_by_role("status").inner_text() == "The client's data was erased."
    requests = page.get_by_role("table", name="Recorded requests, newest first")
    assert "The client's request by phone today" in requests.inner_text()
    assert CLIENT not in page.content()
    with live_db(live_server) as session:
        erased = session.scalar(select(Contact).where(Contact.id == contact_id))
        assert (erased.client_email, erased.subject) == ("", "")
