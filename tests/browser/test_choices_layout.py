"""Radio buttons sit on the line of their label, and keyboard focus on them stays visible."""

from tests.browser.helpers import COUNSELLOR, sign_in, switch_language, tab_to


def test_each_outcome_radio_sits_on_the_same_line_as_its_label(page, live_server):
    sign_in(page, COUNSELLOR)
    switch_language(page, "en")
    page.goto(f"{live_server.url}/calls/new")
    radios = page.locator("fieldset .choices input[type=radio]")
    assert radios.count() >= 2
    for index in range(radios.count()):
        radio = radios.nth(index)
        label = page.locator(f"label[for='{radio.get_attribute('id')}']")
        box, text = radio.bounding_box(), label.bounding_box()
        assert text["x"] > box["x"] + box["width"], "the label follows the radio"
        middle = box["y"] + box["height"] / 2
        assert text["y"] <= middle <= text["y"] + text["height"], "on the same line"
    tab_to(page, "fieldset .choices input[type=radio]")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid", "the keyboard focus shows"
