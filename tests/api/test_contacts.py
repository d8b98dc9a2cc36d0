"""GET /api/v1/contacts: contacts changed since an instant, paged, for integrations and audits."""

from datetime import UTC, datetime, timedelta

import pytest

from rota.auth import tokens
from rota.contacts.models import Contact, Message, MessageDirection
from rota.extensions import db
from tests.support.feed_data import stored_token

T0 = datetime(2026, 3, 30, 6, 0, tzinfo=UTC)


@pytest.fixture
def five_contacts(app, make):
    """Five contacts changed an hour apart; the second has two e-mails and a note."""
    org = make.org(short_name="KK")
    anna = make.counsellor(org, name="Anna")
    contacts = []
    for n in range(5):
        contact = Contact(
            channel="email",
            reference=f"R-{n + 1}",
            subject=f"Asia {n}",
            received_at=T0 + timedelta(hours=n),
            updated_at=T0 + timedelta(hours=n),
            owner_id=anna.id if n % 2 else None,
            organisation_id=org.id if n % 2 else None,
        )
        db.session.add(contact)
        contacts.append(contact)
    db.session.flush()
    for direction in ("in", "out", "note"):
        db.session.add(Message(contact_id=contacts[1].id, direction=MessageDirection(direction)))
    db.session.commit()
    return contacts, anna


def get(client, secret, **params):
    response = client.get(
        "/api/v1/contacts", query_string=params, headers={"Authorization": f"Bearer {secret}"}
    )
    return response.status_code, response.get_json()


def token(**owner):
    _token, secret = tokens.create_token(
        db.session, name="Audit", scopes=["contacts:read"], **owner
    )
    db.session.commit()
    return secret


def test_contacts_since_an_instant_come_in_pages_each_exactly_once(client, five_contacts):
    secret = token()
    seen, cursor = [], None
    while True:
        params = {"since": (T0 + timedelta(hours=1)).isoformat(), "limit": 2}
        status, body = get(client, secret, **params, **({"cursor": cursor} if cursor else {}))
        assert status == 200
        seen += [c["reference"] for c in body["contacts"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == ["R-2", "R-3", "R-4", "R-5"]


def test_each_contact_shows_channel_status_owner_organisation_times_and_message_count(
    client, five_contacts
):
    _status, body = get(client, token(), limit=5)
    second = body["contacts"][1]
    assert second["channel"] == "email" and second["status"] == "new"
    assert second["owner"]["name"] == "Anna" and second["organisation"]["short_name"] == "KK"
    assert second["received_at"] == "2026-03-30T10:00:00+03:00"  # the service zone's offset
    assert second["first_response_at"] is None and second["closed_at"] is None
    assert second["message_count"] == 2  # the internal note is not a message


def test_an_organisations_token_lists_only_its_contacts(client, five_contacts, make):
    contacts, anna = five_contacts
    other = make.counsellor()
    contacts[3].owner_id, contacts[3].organisation_id = other.id, other.organisation_id
    db.session.commit()
    _status, body = get(client, token(organisation=anna.organisation))
    assert [c["reference"] for c in body["contacts"]] == ["R-2"]


def test_a_counsellors_contacts_token_made_before_the_scope_rules_is_refused(client, five_contacts):
    _contacts, anna = five_contacts
    legacy = stored_token("contacts:read", user=anna)
    db.session.commit()
    assert get(client, legacy)[0] == 401


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"since": "last week"}, "`since` must be ISO 8601"),
        ({"since": "2026-03-30T09:00"}, "`since` needs a time zone"),
        ({"limit": "0"}, "`limit` must be a whole number from 1 to 500"),
        ({"limit": "many"}, "`limit` must be a whole number from 1 to 500"),
        ({"cursor": "@@@"}, "`cursor` is not one this API gave out"),
    ],
)
def test_bad_parameters_get_400_with_a_clear_message(client, five_contacts, params, message):
    status, body = get(client, token(), **params)
    assert status == 400 and message in body["message"]


def test_the_list_needs_a_contacts_read_token(client, five_contacts):
    _token, secret = tokens.create_token(db.session, name="PBX", scopes=["telephony:write"])
    db.session.commit()
    assert get(client, secret)[0] == 401
