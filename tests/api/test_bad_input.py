"""Bad input to the API is a 400 (or 413) that says what to send, never a 500; nothing is stored."""

import json

import pytest
from sqlalchemy import func, select

from rota.contacts.models import Call, CallEvent, Contact
from rota.extensions import db
from tests.support.feed_data import API_SCOPES, feed_secret


@pytest.fixture
def secret(app, make):
    """A coordinator's token with every API scope, a contact, and a shift on Monday 2026-03-30."""
    org = make.org(name="Apu", short_name="APU", phone="+358 9 123 4567")
    make.shift(org, "2026-03-30T09:00", counsellor=make.counsellor(org))
    make.contact()
    value = feed_secret(scopes=API_SCOPES, user=make.coordinator())
    db.session.commit()
    return value


def get(client, secret, path, **params):
    response = client.get(path, query_string=params, headers={"Authorization": f"Bearer {secret}"})
    return response.status_code, response.get_json()


def post_event(client, secret, body):
    response = client.post(
        "/api/v1/telephony/events",
        data=body if isinstance(body, bytes) else json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    return response.status_code, response.get_json()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def naive_cursor(moment: str, contact_id: int) -> str:
    import base64

    return base64.urlsafe_b64encode(f"{moment}|{contact_id}".encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("path", "params", "field", "says"),
    [
        ("/api/v1/on-duty", {"at": "0001-01-01T00:00"}, "at", "between 1900-01-01 and 2999-12-31"),
        ("/api/v1/on-duty", {"at": "9999-12-31T23:59+00:00"}, "at", "between 1900-01-01"),
        (
            "/api/v1/contacts",
            {"since": "9999-12-31T23:59:59-05:00"},
            "since",
            "between 1900-01-01 and 2999-12-31",
        ),
        ("/api/v1/contacts", {"since": "0001-01-01T00:00:00+00:00"}, "since", "between"),
        ("/api/v1/contacts", {"limit": "²"}, "limit", "whole number from 1 to 500"),
        ("/api/v1/contacts", {"limit": "99999999999999999999"}, "limit", "from 1 to 500"),
        (
            "/api/v1/contacts",
            {"cursor": naive_cursor("2026-03-30T09:00:00", 1)},
            "cursor",
            "pass `next_cursor` of the previous page",
        ),
        (
            "/api/v1/contacts",
            {"cursor": naive_cursor("2026-03-30T09:00:00+00:00", 3000000000)},
            "cursor",
            "not one this API gave out",
        ),
        ("/api/v1/shifts", {"from": "0001-01-01"}, "from", "between 1900-01-01 and 2999-12-31"),
        ("/api/v1/shifts", {"from": "2026-03-30", "to": "9999-12-31"}, "to", "between"),
        ("/api/v1/on-duty", {"channel": "²"}, "channel", "one of: phone, email, chat"),
    ],
)
def test_out_of_range_parameters_are_a_400_naming_the_field_and_what_to_send(
    client, secret, path, params, field, says
):
    status, body = get(client, secret, path, **params)
    assert status == 400, body
    assert body["error"] == "bad_request" and body["field"] == field
    assert says in body["message"]


def test_a_local_time_the_clocks_skip_is_refused_with_the_reason(client, secret):
    status, body = get(client, secret, "/api/v1/on-duty", at="2026-03-29T03:30")
    assert status == 400 and body["field"] == "at"
    assert "2026-03-29T03:30 does not exist in Europe/Helsinki" in body["message"]
    assert "summer time" in body["message"]


def test_a_local_time_that_happens_twice_asks_for_the_offset(client, secret):
    status, body = get(client, secret, "/api/v1/on-duty", at="2026-10-25T03:30")
    assert status == 400 and body["field"] == "at"
    assert "happens twice" in body["message"]
    assert "2026-10-25T03:30+03:00 or 2026-10-25T03:30+02:00" in body["message"]
    for offset in ("+03:00", "+02:00"):
        status, body = get(client, secret, "/api/v1/on-duty", at=f"2026-10-25T03:30{offset}")
        assert status == 200 and body["at"] == f"2026-10-25T03:30:00{offset}"


@pytest.mark.parametrize(
    "timestamp", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00Z"]
)
def test_a_call_event_dated_year_1_or_9999_is_refused_and_stores_nothing(client, secret, timestamp):
    body = {"event": "new", "call_id": "c1", "caller": "0401234567", "timestamp": timestamp}
    status, answer = post_event(client, secret, body)
    assert status == 400 and answer["field"] == "timestamp"
    assert "between 1900-01-01 and 2999-12-31" in answer["message"]
    assert (count(CallEvent), count(Call)) == (0, 0)


@pytest.mark.parametrize("field", ["caller", "called", "cause", "call_id"])
def test_control_characters_in_a_call_event_are_refused_and_store_nothing(client, secret, field):
    body = {"event": "new", "call_id": "c1", "caller": "0401234567", field: "040\x00123\x1b"}
    status, answer = post_event(client, secret, body)
    assert status == 400 and answer["field"] == field
    assert "control characters" in answer["message"]
    assert (count(CallEvent), count(Call), count(Contact)) == (0, 0, 1)


def test_a_10_mb_webhook_body_is_refused_with_the_limit_and_not_stored(client, secret):
    padding = "x" * (10 * 1024 * 1024)
    body = {"event": "new", "call_id": "big", "caller": "0401234567", "cause": padding}
    status, answer = post_event(client, secret, json.dumps(body).encode())
    assert status == 413
    assert answer["error"] == "payload_too_large"
    assert "at most 1 MB" in answer["message"]
    assert (count(CallEvent), count(Call)) == (0, 0)


@pytest.mark.parametrize("query", ["channel=%FF", "channel=%C3", "channel=\xff", "at=\xc3\xa4"])
def test_a_query_string_in_no_utf_8_is_a_400_naming_the_field(client, secret, query):
    """Percent-encoded bytes that are no UTF-8, or raw ones (gunicorn refuses those itself; a
    server that lets them through passes them as latin-1)."""
    response = client.get(
        "/api/v1/on-duty",
        environ_overrides={"QUERY_STRING": query},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["field"] == query.partition("=")[0]
