"""rota.contacts.mail.language: a deterministic fi / sv / en hint from stop words and the address."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rota.contacts.mail.language import detect_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hei, haluaisin kysyä miten voin hakea opiskelemaan. En ole varma mitä teen.", "fi"),
        ("Moi! Mä tarvitsen apua, kun en tiedä mitä tehdä syksyllä.", "fi"),
        ("Hej! Jag undrar hur jag ansöker till en utbildning och vad som händer sedan.", "sv"),
        ("Tack för hjälpen, jag vill också veta om det finns kurser på distans.", "sv"),
        ("Hello, I would like to know how I can apply for the course. Thank you!", "en"),
        ("Could you please help me with my application? I need it for the spring.", "en"),
    ],
)
def test_sentences_are_recognised_by_their_stop_words(text, language):
    assert detect_language(text) == language


def test_quoted_reply_lines_do_not_count():
    text = "Thank you, that is what I needed.\n\n> Hei, tässä on vastaus ja ohjeet, kiitos kun\n"
    assert detect_language(text) == "en"


@pytest.mark.parametrize(
    ("text", "address", "language"),
    [
        ("", "vagledning@ohjaamo.example", "sv"),
        ("OK", "Neuvonta@ohjaamo.example", "fi"),
        ("12345 ???", "guidance@ohjaamo.example", "en"),
        ("", "", None),
        ("Moi", "someone@ohjaamo.example", None),
    ],
)
def test_address_decides_when_the_text_says_too_little(text, address, language):
    assert detect_language(text, address) == language


def test_clear_text_wins_over_the_address():
    text = "Hej, jag har en fråga om att söka till gymnasiet och vad det kostar."
    assert detect_language(text, "neuvonta@ohjaamo.example") == "sv"


def test_a_tie_is_no_answer():
    assert detect_language("och the ja och the ja") is None


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(max_size=500), st.text(max_size=60))
def test_any_text_gives_one_of_the_languages_or_none_deterministically(text, address):
    result = detect_language(text, address)
    assert result in {"fi", "sv", "en", None}
    assert detect_language(text, address) == result
