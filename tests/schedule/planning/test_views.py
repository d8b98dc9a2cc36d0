"""The coordinator's planning pages: extend, publish, preview a re-plan and apply it."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from rota.extensions import db
from rota.schedule.models import PublishedWeek, Shift, ShiftChange
from tests.schedule.planning.helpers import EVERY_DAY


@pytest.fixture
def planner(committed, make, login):
    """The coordinator signed in; service hours every day 9–12."""
    make.service_hours(EVERY_DAY)
    coordinator = make.coordinator()
    db.session.commit()
    login(coordinator)
    return committed


def ahead(days):
    return (date.today() + timedelta(days=days)).isoformat()


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_coordinator_extends_and_publishes_weeks(planner, client):
    response = client.post("/rota/generate", data={"until": ahead(28)})
    assert response.status_code == 302 and count(Shift) > 20
    assert (
        client.post("/rota/publish", data={"first": ahead(7), "last": ahead(13)}).status_code == 302
    )
    assert count(PublishedWeek) in (1, 2)
    assert "Published" in client.get("/rota/planning").get_data(as_text=True)


def test_publishing_a_backwards_range_is_refused(planner, client):
    response = client.post("/rota/publish", data={"first": ahead(13), "last": ahead(7)})
    assert response.status_code == 400
    assert "The last day must be on or after the first day" in response.get_data(as_text=True)
    assert count(PublishedWeek) == 0


def test_replan_preview_shows_each_move_and_apply_makes_exactly_those(planner, client, make):
    agreement, _a, _b = planner
    client.post("/rota/generate", data={"until": ahead(28)})
    make.signature(make.org(name="Org New", short_name="N"), agreement, commitment_amount=60)
    db.session.commit()
    before = {s.slot_key: s.organisation_id for s in db.session.scalars(select(Shift))}
    response = client.get(f"/rota/replan?first={ahead(2)}&last={ahead(28)}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Moves" in page and "Org New" in page
    fingerprint = page.split('name="fingerprint" type="hidden" value="')[1].split('"')[0]
    data = {"first": ahead(2), "last": ahead(28), "fingerprint": fingerprint}
    assert client.post("/rota/replan", data=data).status_code == 302
    after = {s.slot_key: s.organisation_id for s in db.session.scalars(select(Shift))}
    moved = {k for k in before if before[k] != after[k]}
    assert moved and page.count("<td>Moves</td>") == len(moved)
    kinds = db.session.scalars(select(ShiftChange.kind))
    # a moved shift stores the rotation's first assignment (the re-plan rewrites its reason)
    assert sorted(kinds) == ["assign"] * len(moved) + ["replan"] * len(moved)


def test_replan_with_an_outdated_preview_changes_nothing(planner, client):
    client.post("/rota/generate", data={"until": ahead(28)})
    before = [(s.slot_key, s.organisation_id, s.version) for s in db.session.scalars(select(Shift))]
    data = {"first": ahead(2), "last": ahead(28), "fingerprint": "0000000000000000"}
    response = client.post("/rota/replan", data=data, follow_redirects=True)
    assert "The rota changed after the preview" in response.get_data(as_text=True)
    db.session.expire_all()
    after = [(s.slot_key, s.organisation_id, s.version) for s in db.session.scalars(select(Shift))]
    assert after == before and count(ShiftChange) == 0


def test_replan_preview_refuses_a_backwards_range(planner, client):
    response = client.get(f"/rota/replan?first={ahead(20)}&last={ahead(2)}")
    assert response.status_code == 400
    assert "The last day must be on or after the first day" in response.get_data(as_text=True)
