"""The on-duty call answered before Flask (rota.api.on_duty.HotLane): byte for byte what the
view kept, each token its own answer, and everything it cannot answer from a lookup left to
Flask, which refuses or records as it always did."""

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import request, request_started
from prometheus_client import REGISTRY

from rota.auth import tokens
from rota.db import utcnow
from rota.extensions import db
from rota.ops import logs
from rota.schedule.models import Shift
from tests.support.feed_data import feed_secret

HELSINKI = ZoneInfo("Europe/Helsinki")

PATH = "/api/v1/on-duty"
COUNT = "rota_http_request_duration_seconds_count"
ROUTE_LABELS = {"endpoint": "api.on_duty", "method": "GET", "status": "200"}


@pytest.fixture
def flask_answered(app):
    """The paths of the requests that reached Flask (the lane's answers never do)."""
    paths = []

    def note(_sender, **_extra):
        paths.append(request.path)

    request_started.connect(note, app)
    yield paths
    request_started.disconnect(note, app)


@pytest.fixture
def ring_now(app, make):
    """A phone shift on duty now, its counsellor's own number, the organisation's, and the
    tokens of the phone system (sees counsellors' numbers) and of an organisation admin."""
    org = make.org(name="Apu", short_name="APU", phone="+358 9 123 4567")
    counsellor = make.counsellor(org, name="Åsa Öhman", phone="040 765 4321")
    an_hour_ago = utcnow().astimezone(HELSINKI).replace(tzinfo=None) - timedelta(hours=1)
    make.shift(org, an_hour_ago.replace(second=0, microsecond=0), counsellor=counsellor)
    phone = feed_secret(scopes=["on-duty:read", "telephony:write"], organisation=org)
    admin = make.org_admin(org)
    admin_secret = feed_secret(scopes=["on-duty:read"], user=admin)
    db.session.commit()
    return {"phone": phone, "admin": admin_secret, "coordinator": make.coordinator()}


def call(client, secret):
    return client.get(PATH, headers={"Authorization": f"Bearer {secret}"})


def test_a_repeated_call_is_answered_as_flask_answered_it(client, ring_now, flask_answered):
    first = call(client, ring_now["phone"])
    second = call(client, ring_now["phone"])
    assert flask_answered == [PATH]  # the second never reached Flask
    assert (first.status_code, second.status_code) == (200, 200)
    assert {**first.get_json(), "at": None} == {**second.get_json(), "at": None}
    assert second.get_json()["on_duty"][0]["forward_to"] == "+358407654321"
    assert len(second.get_json()["at"]) == len("2026-12-03T10:00:00+02:00")
    ids = first.headers["X-Request-ID"], second.headers["X-Request-ID"]
    assert ids[0] != ids[1]
    same = {name for name, _value in first.headers if name != "X-Request-ID"}
    assert same == {name for name, _value in second.headers if name != "X-Request-ID"}
    assert "Content-Security-Policy" in same
    assert all(first.headers[name] == second.headers[name] for name in same)


def test_the_lanes_answers_are_logged_and_counted_by_their_route(
    client, ring_now, caplog, flask_answered
):
    call(client, ring_now["phone"])
    caplog.set_level(logging.INFO, logger="rota.access")
    caplog.handler.addFilter(logs.RequestIdFilter())
    before = REGISTRY.get_sample_value(COUNT, ROUTE_LABELS)
    response = call(client, ring_now["phone"])
    assert flask_answered == [PATH]
    [line] = [r for r in caplog.records if r.name == "rota.access"]
    assert line.getMessage().startswith(f"GET {PATH} 200 ")
    assert line.request_id == response.headers["X-Request-ID"]
    assert REGISTRY.get_sample_value(COUNT, ROUTE_LABELS) == before + 1


