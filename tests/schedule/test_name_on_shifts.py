"""Naming one counsellor on many shifts at once: chosen in the calendar or found by a rule."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from rota.errors import DomainError, NotFound
from rota.extensions import db
from rota.schedule import absences, service
from rota.schedule.models import Channel, Shift, ShiftChange
from tests import factories
from tests.schedule.test_views import page

NOW = datetime(2030, 12, 20, 8, tzinfo=UTC)


@pytest.fixture
def january(ring, make):
    """Org A's phone shifts on every Tuesday of January 2031 (7, 14, 21, 28), its e-mail shift
    and phone shift on a Wednesday, and Org B's Tuesday phone shift."""
    rows = {
        f"tue{day}": make.shift(ring.org_a, start=f"2031-01-{day:02d}T09:00")
        for day in (7, 14, 21, 28)
    }
    rows["email"] = make.shift(ring.org_a, start="2031-01-14T09:00", channel="email")
    rows["wed"] = make.shift(ring.org_a, start="2031-01-15T09:00")
    rows["other"] = make.shift(ring.org_b, start="2031-01-07T12:00")
    db.session.commit()
    return rows


def tuesdays(rows):
    return [rows[f"tue{day}"].id for day in (7, 14, 21, 28)]


def january_rule(channel=Channel.PHONE):
    return service.ShiftRule(1, channel, date(2031, 1, 1), date(2031, 1, 31))


def name_on(actor, shift_ids, person):
    return service.name_counsellor_on_shifts(
        db.session, actor, shift_ids=shift_ids, counsellor_id=person and person.id, now=NOW
    )


def changes():
    return db.session.scalar(db.select(db.func.count()).select_from(ShiftChange))


def test_the_rule_finds_every_tuesday_phone_shift_of_the_admins_organisation(ring, january):
    found = service.shifts_by_rule(db.session, ring.admin_a, january_rule(), NOW)
    assert [s.id for s in found] == tuesdays(january)
    everyone = service.shifts_by_rule(db.session, ring.coordinator, january_rule(), NOW)
    assert january["other"].id in {s.id for s in everyone}
    assert service.shifts_by_rule(db.session, ring.aino, january_rule(), NOW) == []


def test_the_rule_leaves_out_shifts_that_are_over(ring, january):
    later = datetime(2031, 1, 15, 12, tzinfo=UTC)
    found = service.shifts_by_rule(db.session, ring.admin_a, january_rule(), later)
    assert [s.id for s in found] == tuesdays(january)[2:]


def test_the_rule_picks_the_local_weekday_across_the_spring_clock_change(ring, make):
    # 30 March 2031 is the last Sunday of March: Mondays 24 and 31 March differ in UTC offset
    before = make.shift(ring.org_a, start="2031-03-24T00:30")
    after = make.shift(ring.org_a, start="2031-03-31T00:30")
    db.session.commit()
    rule = service.ShiftRule(0, Channel.PHONE, date(2031, 3, 1), date(2031, 3, 31))
    found = service.shifts_by_rule(db.session, ring.admin_a, rule, NOW)
    assert [s.id for s in found] == [before.id, after.id]


def test_admin_names_a_counsellor_on_four_shifts_in_one_call(ring, january):
    named = name_on(ring.admin_a, tuesdays(january), ring.aino)
    db.session.commit()
    assert [s.counsellor_id for s in named] == [ring.aino.id] * 4
    assert all(s.sequence == 1 and s.updated_at == NOW for s in named)
    assert changes() == 4


def test_an_absence_refuses_the_whole_batch_and_names_the_shift(ring, january):
    absences.record_absence(
        db.session,
        ring.aino,
        person_id=ring.aino.id,
        first_day=date(2031, 1, 21),
        last_day=date(2031, 1, 21),
        reason="",
        zone=ZoneInfo("Europe/Helsinki"),
        now=NOW,
        settings=factories.mail_settings(),
    )
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        name_on(ring.admin_a, tuesdays(january), ring.aino)
    message = str(refused.value.user_message)
    assert "Aino Aalto was not named to any shift" in message
    assert "Tue 21.1. 09:00–12:00 Phone: Aino Aalto is away" in message
    assert "14.1." not in message
    db.session.rollback()
    assert changes() == 0
    assert all(db.session.get(Shift, i).counsellor_id is None for i in tuesdays(january))


def test_double_booking_is_refused_against_other_shifts_and_within_the_batch(ring, january):
    service.name_counsellor(
        db.session, january["email"].id, ring.admin_a, counsellor_id=ring.aino.id, now=NOW
    )
    with pytest.raises(DomainError, match=r"Tue 14\.1\. 09:00–12:00 Phone: Aino Aalto is already"):
        name_on(ring.admin_a, tuesdays(january), ring.aino)
    db.session.rollback()
    ids = [january["tue7"].id, january["email"].id, january["tue14"].id]
    with pytest.raises(
        DomainError, match=r"E-mail: at the same time as Tue 14\.1\. 09:00–12:00 Phone"
    ):
        name_on(ring.admin_a, ids, ring.anna)


def test_naming_one_shift_refuses_a_double_booking_too(ring, january):
    service.name_counsellor(
        db.session, january["email"].id, ring.admin_a, counsellor_id=ring.aino.id, now=NOW
    )
    with pytest.raises(DomainError, match=r"already on the shift Tue 14\.1\. 09:00–12:00 E-mail"):
        service.name_counsellor(
            db.session, january["tue14"].id, ring.admin_a, counsellor_id=ring.aino.id, now=NOW
        )


def test_another_organisations_shift_in_the_batch_refuses_it_all(ring, january):
    ids = [*tuesdays(january), january["other"].id]
    with pytest.raises(NotFound):
        name_on(ring.admin_a, ids, ring.aino)
    db.session.rollback()
    assert changes() == 0


