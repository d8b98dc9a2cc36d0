"""Fixtures of the queue and contact page tests."""

import pytest


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
