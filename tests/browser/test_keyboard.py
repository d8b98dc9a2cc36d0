"""Keyboard only: the skip link, visible focus, and forms filled and sent without a mouse."""

import pytest

from tests.browser.helpers import DEMO_PASSWORD, focused_id, tab_to

pytestmark = pytest.mark.browser
KEYBOARD_USER = "admin@jamk.example.fi"  # nobody else signs in as them: no language set


def test_sign_in_with_the_keyboard_only(page):
    page.goto("/login")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    assert skip.bounding_box()["x"] >= 0, "the skip link shows when it has focus"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert focused_id(page) == "email", "after the skip link, the first field is next"
    page.keyboard.type(KEYBOARD_USER)
    for field, text in (("password", DEMO_PASSWORD), ("remember", None)):
        page.keyboard.press("Tab")
        assert focused_id(page) == field
        assert (
            page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"
        )
        if text:
            page.keyboard.type(text)
    page.keyboard.press("Space")
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)
    assert page.locator("h1").inner_text().startswith("Tervetuloa")
