"""Phone: the telephony webhook (idempotent, strict), forwarding, calls logged by hand, call-backs."""

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from rota.auth import tokens
from rota.contacts.models import Call, CallEvent, CallOutcome, Contact, ContactStatus
from rota.extensions import db
from rota.schedule.models import Shift

NINE = datetime(2026, 3, 30, 6, 0, tzinfo=UTC)  # 09:00 in Helsinki
URL = "/api/v1/telephony/events"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def pbx(app, client):
    """POST an event with a telephony token; returns (status, json)."""
    _token, secret = tokens.create_token(db.session, name="PBX", scopes=["telephony:write"])
    db.session.commit()

    def post(body, *, raw=None):
        response = client.post(
            URL,
            data=raw if raw is not None else json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {secret}"},
        )
        return response.status_code, response.get_json()

    return post


@pytest.fixture
def on_duty(app, make):
    org = make.org(name="Puhelinpalvelu", phone="09 123 4567")
    anna = make.counsellor(org, name="Anna", phone="040 111 2222")
    make.shift(org, "2026-03-30T09:00", channel="phone", counsellor=anna)
    db.session.commit()
    return anna


def event(kind, call_id="c1", minutes=0, **fields):
    return {
        "event": kind,
        "call_id": call_id,
        "caller": "040 765 4321",
        "called": "+358401234567",
        "timestamp": (NINE + timedelta(minutes=minutes)).isoformat(),
        **fields,
    }


def test_a_new_call_is_forwarded_to_the_counsellor_on_duty_and_opens_a_contact(pbx, on_duty):
    status, body = pbx(event("new"))
    assert status == 201
    assert (body["forward_to"], body["target"]) == ("+358401112222", "counsellor")
    assert "Anna" in body["reason"]
    contact = db.session.scalars(select(Contact)).one()
    assert (contact.channel, contact.client_phone, contact.owner_id) == (
        "phone",
        "+358407654321",
        on_duty.id,
    )
    assert body["contact"] == contact.reference


def test_the_answer_to_the_phone_system_writes_shift_times_in_iso_8601_in_the_service_zone(
    pbx, on_duty
):
    _status, body = pbx(event("new"))
    assert "2026-03-30T09:00:00+03:00–2026-03-30T12:00:00+03:00" in body["reason"]
    _status, body = pbx(event("new", call_id="c2", caller="050 1", minutes=-600))
    assert "next shift, Anna (Puhelinpalvelu), 2026-03-30T09:00:00+03:00–" in body["reason"]


def test_replayed_events_change_nothing(pbx, on_duty):
    for _ in range(3):
        pbx(event("new"))
        pbx(event("answered", minutes=1, answering_number="+358401112222"))
        status, body = pbx(event("ended", minutes=9))
    assert (status, body["duplicate"]) == (200, True)
    assert (count(CallEvent), count(Call), count(Contact)) == (3, 1, 1)
    call = db.session.scalars(select(Call)).one()
    assert (call.outcome, call.duration_seconds, call.counsellor_id) == (
        CallOutcome.ANSWERED,
        480,
        on_duty.id,
    )
    contact = call.contact
    assert contact.first_response_at == NINE + timedelta(minutes=1)
    assert contact.status == ContactStatus.OPEN


def test_a_second_call_of_the_same_caller_joins_the_open_contact(pbx, on_duty):
    pbx(event("new", "c1"))
    pbx(event("new", "c2", minutes=30))
    assert (count(Call), count(Contact)) == (2, 1)


def test_a_missed_call_becomes_a_call_back_task(pbx, on_duty, client, login):
    pbx(event("new"))
    pbx(event("ended", minutes=1, cause="no-answer"))
    call = db.session.scalars(select(Call)).one()
    assert (call.outcome, call.callback_needed) == (CallOutcome.MISSED, True)
    login(on_duty)
    page = client.get("/contacts").get_data(as_text=True)
    assert "Calls to return" in page and "+358 40 7654321" in page
    assert client.post(f"/calls/{call.id}/called-back").status_code == 302
    db.session.expire_all()
    assert db.session.get(Call, call.id).callback_done_at is not None
    returns = client.get("/contacts").get_data(as_text=True).partition("Calls to return")[2]
    assert "+358 40 7654321" not in returns.partition("Recently closed")[0]


