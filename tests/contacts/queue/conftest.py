"""Fixtures of the queue and contact page tests."""

import pytest

from rota.contacts.models import Call, CallOutcome
from rota.db import utcnow
from rota.extensions import db


@pytest.fixture
def contacts(ring, make):
    """A contact for each place a contact can be: with a counsellor, an organisation, the ring."""
    client = {"client_email": "c@example.com"}
    return {
        "annas": make.contact("Annan asia", ring.anna, **client),
        "ainos": make.contact("Ainon asia", ring.aino, **client),
        "berts": make.contact("Bertin asia", ring.bert, **client),
        "queue_a": make.contact("Jono A", org=ring.org_a, **client),
        "queue_b": make.contact("Jono B", org=ring.org_b, **client),
        "ring": make.contact("Renkaan jono", **client),
    }


@pytest.fixture
def call_to_return():
    """A missed call to return on a contact, committed: call_to_return(contact)."""

    def add(contact, caller="+358401234567") -> Call:
        call = Call(
            contact_id=contact.id,
            caller=caller,
            started_at=utcnow(),
            outcome=CallOutcome.MISSED,
            callback_needed=True,
        )
        db.session.add(call)
        db.session.commit()
        return call

    return add
