"""What may be sent: supported days, wall-clock times across both DST changes, numbers, text."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from flask_wtf import FlaskForm

from rota import inputs
from rota.forms import Form

HELSINKI = ZoneInfo("Europe/Helsinki")


def test_supported_days_run_from_1900_to_2999():
    assert inputs.supported_day(date(1900, 1, 1)) and inputs.supported_day(date(2999, 12, 31))
    assert not inputs.supported_day(date(1899, 12, 31))
    assert not inputs.supported_day(datetime(3000, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("0", 0),
        ("10080", 10080),
        ("²", None),
        ("١٢", None),
        ("-1", None),
        ("1e3", None),
        ("", None),
        ("1234567890", None),
    ],
)
def test_whole_numbers_are_ascii_digits_only(raw, number):
    assert inputs.whole_number(raw) == number


def test_a_wall_clock_time_happens_once_on_an_ordinary_day():
    [moment] = inputs.occurrences(datetime(2026, 3, 30, 9, 0), HELSINKI)
    assert moment.astimezone(UTC) == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)


def test_the_hour_the_clocks_skip_in_spring_never_happens():
    assert inputs.occurrences(datetime(2026, 3, 29, 3, 30), HELSINKI) == []
    assert len(inputs.occurrences(datetime(2026, 3, 29, 4, 0), HELSINKI)) == 1


def test_the_hour_the_clocks_repeat_in_autumn_happens_twice_summer_time_first():
    first, second = inputs.occurrences(datetime(2026, 10, 25, 3, 30), HELSINKI)
    assert first.isoformat() == "2026-10-25T03:30:00+03:00"
    assert second.isoformat() == "2026-10-25T03:30:00+02:00"


@pytest.mark.parametrize(
    ("text", "multiline", "refused"),
    [
        ("Åsa Öhman-Nieminen", False, False),
        ("Gradia\x07", False, True),
        ("Gra\x00dia", True, True),
        ("ESC\x1b[31m", True, True),
        ("C1\x85control", False, True),
        ("tab\there", False, True),
        ("tab\there\r\nand lines", True, False),
        ("bidi\u202eoverride", False, True),
        ("bidi\u202eoverride in a message", True, False),
        ("line\u2028separator", False, True),
        ("lone \ud800 surrogate", True, True),
    ],
)
def test_control_characters(text, multiline, refused):
    assert inputs.has_control_characters(text, multiline) is refused


def test_every_form_of_the_app_is_a_rota_form(app):
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = [f for f in subclasses(FlaskForm) if f.__module__.startswith("rota.")]
    assert ours and [f for f in ours if not issubclass(f, Form)] == []