def test_outside_service_hours_there_is_no_forwarding_target_and_the_reason_says_why(pbx, on_duty):
    status, body = pbx(event("new", minutes=-600))
    assert status == 201 and body["forward_to"] is None
    assert "Outside service hours" in body["reason"]


def test_without_a_counsellor_phone_the_call_goes_to_the_organisations_phone(pbx, on_duty):
    on_duty.phone = ""
    db.session.commit()
    _status, body = pbx(event("new"))
    assert (body["forward_to"], body["target"]) == ("+35891234567", "organisation")


def test_an_unreadable_caller_id_is_kept_as_given_and_flagged(pbx, on_duty):
    status, _body = pbx(event("new", caller="anonymous-sip"))
    assert status == 201
    call = db.session.scalars(select(Call)).one()
    assert (call.caller, call.caller_unreadable) == ("anonymous-sip", True)
    assert {"unreadable": "anonymous-sip"} in [e.reason_data for e in call.contact.events]


@pytest.mark.parametrize(
    ("body", "raw", "message"),
    [
        (None, "{not json", "JSON object"),
        ([1, 2], None, "JSON object"),
        ({"call_id": "c1", "caller": "040"}, None, "`event` is missing"),
        ({"event": "ringing", "call_id": "c1", "caller": "040"}, None, "`event` must be one of"),
        ({"event": "new", "caller": "040"}, None, "`call_id` is missing"),
        ({"event": "new", "call_id": "c1"}, None, "`caller` is missing"),
        ({**event("new"), "timestamp": "yesterday"}, None, "`timestamp` must be ISO 8601"),
        ({**event("new"), "timestamp": "2026-03-30T09:00"}, None, "needs a time zone"),
        ({**event("new"), "caller": {"a": 1}}, None, "`caller` must be a string"),
    ],
)
def test_bad_events_get_400_with_a_clear_message_and_store_nothing(
    pbx, on_duty, body, raw, message
):
    status, answer = pbx(body, raw=raw)
    assert status == 400 and message in answer["message"]
    assert (count(CallEvent), count(Call), count(Contact)) == (0, 0, 0)


