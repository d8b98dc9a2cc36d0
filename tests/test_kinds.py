"""Event and change kinds are enums with one label table each, and every kind has a label."""

import pytest

from rota.contacts import events
from rota.contacts.models import ContactEventKind
from rota.schedule import labels
from rota.schedule.models import ShiftChangeKind


@pytest.mark.parametrize(
    ("kinds", "table"),
    [(ContactEventKind, events.LABELS), (ShiftChangeKind, labels.CHANGE_KINDS)],
    ids=["contact events", "shift changes"],
)
def test_every_kind_has_one_label(kinds, table):
    assert set(table) == set(kinds)


def test_a_stored_kind_finds_its_label_as_plain_text(app):
    assert str(events.LABELS["handed_over"]) == "moved at shift end"
    assert labels.change_label("take") == "Taken"
