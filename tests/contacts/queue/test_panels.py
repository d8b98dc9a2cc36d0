"""The front page shows each role the contacts waiting for them, with links to each."""

import pytest

from rota.contacts.models import ContactStatus


@pytest.fixture
def contacts(ring, make, call_to_return):
    """Contacts owned (open, new, closed), in Org A's queue and in the ring's; a call to return."""
    contacts = {
        "annas": make.contact("Annan asia", ring.anna, status=ContactStatus.OPEN),
        "annas_new": make.contact("Annan uusi", ring.anna),
        "annas_closed": make.contact("Annan vanha", ring.anna, status=ContactStatus.CLOSED),
        "berts": make.contact("Bertin asia", ring.bert),
        "queue_a": make.contact("Jono A", org=ring.org_a),
        "ring": make.contact("Renkaan jono"),
    }
    call_to_return(contacts["annas"], "+358451112233")
    return contacts


def front_page(client, login, person) -> str:
    login(person)
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def link(contact) -> str:
    return f'href="/contacts/{contact.id}"'


def test_a_counsellor_sees_their_open_contacts_and_calls_to_return(client, login, ring, contacts):
    page = front_page(client, login, ring.anna)
    assert "My queue" in page and "2 open contacts" in page
    assert link(contacts["annas"]) in page and link(contacts["annas_new"]) in page
    assert "Annan vanha" not in page  # closed
    assert "Calls to return" in page and "+358 45 1112233" in page
    assert "1 unassigned contact in your organisation's queue" in page


def test_a_counsellor_does_not_see_another_counsellors_contact(client, login, ring, contacts):
    page = front_page(client, login, ring.bert)
    assert "1 open contact" in page and link(contacts["berts"]) in page
    assert link(contacts["annas"]) not in page and "Annan asia" not in page
    assert "No calls to return." in page


def test_an_org_admin_sees_their_organisations_unassigned_contacts(client, login, ring, contacts):
    page = front_page(client, login, ring.admin_a)
    assert "My organisation's unassigned contacts" in page
    assert link(contacts["queue_a"]) in page
    assert link(contacts["ring"]) not in page and link(contacts["berts"]) not in page


def test_the_coordinator_sees_new_contacts_nobody_opened_and_the_rings_queue(
    client, login, ring, contacts
):
    page = front_page(client, login, ring.coordinator)
    assert "Unhandled contacts" in page and "4 new contacts nobody has opened" in page
    for key in ("annas_new", "berts", "queue_a", "ring"):
        assert link(contacts[key]) in page
    assert link(contacts["annas"]) not in page  # opened already
    assert "1 contact in the ring's unassigned queue" in page
