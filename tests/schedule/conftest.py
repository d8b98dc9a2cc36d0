"""Fixtures of the schedule tests."""

import pytest

from rota.extensions import db


@pytest.fixture
def shift(ring, make):
    """A planned phone shift of Org A, Monday 30 March 2026 09:00–12:00, with no counsellor."""
    row = make.shift(ring.org_a, start="2026-03-30T09:00")
    db.session.commit()
    return row
