"""GET /api/v1/on-duty: the shift on duty, where calls go, who is next; tokens and bad input."""

from datetime import date

import pytest

from rota.extensions import db
from rota.schedule.models import Absence, ShiftStatus
from tests import factories
from tests.support.feed_data import feed_secret

DAY = date(2026, 3, 30)  # a Monday, summer time (UTC+3)


@pytest.fixture
def rota(app, make):
    """A phone shift 09–12 and a chat shift 12–15 on DAY, and the phone system's secret (it
    sees counsellors' own numbers: tests/auth/test_tokens.py shows who else does not)."""
    org = make.org(name="Apu", short_name="APU", phone="+358 9 123 4567")
    counsellor = make.counsellor(org, name="Åsa Öhman", phone="040 765 4321")
    phone = factories.shift(org, DAY, channel="phone", counsellor=counsellor)
    chat = factories.shift(org, f"{DAY}T12:00", channel="chat")
    secret = feed_secret(scopes=["on-duty:read", "telephony:write"], organisation=org)
    db.session.commit()
    return {"org": org, "counsellor": counsellor, "phone": phone, "chat": chat, "secret": secret}


def ask(client, secret, query="", status=200):
    response = client.get(f"/api/v1/on-duty{query}", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_on_duty_names_shift_counsellor_forwarding_number_and_next_shift(client, rota):
    answer = ask(client, rota["secret"], "?at=2026-03-30T10:00:00%2B03:00")
    [current] = answer["on_duty"]
    assert current["id"] == rota["phone"].id and current["channel"] == "phone"
    assert current["organisation"]["name"] == "Apu"
    assert current["counsellor"]["name"] == "Åsa Öhman"
    assert current["forward_to"] == "+358407654321"
    assert current["starts_at"] == "2026-03-30T09:00:00+03:00"
    assert [shift["id"] for shift in answer["next"]] == [rota["chat"].id]
    assert answer["at"] == "2026-03-30T10:00:00+03:00"


def test_forwarding_falls_back_to_organisation_then_ring(app, client, rota):
    answer = ask(client, rota["secret"], "?at=2026-03-30T13:00:00%2B03:00")
    assert answer["on_duty"][0]["counsellor"] is None
    assert answer["on_duty"][0]["forward_to"] == "+35891234567"
    rota["org"].phone = ""
    db.session.commit()
    answer = ask(client, rota["secret"], "?at=2026-03-30T13:00:00%2B03:00")
    assert answer["on_duty"][0]["forward_to"] == app.config["RING_PHONE"]


def test_calls_for_an_absent_counsellor_go_to_the_organisation(client, rota):
    shift = rota["phone"]
    db.session.add(
        Absence(user_id=rota["counsellor"].id, starts_at=shift.starts_at, ends_at=shift.ends_at)
    )
    db.session.commit()
    [current] = ask(client, rota["secret"], "?at=2026-03-30T10:00:00%2B03:00")["on_duty"]
    assert current["counsellor"]["name"] == "Åsa Öhman"
    assert current["forward_to"] == "+35891234567"


def test_a_shift_as_long_as_a_day_is_on_duty_until_its_last_minute(client, rota):
    long = factories.shift(rota["org"], "2026-03-31T00:00", hours=23, channel="email")
    db.session.commit()
    [current] = ask(client, rota["secret"], "?at=2026-03-31T22:59&channel=email")["on_duty"]
    assert current["id"] == long.id
    assert ask(client, rota["secret"], "?at=2026-03-31T23:00&channel=email")["on_duty"] == []


def test_channel_filter_and_local_time_without_offset(client, rota):
    answer = ask(client, rota["secret"], "?at=2026-03-30T10:00&channel=chat")
    assert answer["on_duty"] == [] and answer["channel"] == "chat"
    assert [shift["id"] for shift in answer["next"]] == [rota["chat"].id]


def test_cancelled_shift_is_not_on_duty(client, rota):
    rota["phone"].status = ShiftStatus.CANCELLED
    db.session.commit()
    assert ask(client, rota["secret"], "?at=2026-03-30T10:00")["on_duty"] == []


def test_nobody_on_duty_outside_service_hours(client, rota):
    answer = ask(client, rota["secret"], "?at=2026-03-30T20:00")
    assert answer["on_duty"] == [] and answer["next"] == []


@pytest.mark.parametrize(
    ("query", "word"),
    [("?at=yesterday", "`at`"), ("?at=2026-13-01", "`at`"), ("?channel=fax", "`channel`")],
)
def test_bad_parameters_answer_400_with_a_message(client, rota, query, word):
    answer = ask(client, rota["secret"], query, status=400)
    assert answer["error"] == "bad_request" and word in answer["message"]


def test_missing_or_wrong_scope_token_gets_401(client, rota):
    wrong = feed_secret(scopes=["feeds:read"], organisation=rota["org"])
    db.session.commit()
    assert client.get("/api/v1/on-duty").status_code == 401
    assert ask(client, wrong, status=401)["error"] == "unauthorized"


def test_a_time_without_offset_is_read_in_each_services_own_zone(client, rota, another_app):
    """The same query string, asked of a service in another zone (a worker reads each query
    string once, per zone), means that zone's wall-clock time."""
    stockholm = another_app(TIMEZONE="Europe/Stockholm").test_client()
    query, bearer = "?at=2026-03-30T08:30", {"Authorization": f"Bearer {rota['secret']}"}
    assert ask(client, rota["secret"], query)["on_duty"] == []  # 08:30 in Helsinki
    answer = stockholm.get(f"/api/v1/on-duty{query}", headers=bearer).get_json()
    assert answer["at"] == "2026-03-30T08:30:00+02:00"
    assert [shift["id"] for shift in answer["on_duty"]] == [rota["phone"].id]  # 09:30 here
    assert ask(client, rota["secret"], query)["at"] == "2026-03-30T08:30:00+03:00"


def test_the_instant_is_written_to_its_second_before_1970_too(client, rota):
    answer = ask(client, rota["secret"], "?at=1969-12-31T23:59:59.5Z")
    assert answer["at"] == "1970-01-01T01:59:59+02:00"
