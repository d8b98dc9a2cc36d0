"""A swap request in Chromium: asked on the shift page, accepted on the swap requests page by
the other organisation's admin; axe-core finds no WCAG 2.1 AA violation on either page."""

import pytest
from sqlalchemy import select

from rota.db import utcnow
from rota.schedule.models import Shift
from tests.browser.helpers import (
    ORG_ADMIN,
    OTHER_ADMIN,
    axe_violations,
    live_db,
    sign_in,
    switch_language,
    user,
)

pytestmark = pytest.mark.browser


def _next_shift(session, email) -> int:
    organisation_id = user(session, email).organisation_id
    query = (
        select(Shift.id)
        .where(Shift.organisation_id == organisation_id, Shift.starts_at > utcnow())
        .order_by(Shift.starts_at)
        .limit(1)
    )
    return session.scalars(query).one()


def test_a_swap_asked_on_the_shift_page_and_accepted_by_the_other_admin(page, live_server):
    with live_db(live_server) as session:
        mine, theirs = _next_shift(session, ORG_ADMIN), _next_shift(session, OTHER_ADMIN)
    sign_in(page, ORG_ADMIN)
    switch_language(page, "en")
    page.goto(f"/shifts/{mine}")
    assert axe_violations(page) == []
    page.get_by_label("Swap for").select_option(value=str(theirs))
    page.locator("#swap-note").fill("A training day")
    page.get_by_role("button", name="Send the request").click()
    assert page.get_by_role("status").inner_text() == "Your swap request is sent."
    assert axe_violations(page) == []
    page.context.clear_cookies()
    sign_in(page, OTHER_ADMIN)
    switch_language(page, "en")
    page.goto("/swaps")
    row = page.locator("table tbody tr").filter(has_text="A training day")
    row.get_by_role("button", name="Accept").click()
    assert page.get_by_role("status").inner_text() == "You accepted the swap."
    assert "Done" in page.locator("table tbody tr").filter(has_text="A training day").inner_text()
    assert axe_violations(page) == []
    with live_db(live_server) as session:
        swapped = session.get(Shift, mine)
        assert swapped.organisation_id == user(session, OTHER_ADMIN).organisation_id