def test_the_webhook_needs_a_telephony_token(client, app):
    _token, secret = tokens.create_token(db.session, name="Feeds", scopes=["feeds:read"])
    db.session.commit()
    response = client.post(URL, json=event("new"), headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401 and count(CallEvent) == 0


def test_a_counsellor_logs_a_missed_call_by_hand_as_a_new_contact(client, login, on_duty):
    login(on_duty)
    form = {"caller": "040 765 4321", "started_at": "2026-03-30T10:15", "outcome": "missed"}
    response = client.post("/calls/new", data={**form, "summary": "Soittaa uudelleen"})
    assert response.status_code == 302
    call = db.session.scalars(select(Call)).one()
    assert (call.caller, call.callback_needed, call.logged_by_id) == (
        "+358407654321",
        True,
        on_duty.id,
    )
    assert call.started_at == NINE + timedelta(minutes=75)
    assert call.contact.owner_id == on_duty.id


def test_an_answered_call_logged_on_a_contact_is_its_first_response(client, login, on_duty):
    contact = Contact(channel="email", subject="x", owner_id=on_duty.id, received_at=NINE)
    db.session.add(contact)
    db.session.commit()
    login(on_duty)
    form = {"caller": "0407654321", "started_at": "2026-03-30T10:00", "outcome": "answered"}
    response = client.post(f"/contacts/{contact.id}/calls", data={**form, "duration_minutes": 12})
    assert response.status_code == 302
    db.session.expire_all()
    contact = db.session.get(Contact, contact.id)
    assert contact.first_response_at == NINE + timedelta(hours=1)
    assert contact.calls[0].duration_seconds == 720
    assert "12 min" in client.get(f"/contacts/{contact.id}").get_data(as_text=True)


def test_a_call_form_without_caller_is_refused_and_stores_nothing(client, login, on_duty):
    login(on_duty)
    response = client.post("/calls/new", data={"started_at": "2026-03-30T10:15", "outcome": "x"})
    assert response.status_code == 400
    assert 'id="caller-error"' in response.get_data(as_text=True)
    assert count(Call) == 0


@pytest.fixture
def other_orgs_contact(app, make):
    """JKL-TYP's open phone contact of the caller (a missed call yesterday), in its queue."""
    jkl = make.org(name="JKL-TYP")
    make.counsellor(jkl, name="Jussi", phone="040 333 4444")
    contact = make.contact("Call from +358407654321", org=jkl, client_phone="+358407654321")
    contact.channel = "phone"
    yesterday = NINE - timedelta(days=1)
    db.session.add(Call(contact_id=contact.id, caller=contact.client_phone, started_at=yesterday))
    db.session.commit()
    return contact


def test_a_call_logged_by_hand_never_takes_another_organisations_contact(
    client, login, on_duty, other_orgs_contact
):
    login(on_duty)
    form = {"caller": "040 765 4321", "started_at": "2026-03-30T10:15", "outcome": "answered"}
    response = client.post("/calls/new", data={**form, "summary": "Kysyi hakuajoista"})

    db.session.expire_all()
    call = db.session.scalars(select(Call).where(Call.logged_by_id == on_duty.id)).one()
    assert call.contact_id != other_orgs_contact.id
    assert response.headers["Location"].endswith(f"/contacts/{call.contact_id}")
    assert call.contact.owner_id == on_duty.id
    theirs = db.session.get(Contact, other_orgs_contact.id)
    assert (theirs.owner_id, len(theirs.calls), theirs.status) == (None, 1, ContactStatus.NEW)


def test_a_call_logged_by_hand_joins_the_callers_open_contact_the_counsellor_may_see(
    client, login, on_duty, make
):
    own = make.contact("Call from +358407654321", on_duty, client_phone="+358407654321")
    login(on_duty)
    form = {"caller": "040 765 4321", "started_at": "2026-03-30T10:15", "outcome": "missed"}
    client.post("/calls/new", data=form)
    assert db.session.scalars(select(Call)).one().contact_id == own.id


def test_a_call_answered_by_another_organisation_moves_to_a_contact_of_the_one_who_answered(
    pbx, on_duty, other_orgs_contact
):
    pbx(event("new"))
    pbx(event("answered", minutes=1, answering_number="+358401112222"))

    db.session.expire_all()
    call = db.session.scalars(select(Call).where(Call.external_id == "c1")).one()
    assert call.contact_id != other_orgs_contact.id
    assert (call.contact.owner_id, call.counsellor_id) == (on_duty.id, on_duty.id)
    theirs = db.session.get(Contact, other_orgs_contact.id)
    assert (theirs.owner_id, len(theirs.calls)) == (None, 1)


def test_a_missed_call_waits_for_a_call_back_on_the_callers_open_contact(
    pbx, on_duty, other_orgs_contact
):
    pbx(event("new"))
    pbx(event("ended", minutes=1, cause="no-answer"))
    call = db.session.scalars(select(Call).where(Call.external_id == "c1")).one()
    assert (call.contact_id, call.callback_needed) == (other_orgs_contact.id, True)


def test_concurrent_new_calls_of_one_caller_open_one_contact(app, pbx, on_duty):
    barrier, results = threading.Barrier(5), []

    def post(call_id):
        with app.app_context():
            barrier.wait()
            results.append(pbx(event("new", call_id))[0])
            db.session.remove()

    threads = [threading.Thread(target=post, args=(f"c{n}",)) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert results == [201] * 5
    assert (count(Call), count(Contact)) == (5, 1)


def test_a_call_that_opened_its_contact_alone_stays_on_it_with_the_one_who_answered(
    pbx, on_duty, make
):
    jkl = make.org(name="JKL-TYP", phone="014 123 456")
    db.session.delete(db.session.scalars(select(Shift)).one())  # Anna is not on duty
    db.session.commit()
    make.shift(jkl, "2026-03-30T09:00", channel="phone")  # JKL-TYP's queue, nobody named
    db.session.commit()
    pbx(event("new"))
    pbx(event("answered", minutes=1, answering_number="+358401112222"))

    call = db.session.scalars(select(Call)).one()
    assert count(Contact) == 1
    assert (call.contact.owner_id, call.contact.organisation_id) == (on_duty.id, jkl.id)
