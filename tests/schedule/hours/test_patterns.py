"""Service hours and closures pages: the coordinator edits them; bad input changes nothing."""

from datetime import date, time

import pytest
from sqlalchemy import func, select

from rota.extensions import db
from rota.schedule.hours import closures
from rota.schedule.models import Closure, PatternSlot, ServicePattern


@pytest.fixture
def coordinator(app, make, login):
    person = make.coordinator()
    db.session.commit()
    return login(person)


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_coordinator_creates_a_pattern_and_adds_its_slots(client, coordinator):
    response = client.post(
        "/service-hours/new", data={"name": "Syksy 2026", "valid_from": "2026-08-01"}
    )
    assert response.status_code == 302
    pattern = db.session.scalar(select(ServicePattern))
    slot = {"weekday": "3", "start_time": "12:00", "end_time": "15:00", "channel": "phone"}
    response = client.post(f"/service-hours/{pattern.id}/slots", data={**slot, "language": "sv"})
    assert response.status_code == 302
    page = client.get(f"/service-hours/{pattern.id}").get_data(as_text=True)
    assert "12:00–15:00" in page and "Thursday" in page and "Swedish" in page
    stored = db.session.scalar(select(PatternSlot))
    assert (stored.weekday, stored.start_time, stored.language) == (3, time(12), "sv")


def test_pattern_ending_before_it_starts_is_refused(client, coordinator):
    data = {"name": "Wrong", "valid_from": "2026-08-01", "valid_until": "2026-07-01"}
    response = client.post("/service-hours/new", data=data)
    assert response.status_code == 400
    assert "The last day must be on or after the first day" in response.get_data(as_text=True)
    assert count(ServicePattern) == 0


def test_overlapping_pattern_validity_is_refused_with_what_to_do(client, coordinator, make):
    make.service_hours(valid_from=date(2026, 1, 1), name="Kevät 2026")
    db.session.commit()
    response = client.post("/service-hours/new", data={"name": "Syksy", "valid_from": "2026-08-01"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Kevät 2026" in page and "give “Kevät 2026” a last day" in page
    assert count(ServicePattern) == 1


def test_slot_ending_before_it_starts_or_overlapping_is_refused(client, coordinator, make):
    pattern = make.service_hours([(0, 9, 12, "phone")])
    db.session.commit()
    url = f"/service-hours/{pattern.id}/slots"
    backwards = {
        "weekday": "0",
        "start_time": "15:00",
        "end_time": "12:00",
        "channel": "phone",
        "language": "",
    }
    response = client.post(url, data=backwards)
    assert response.status_code == 400
    assert "The slot must end after it starts" in response.get_data(as_text=True)
    clash = {
        "weekday": "0",
        "start_time": "11:00",
        "end_time": "13:00",
        "channel": "phone",
        "language": "",
    }
    response = client.post(url, data=clash)
    assert response.status_code == 400
    assert "overlaps the slot 09:00–12:00" in response.get_data(as_text=True)
    assert count(PatternSlot) == 1


def test_closures_page_lists_holidays_in_the_readers_language(client, coordinator):
    client.post("/language", data={"language": "fi"})
    page = client.get("/closures").get_data(as_text=True)
    assert "Itsenäisyyspäivä" in page and "Juhannusaatto" in page
    client.post("/language", data={"language": "sv"})
    assert "Självständighetsdagen" in client.get("/closures").get_data(as_text=True)


def test_summer_break_is_added_and_removed(client, coordinator, today_plus):
    data = {"name": "Kesätauko", "first_day": today_plus(30), "last_day": today_plus(55)}
    assert client.post("/closures", data=data).status_code == 302
    closure = db.session.scalar(select(Closure))
    assert "Kesätauko" in client.get("/closures").get_data(as_text=True)
    first, last = date.fromisoformat(today_plus(30)), date.fromisoformat(today_plus(55))
    assert len(closures.closed_days(db.session, first, last)) >= 26
    assert client.post(f"/closures/{closure.id}/delete").status_code == 302
    assert count(Closure) == 0


def test_closure_ending_before_it_starts_or_overlapping_is_refused(client, coordinator, today_plus):
    data = {"name": "Wrong", "first_day": today_plus(30), "last_day": today_plus(20)}
    response = client.post("/closures", data=data)
    assert response.status_code == 400
    assert "The last day must be on or after the first day" in response.get_data(as_text=True)
    client.post("/closures", data={"name": "Break", "first_day": today_plus(30)})
    response = client.post("/closures", data={"name": "Again", "first_day": today_plus(30)})
    assert response.status_code == 400
    assert "overlap “Break”" in response.get_data(as_text=True)
    assert count(Closure) == 1


def test_a_holiday_is_reopened_and_closed_again(client, coordinator):
    day = date(2026, 12, 6)
    assert client.post("/closures/reopen/2026-12-06").status_code == 302
    assert day not in closures.closed_days(db.session, day, day)
    assert client.post("/closures/reopen/2026-12-07").status_code == 302  # not a holiday
    assert count(Closure) == 1
    closure = db.session.scalar(select(Closure))
    client.post(f"/closures/{closure.id}/delete")
    assert day in closures.closed_days(db.session, day, day)


@pytest.fixture
def today_plus():
    from datetime import timedelta

    return lambda days: (date.today() + timedelta(days=days)).isoformat()
