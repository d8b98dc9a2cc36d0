"""Every page, in Finnish, Swedish and English, passes axe-core's WCAG 2.1 AA rules."""

import pytest

from tests.browser.helpers import COORDINATOR, LANGUAGES, axe_violations, sign_in, switch_language
from tests.browser.sweep import sweep_pages

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sweep(browser, live_server):
    """One pass over every distinct page in the three languages (see tests/browser/sweep.py)."""
    return sweep_pages(browser, live_server)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_has_no_wcag_21_aa_violations(sweep, language):
    found = sweep.passes[language]
    assert len(found.statuses) == len(sweep.pages) > 30
    assert {url: status for url, status in found.statuses.items() if status != 200} == {}
    assert set(found.languages.values()) == {language}, "<html lang> is the page's language"
    assert not found.violations, "\n".join(found.violations)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_page_breaks_its_content_security_policy(sweep, language):
    refusals = sweep.passes[language].csp_refusals
    assert not refusals, "\n".join(refusals)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_no_english_words_on_finnish_and_swedish_pages(sweep, language):
    english = sweep.passes[language].english
    assert not english, "English on the page:\n" + "\n".join(english)


def test_every_page_fits_a_phone_screen_without_sideways_scrolling(sweep):
    assert not sweep.too_wide, "pages wider than a 320 px phone screen (fi, sv, en):\n" + "\n".join(
        sweep.too_wide
    )


def test_on_a_phone_the_navigation_folds_behind_a_menu_button(new_page):
    page = new_page(width=320, height=640)
    sign_in(page, COORDINATOR)
    switch_language(page, "fi")
    navigation = page.get_by_role("navigation", name="Päävalikko")
    assert not navigation.is_visible()
    menu = page.get_by_role("button", name="Valikko")
    menu.focus()
    page.keyboard.press("Enter")
    assert menu.get_attribute("aria-expanded") == "true"
    assert navigation.get_by_role("link", name="Jäsenorganisaatiot").is_visible()
    assert axe_violations(page) == []