def test_each_token_gets_its_own_answer(client, ring_now, flask_answered):
    """Only the phone system sees counsellors' own numbers: the answer kept for it is not
    what the lane gives an organisation admin's token."""
    for _ in range(2):
        assert call(client, ring_now["phone"]).get_json()["on_duty"][0]["counsellor"]["phone"]
    for _ in range(2):
        [shift] = call(client, ring_now["admin"]).get_json()["on_duty"]
        assert "phone" not in shift["counsellor"]
        assert shift["forward_to"] == "+35891234567"
    assert flask_answered == [PATH, PATH]


@pytest.mark.parametrize(
    ("query", "method", "headers", "cookie", "status"),
    [
        ("?at=2026-03-30T10:00", "GET", {}, None, 200),
        ("?channel=fax", "GET", {}, None, 400),
        ("", "GET", {}, "lang", 200),
        ("", "GET", {"Host": "evil.example"}, None, 400),
        ("", "HEAD", {}, None, 200),
    ],
    ids=["an instant", "a bad channel", "a cookie", "a host not trusted", "HEAD"],
)
def test_what_is_more_than_a_lookup_goes_to_flask(
    client, ring_now, flask_answered, query, method, headers, cookie, status
):
    call(client, ring_now["phone"])
    if cookie:
        client.set_cookie(cookie, "fi", domain="rota.test")
    headers = {"Authorization": f"Bearer {ring_now['phone']}", **headers}
    response = client.open(f"{PATH}{query}", method=method, headers=headers)
    assert response.status_code == status
    assert len(flask_answered) == 2


@pytest.mark.parametrize("secret", ["", "rota_not-a-token", None], ids=["empty", "unknown", "none"])
def test_a_call_without_a_live_token_goes_to_flask_and_gets_401(
    client, ring_now, flask_answered, secret
):
    call(client, ring_now["phone"])
    headers = {} if secret is None else {"Authorization": f"Bearer {secret}"}
    assert client.get(PATH, headers=headers).status_code == 401
    assert len(flask_answered) == 2


def test_a_token_revoked_after_the_lane_answered_is_refused(client, ring_now, flask_answered):
    call(client, ring_now["phone"])
    assert call(client, ring_now["phone"]).status_code == 200
    assert flask_answered == [PATH]
    token = tokens.authenticate(db.session, ring_now["phone"], "on-duty:read")
    tokens.revoke(db.session, ring_now["coordinator"], token.id, utcnow())
    db.session.commit()
    assert call(client, ring_now["phone"]).status_code == 401


def test_a_tokens_use_due_to_be_recorded_goes_to_flask_which_records_it(
    client, ring_now, flask_answered, monkeypatch
):
    call(client, ring_now["phone"])
    monkeypatch.setattr(tokens, "USE_RECORD_INTERVAL", timedelta(0))
    before = utcnow()
    assert call(client, ring_now["phone"]).status_code == 200
    assert flask_answered == [PATH, PATH]
    recorded = tokens.authenticate(db.session, ring_now["phone"], "on-duty:read").last_used_at
    assert recorded >= before


def test_a_shift_change_after_the_lane_answered_is_seen_at_once(client, ring_now):
    call(client, ring_now["phone"])
    assert call(client, ring_now["phone"]).get_json()["on_duty"][0]["counsellor"]
    shift = db.session.query(Shift).one()
    shift.counsellor = None
    db.session.commit()
    [now] = call(client, ring_now["phone"]).get_json()["on_duty"]
    assert now["counsellor"] is None and now["forward_to"] == "+35891234567"


def test_behind_a_proxy_the_lane_reads_the_host_the_proxy_was_asked_for(ring_now, another_app):
    """The lane lies inside ProxyFix: a forwarded Host that is not trusted is refused."""
    proxied = another_app(PROXY_FIX=1).test_client()
    bearer = {"Authorization": f"Bearer {ring_now['phone']}"}
    for _ in range(2):
        assert proxied.get(PATH, headers=bearer).status_code == 200
    forged = {**bearer, "X-Forwarded-Host": "evil.example"}
    assert proxied.get(PATH, headers=forged).status_code == 400
    assert proxied.get(PATH, headers=bearer).status_code == 200
