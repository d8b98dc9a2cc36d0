"""The main journeys, end to end in Chromium against the live app."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from rota.db import utcnow
from rota.members.models import Organisation
from rota.schedule import service
from rota.schedule.models import Shift
from tests.browser.helpers import (
    COORDINATOR,
    ORG_ADMIN,
    OTHER_ADMIN,
    live_db,
    screenshot,
    sign_in,
    switch_language,
    tab_to,
    user,
)

pytestmark = pytest.mark.browser
NEW_MEMBER = "Jämsän aikuisopisto"


def _first_of_next_month(today: date) -> date:
    return (today.replace(day=1) + timedelta(days=32)).replace(day=1)


def _record_new_member(page, starts: date):
    """Add the organisation with the mouse, then record its signature by keyboard only."""
    page.goto("/organisations")
    page.get_by_role("link", name="Add a member organisation").click()
    page.get_by_label("Name", exact=True).fill(NEW_MEMBER)
    page.get_by_label("Short name").fill("JAO")
    page.get_by_label("E-mail address").fill("info@jao.example.fi")
    page.get_by_label("Phone").fill("014 123 4567")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_role("status").inner_text() == f"Member organisation {NEW_MEMBER} added."

    page.get_by_role("link", name="Record a signature").click()
    page.keyboard.press("Tab")  # the skip link, then into the form: keyboard only from here
    page.keyboard.press("Enter")
    for selector, text in (
        ("#signed_on", starts.strftime("%d%m%Y")),
        ("#signed_by_name", "Rehtori Riitta Rinne"),
        ("#valid_from", starts.strftime("%d%m%Y")),
        ("#commitment_amount", "12"),
        ("#cost_terms", "Counsellor costs: organisation."),
    ):
        tab_to(page, selector)
        page.keyboard.type(text)
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector(".flash-success")
    assert page.get_by_role("status").inner_text() == (
        f"Signature recorded for {NEW_MEMBER}. "
        "Check the re-plan of the unpublished weeks it needs, then apply it."
    )


def _apply_offered_replan(page) -> date:
    """The re-plan the signature leads to: the new member first in its per-member summary, its
    shifts among the changes; applied. The day of its first shift in the preview."""
    summary = page.locator("table").filter(has_text="Hours per member")
    gains = summary.locator("tbody tr").filter(has_text=NEW_MEMBER).inner_text()
    assert re.search(r"\+\d+\.\d h", gains) and "−0.0 h" in gains
    changes = page.locator("table").filter(has_text="would change").locator("tbody tr")
    mine = changes.filter(has_text=NEW_MEMBER)
    assert mine.count() > 0, "the re-plan gives the new member shifts"
    # few others: in the demo ring the Swedish slots and the monthly caps leave a member now and
    # then two slots behind its weekly share, and the re-plan evens that out too
    assert 2 * mine.count() >= changes.count(), "it moves few other shifts"
    day, month, year = re.search(r"(\d+)\.(\d+)\.(\d{4})", mine.first.inner_text()).groups()
    screenshot(page, "journey-replan")
    page.get_by_role("button", name="Apply these changes").click()
    assert re.fullmatch(r"\d+ shifts? changed\.", page.get_by_role("status").inner_text())
    return date(int(year), int(month), int(day))


def test_coordinator_records_a_new_member_and_applies_the_replan_it_offers(page):
    starts = _first_of_next_month(date.today())
    sign_in(page, COORDINATOR)
    switch_language(page, "en")
    _record_new_member(page, starts)
    first_shift = _apply_offered_replan(page)
    assert first_shift >= starts
    page.goto(f"/members?day={starts.isoformat()}")
    assert page.get_by_role("link", name=NEW_MEMBER).is_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Rota", exact=True).click()
    page.get_by_label("Show the period of").fill(first_shift.isoformat())
    page.get_by_role("button", name="Show").click()
    week = page.locator("table.rota")
    assert week.locator("tbody tr").filter(has_text=NEW_MEMBER).count() > 0
    screenshot(page, "rota-week")


def _offered_shift(live_server) -> tuple[int, str]:
    """Another organisation offers its next shift (as its admin does on the shift page)."""
    note = "Our counsellor is on a course that day."
    with live_db(live_server) as session:
        other = user(session, OTHER_ADMIN)
        shift = session.scalars(
            select(Shift)
            .where(Shift.organisation_id == other.organisation_id, Shift.starts_at > utcnow())
            .where(Shift.offered_at.is_(None))
            .order_by(Shift.starts_at)
            .limit(1)
        ).one()
        service.offer_shift(session, shift.id, other, note=note, now=utcnow())
        return shift.id, note


def test_organisation_admin_names_a_counsellor_and_takes_an_offered_shift(page, live_server):
    offered_id, note = _offered_shift(live_server)
    sign_in(page, ORG_ADMIN)
    switch_language(page, "en")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Our shifts").click()
    screenshot(page, "our-shifts")
    page.get_by_role("link", name=re.compile("^Name counsellor")).first.click()
    choice = page.get_by_label("Counsellor")
    name = choice.locator("option").nth(1).inner_text()
    choice.select_option(label=name)
    page.get_by_role("button", name="Save counsellor").click()
    assert page.get_by_role("status").inner_text() == "Counsellor saved."
    assert name in page.locator("dl.facts").inner_text()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Our shifts").click()
    offers = page.get_by_role("table", name="Shifts you can take")
    offers.locator("tbody tr").filter(has_text=note).get_by_role("button").click()
    assert page.get_by_role("status").inner_text() == (
        "The shift is now your organisation's. Name its counsellor."
    )
    with live_db(live_server) as session:
        shift = session.get(Shift, offered_id)
        ours = session.get(Organisation, user(session, ORG_ADMIN).organisation_id)
        assert (shift.organisation_id, shift.offered_at) == (ours.id, None)
        assert ours.name in page.locator("dl.facts").inner_text()


def test_coordinator_copies_a_calendar_feed_link_with_the_keyboard(new_page, live_server):
    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    sign_in(page, COORDINATOR)
    switch_language(page, "en")
    with page.expect_navigation():  # before Tab: the old page must be gone
        page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Calendar subscription"
        ).click()
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    ring = page.get_by_role("region", name="The whole ring")
    address = ring.get_by_label("Subscription address").input_value()
    tab_to(page, "#feed-1 ~ button")
    page.keyboard.press("Enter")
    assert ring.get_by_role("status").inner_text() == "Copied to the clipboard."
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == address
    assert re.fullmatch(re.escape(live_server.url) + r"/feeds/rota_[\w-]+/ring\.ics", copied)
    assert copied.startswith("https://")
    feed = page.request.get(copied)
    assert feed.status == 200 and feed.text().startswith("BEGIN:VCALENDAR")
    screenshot(page, "subscribe-links")


def test_organisation_admin_names_a_counsellor_on_four_shifts_in_one_action(page, live_server):
    next_month = _first_of_next_month(date.today())
    sign_in(page, ORG_ADMIN)
    switch_language(page, "en")
    page.goto(f"/rota/month?day={next_month.isoformat()}")
    choices = page.locator("input[name=shift_ids]")
    assert choices.count() >= 4, "the demo gives Gradia at least four shifts a month"
    picked = [int(choices.nth(n).get_attribute("value")) for n in range(4)]
    for n in range(4):  # by keyboard: focus each check box and press Space
        choices.nth(n).focus()
        page.keyboard.press("Space")
    assert [choices.nth(n).is_checked() for n in range(4)] == [True] * 4
    choice = page.get_by_label("Counsellor")
    name = choice.locator("option").nth(1).inner_text().rsplit(" (", 1)[0]
    choice.select_option(index=1)
    screenshot(page, "journey-name-on-four-shifts")
    page.get_by_role("button", name="Name on the chosen shifts").click()
    status = page.get_by_role("status")
    assert status.inner_text() == f"{name} is named on 4 shifts."
    assert page.evaluate("() => document.activeElement.classList.contains('messages')")
    assert page.url.endswith(f"/rota/month?day={next_month.isoformat()}")
    with live_db(live_server) as session:
        named = {session.get(Shift, shift_id).counsellor.name for shift_id in picked}
    assert named == {name}
