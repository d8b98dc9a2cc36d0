"""GET /api/v1/shifts: the shared rota for integrations, local ISO 8601 times, clear 400s."""

import pytest

from rota.auth import tokens
from rota.extensions import db


@pytest.fixture
def secret(app, make):
    org_a, org_b = make.org(name="Org A", short_name="A"), make.org(name="Org B", short_name="B")
    aino = make.counsellor(org_a, name="Aino")
    make.shift(org_a, start="2026-03-27T09:00", counsellor=aino)  # winter time
    make.shift(org_b, start="2026-03-30T12:00", channel="email")  # summer time
    make.shift(org_b, start="2026-04-10T09:00")
    _token, value = tokens.create_token(
        db.session, name="Intranet", scopes=["shifts:read"], user=make.org_admin(org_b)
    )
    db.session.commit()
    return value


def get(client, secret, query):
    return client.get(f"/api/v1/shifts?{query}", headers={"Authorization": f"Bearer {secret}"})


def test_shifts_in_range_with_local_offsets(client, secret):
    response = get(client, secret, "from=2026-03-27&to=2026-03-30")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["from"], body["to"], body["timezone"]) == (
        "2026-03-27",
        "2026-03-30",
        "Europe/Helsinki",
    )
    winter, summer = body["shifts"]
    assert (winter["starts_at"], winter["ends_at"]) == (
        "2026-03-27T09:00:00+02:00",
        "2026-03-27T12:00:00+02:00",
    )
    assert summer["starts_at"] == "2026-03-30T12:00:00+03:00"
    assert winter["organisation"]["name"] == "Org A" and winter["counsellor"]["name"] == "Aino"
    assert winter["covered"] is True and summer["covered"] is False
    assert (summer["channel"], summer["counsellor"]) == ("email", None)


@pytest.mark.parametrize(
    "query, message",
    [
        ("from=27.3.2026", "Give `from` as a date YYYY-MM-DD"),
        ("from=2026-03-27&to=2026-03-01", "`to` cannot be before `from`"),
        ("from=2026-01-01&to=2027-06-01", "at most 366 days"),
    ],
)
def test_bad_parameters_are_a_400_with_a_message(client, secret, query, message):
    response = get(client, secret, query)
    assert response.status_code == 400
    assert message in response.get_json()["message"]


def test_a_token_without_the_scope_is_refused(app, make, client):
    _token, other = tokens.create_token(db.session, name="Feeds", scopes=["feeds:read"])
    db.session.commit()
    assert get(client, other, "from=2026-03-27").status_code == 401
    assert client.get("/api/v1/shifts").status_code == 401
