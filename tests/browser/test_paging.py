"""Page links of a long list: in a labelled nav, reached and followed with the keyboard,
and no WCAG 2.1 AA violations on a page that has them."""

from datetime import timedelta

import pytest

from rota.contacts.models import Contact
from rota.contacts.queue.service import PAGE_SIZE
from rota.db import utcnow
from tests.browser.helpers import COORDINATOR, axe_violations, live_db, sign_in, tab_to

pytestmark = pytest.mark.browser


def test_queue_pages_follow_with_the_keyboard(page, live_server):
    with live_db(live_server) as session:
        start = utcnow() - timedelta(days=2)
        session.add_all(
            Contact(
                channel="email", subject=f"Sivutus {n}", received_at=start + timedelta(minutes=n)
            )
            for n in range(PAGE_SIZE + 5)
        )
    sign_in(page, COORDINATOR)
    page.goto("/contacts")
    nav = page.locator("nav.pager").first
    assert nav.get_attribute("aria-label")
    assert axe_violations(page) == []
    tab_to(page, "nav.pager a[rel=next]", limit=400)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "=a" in url)
    assert page.locator("nav.pager a[rel=prev]").count() >= 1
    assert axe_violations(page) == []