@pytest.mark.parametrize("actor", ["aino", "admin_b"])
def test_counsellors_and_other_admins_cannot_name_on_the_shifts(ring, january, actor):
    with pytest.raises(NotFound):
        name_on(getattr(ring, actor), tuesdays(january), ring.aino)


def test_coordinator_names_anyone_on_any_organisations_shifts(ring, january):
    ids = [january["tue7"].id, january["other"].id]
    named = name_on(ring.coordinator, ids, ring.bert)
    assert {s.organisation_id for s in named} == {ring.org_a.id, ring.org_b.id}


def test_no_shift_or_no_counsellor_says_what_to_choose(ring, january):
    with pytest.raises(DomainError, match="Choose at least one shift"):
        name_on(ring.admin_a, [], ring.aino)
    with pytest.raises(DomainError, match="Choose a counsellor"):
        name_on(ring.admin_a, tuesdays(january), None)


def test_week_grid_places_shifts_by_local_time_with_a_legend_and_gaps(ring, january, client, login):
    login(ring.admin_a)
    html = page(client, "/rota?day=2031-01-14")
    grid = html.split('class="week-grid"')[1].split('class="calendar-narrow"')[0]
    # 09:00 is the axis' first hour: rows 1..6 are 09:00–12:00, the Wednesday one too
    assert 'class="at-1 span-6 lane-1"' in grid and 'class="at-1 span-6 lane-2"' in grid
    assert "lanes-2" in grid  # Tuesday's phone and e-mail shifts side by side
    assert html.count('class="chip gap"') == 3
    legend = html.split('class="legend"')[1].split("</div>")[0]
    assert "Org A" in legend and "a gap: nobody covers the shift" in legend
    # Org A's admin may pick Org A's shifts only, each with its own name
    assert f'value="{january["tue14"].id}"' in grid and 'name="shift_ids"' in grid
    assert "Choose Tue 14.1. 09:00–12:00 Phone, Org A" in grid
    assert page(client, "/rota?day=2031-01-14&view=list").count('<div class="chip') == 0


def test_week_grid_offers_no_choosing_to_counsellors_or_another_organisation(
    ring, january, client, login
):
    login(ring.aino)
    assert 'name="shift_ids"' not in page(client, "/rota?day=2031-01-14")
    client.post("/logout")
    login(ring.admin_b)
    html = page(client, "/rota?day=2031-01-07")
    assert f'value="{january["other"].id}"' in html
    assert f'value="{january["tue7"].id}"' not in html


def test_month_grid_shows_every_day_of_the_month_in_weeks(ring, january, client, login):
    login(ring.coordinator)
    html = page(client, "/rota/month?day=2031-01-01")
    # January 2031 starts on a Wednesday: two days of December before it, five weeks in all
    assert html.count('class="month-week"') == 5
    assert html.count('class="month-day outside"') == 2 + 2
    assert html.count('<div class="chip') == 7


def test_admin_names_a_counsellor_on_four_shifts_from_the_grid(ring, january, client, login):
    login(ring.admin_a)
    response = client.post(
        "/rota/assign",
        data={
            "shift_ids": tuesdays(january),
            "counsellor_id": ring.aino.id,
            "back": "/rota/month?day=2031-01-01",
        },
    )
    assert response.status_code == 302 and response.location == "/rota/month?day=2031-01-01"
    html = page(client, "/rota/month?day=2031-01-01")
    assert "Aino Aalto is named on 4 shifts." in html
    db.session.expire_all()
    assert [db.session.get(Shift, i).counsellor_id for i in tuesdays(january)] == [ring.aino.id] * 4


def test_a_refusal_shows_the_chosen_shifts_again_with_the_reason(ring, january, client, login):
    service.name_counsellor(
        db.session, january["email"].id, ring.admin_a, counsellor_id=ring.aino.id, now=NOW
    )
    db.session.commit()
    login(ring.admin_a)
    response = client.post(
        "/rota/assign", data={"shift_ids": tuesdays(january), "counsellor_id": ring.aino.id}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "error-summary" in html
    assert "Tue 14.1. 09:00–12:00 Phone: Aino Aalto is already on the shift" in html
    assert html.count('name="shift_ids"') == 4 and html.count("checked") == 4
    db.session.expire_all()
    assert db.session.get(Shift, january["tue7"].id).counsellor_id is None


def test_the_rule_page_finds_the_shifts_to_name(ring, january, client, login):
    login(ring.admin_a)
    html = page(
        client, "/rota/assign?weekday=1&channel=phone&first_day=2031-01-01&last_day=2031-01-31"
    )
    assert "Shifts (4)" in html and html.count("checked") == 4
    html = page(
        client, "/rota/assign?weekday=1&channel=phone&first_day=2031-01-31&last_day=2031-01-01", 400
    )
    assert "The last day comes before the first: swap them." in html


@pytest.mark.parametrize(
    ("who", "status"),
    [("coordinator", 302), ("admin_a", 302), ("admin_b", 404), ("aino", 403), (None, 302)],
)
def test_naming_on_many_shifts_for_every_role(ring, january, client, login, who, status):
    if who:
        login(getattr(ring, who))
    shift = january["tue7"]
    response = client.post(
        "/rota/assign", data={"shift_ids": [shift.id], "counsellor_id": ring.anna.id}
    )
    assert response.status_code == status
    db.session.expire_all()
    named = db.session.get(Shift, shift.id).counsellor_id
    assert named == (ring.anna.id if who in ("coordinator", "admin_a") else None)
    if who is None:
        assert "/login" in response.location
    rule_page = client.get("/rota/assign")
    assert rule_page.status_code == {"aino": 403, None: 302}.get(who, 200)
