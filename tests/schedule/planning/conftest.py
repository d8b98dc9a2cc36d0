"""Fixtures of the planning tests."""

import pytest

from rota.extensions import db


@pytest.fixture
def committed(app, make):
    """Two organisations committed 20 h and 10 h a month, open-ended from 2024."""
    agreement = make.agreement()
    big, small = make.org(short_name="BIG"), make.org(short_name="SMALL")
    make.signature(big, agreement, commitment_amount=20)
    make.signature(small, agreement, commitment_amount=10)
    db.session.commit()
    return agreement, big, small
