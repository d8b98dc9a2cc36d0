"""Bad input to the pages is a 400 page or a field error that says what to send, never a 500."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from rota.contacts.models import Call
from rota.extensions import db
from rota.members.models import Organisation, User
from rota.schedule.models import Absence


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def coordinator(make, login):
    return login(make.coordinator())


@pytest.fixture
def counsellor(make, login):
    return login(make.counsellor(name="Aino"))


def field_error(response, field: str) -> str:
    """The error text shown under a form field (empty when there is none)."""
    html = response.get_data(as_text=True)
    start = html.find(f'id="{field}-error"')
    return "" if start < 0 else html[start : html.find("</", start)]


def test_a_public_feed_alarm_that_is_not_a_number_is_a_400_page_saying_what_to_send(client):
    response = client.get("/feeds/public/ring.ics?alarm=²")
    assert response.status_code == 400
    assert "alarm=minutes before the shift, 0 to 10080" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url", ["/rota?day=9999-12-31", "/rota/month?day=9999-12-31", "/rota?day=0001-01-01"]
)
def test_a_rota_day_out_of_range_is_a_localised_400_page(client, counsellor, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "Give a day between 1900-01-01 and 2999-12-31." in response.get_data(as_text=True)
    counsellor.locale = "fi"
    db.session.commit()
    finnish = client.get(url)
    assert finnish.status_code == 400
    assert "Anna päivä väliltä 1900-01-01–2999-12-31." in finnish.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "/contacts/3000000000",
        "/shifts/3000000000",
        "/organisations/3000000000",
        "/shifts/99999999999999999999.ics",
        "/people/3000000000/edit",
    ],
)
def test_ids_beyond_the_databases_integer_range_are_not_found(client, coordinator, url):
    assert client.get(url).status_code == 404
    assert client.post("/tokens/3000000000/revoke").status_code == 404


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [("0001-01-01", "0001-01-02", "first_day"), ("2026-04-01", "9999-12-31", "last_day")],
)
def test_an_absence_dated_year_1_or_9999_is_refused_on_the_field_and_kept_in_the_form(
    client, counsellor, first, last, field
):
    data = {"person_id": counsellor.id, "first_day": first, "last_day": last, "reason": "Loma"}
    response = client.post("/absences", data=data)
    assert response.status_code == 400
    assert "Give a day between 1900-01-01 and 2999-12-31." in field_error(response, field)
    assert f'value="{last}"' in response.get_data(as_text=True)
    assert count(Absence) == 0


def test_an_absence_for_a_person_id_beyond_the_integer_range_is_refused(client, counsellor):
    data = {"person_id": 3000000000, "first_day": "2026-04-01", "last_day": "2026-04-02"}
    response = client.post("/absences", data=data)
    assert response.status_code == 400 and field_error(response, "person_id")
    assert count(Absence) == 0


CALL = {"caller": "040 765 4321", "outcome": "missed", "summary": "Soittaa uudelleen"}


@pytest.mark.parametrize("started_at", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_a_call_dated_year_1_or_9999_is_refused_on_the_field_and_kept_in_the_form(
    client, counsellor, started_at
):
    response = client.post("/calls/new", data={**CALL, "started_at": started_at})
    assert response.status_code == 400
    assert "Give a time between 1900-01-01 and 2999-12-31." in field_error(response, "started_at")
    assert "Soittaa uudelleen" in response.get_data(as_text=True)
    assert count(Call) == 0


def test_a_call_at_a_time_the_clocks_skip_is_refused_with_the_reason(client, counsellor):
    response = client.post("/calls/new", data={**CALL, "started_at": "2026-03-29T03:30"})
    assert response.status_code == 400
    error = field_error(response, "started_at")
    assert "03:30 on 2026-03-29 does not exist here: the clocks skip it" in error
    assert count(Call) == 0


def test_a_call_at_a_time_that_happens_twice_is_taken_as_the_first_of_the_two(client, counsellor):
    response = client.post("/calls/new", data={**CALL, "started_at": "2026-10-25T03:30"})
    assert response.status_code == 302
    call = db.session.scalars(select(Call)).one()
    assert call.started_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 03:30+03:00


@pytest.mark.parametrize("name", ["Gradia\x07", "Gra\x00dia", "Gradia\u202egnp.exe"])
def test_an_organisation_name_with_control_characters_is_refused_on_the_field(
    client, coordinator, name
):
    data = {"name": name, "short_name": "GR", "colour": "#123456"}
    response = client.post("/organisations/new", data=data)
    assert response.status_code == 400
    assert "Remove the control characters" in field_error(response, "name")
    assert count(Organisation) == 0


def test_a_persons_name_with_control_characters_is_refused_on_the_field(client, coordinator, make):
    org = make.org()
    data = {
        "name": "Aino\x1b[31m",
        "email": "aino@example.fi",
        "role": "counsellor",
        "organisation_id": org.id,
        "languages": ["fi"],
    }
    response = client.post("/people/new", data=data)
    assert response.status_code == 400
    assert "Remove the control characters" in field_error(response, "name")
    assert count(User) == 1


def test_a_note_keeps_its_line_breaks_but_refuses_other_control_characters(
    client, counsellor, make
):
    contact = make.contact(owner=counsellor)
    response = client.post(f"/contacts/{contact.id}/note", data={"text": "Rivi\r\n\tkaksi"})
    assert response.status_code == 302
    response = client.post(f"/contacts/{contact.id}/note", data={"text": "Rivi\x00kaksi"})
    assert response.status_code == 400
    assert "Remove the control characters" in field_error(response, "note-text")


@pytest.mark.parametrize("amount", ["100000000", "sNaN", "NaN", "Infinity"])
def test_a_commitment_too_large_to_store_or_not_a_number_is_refused_on_the_field(
    client, coordinator, make, amount
):
    org, agreement = make.org(), make.agreement()
    data = {
        "agreement_id": agreement.id,
        "signed_on": "2026-01-01",
        "signed_by_name": "Rehtori",
        "valid_from": "2026-01-01",
        "commitment_amount": amount,
        "commitment_unit": "hours",
    }
    response = client.post(f"/organisations/{org.id}/sign", data=data)
    assert response.status_code == 400 and field_error(response, "commitment_amount")


def test_an_edit_with_control_characters_leaves_the_stored_record_as_it_was(
    client, coordinator, make
):
    person = make.counsellor(name="Aino Aalto")
    data = {
        "name": "Aino\x00Aalto",
        "email": person.email,
        "role": "counsellor",
        "organisation_id": person.organisation_id,
        "languages": ["fi"],
        "active": "y",
    }
    response = client.post(f"/people/{person.id}/edit", data=data)
    assert response.status_code == 400 and field_error(response, "name")
    db.session.expire_all()
    assert db.session.get(User, person.id).name == "Aino Aalto"
