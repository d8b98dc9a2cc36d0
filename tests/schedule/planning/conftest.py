"""Fixtures of the planning tests."""

import pytest

from rota.extensions import db


@pytest.fixture
def committed(app, make):
    """Two organisations committed 120 h and 60 h a month (more than the service hours of the
    tests need), open-ended from 2024."""
    agreement = make.agreement()
    big, small = make.org(short_name="BIG"), make.org(short_name="SMALL")
    make.signature(big, agreement, commitment_amount=120)
    make.signature(small, agreement, commitment_amount=60)
    db.session.commit()
    return agreement, big, small
