"""Rota pages: week and month views, an organisation's shifts, a shift with its history."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from rota.extensions import db
from rota.schedule.models import Shift, ShiftChange


@pytest.fixture
def shifts(ring, make):
    """Org A's shift with Aino Aalto and its open one on Monday 31 March 2031, Org B's e-mail
    shift on the Tuesday."""
    rows = {
        "named": make.shift(ring.org_a, start="2031-03-31T09:00", counsellor=ring.aino),
        "open": make.shift(ring.org_a, start="2031-03-31T12:00"),
        "other": make.shift(ring.org_b, start="2031-04-01T09:00", channel="email"),
    }
    db.session.commit()
    return rows


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_week_view_shows_local_times_organisations_and_gaps_in_words(ring, shifts, client, login):
    login(ring.aino)
    html = page(client, "/rota?day=2031-04-02&view=list")
    # 2031-03-31 is summer time: the 09:00 shift is stored 06:00 UTC and shown 09:00
    assert "09:00–12:00" in html and "12:00–15:00" in html
    assert "Org A" in html and "Org B" in html
    assert "Aino Aalto" in html
    assert html.count("No counsellor") == 2
    assert "?day=2031-03-24" in html and "?day=2031-04-07" in html  # previous and next week


def test_week_view_in_winter_shows_the_same_wall_clock_time(app, make, client, login):
    org = make.org(name="Org W")
    make.shift(org, start="2031-01-06T09:00")
    user = make.coordinator()
    db.session.commit()
    login(user)
    html = page(client, "/rota?day=2031-01-06")
    assert "09:00–12:00" in html


def test_month_view_lists_the_month_with_navigation(ring, shifts, client, login):
    login(ring.coordinator)
    html = page(client, "/rota/month?day=2031-04-15&view=list")
    assert "Org B" in html and "Aino Aalto" not in html  # March's shifts are not in April
    assert "?day=2031-03-01" in html and "?day=2031-05-01" in html
    html = page(client, "/rota/month?day=2031-03-10&view=list")
    assert "Aino Aalto" in html


def test_a_malformed_day_is_a_clear_400(ring, shifts, client, login):
    login(ring.aino)
    assert "YYYY-MM-DD" in page(client, "/rota?day=next-tuesday", 400)


def test_admin_names_a_counsellor_through_the_shift_page(ring, shifts, client, login):
    login(ring.admin_a)
    shift = shifts["open"]
    html = page(client, f"/shifts/{shift.id}")
    assert "Name the counsellor" in html and "Aino Aalto" in html
    response = client.post(
        f"/shifts/{shift.id}/counsellor",
        data={"counsellor_id": ring.aino.id, "version": shift.version},
    )
    assert response.status_code == 302
    html = page(client, f"/shifts/{shift.id}")
    assert "Counsellor named" in html and "Aino Aalto" in html


def test_naming_someone_of_another_organisation_shows_the_error_and_changes_nothing(
    ring, shifts, client, login, make
):
    stranger = make.counsellor(ring.admin_b.organisation, name="Bo Berg")
    db.session.commit()
    login(ring.admin_a)
    shift = shifts["open"]
    response = client.post(f"/shifts/{shift.id}/counsellor", data={"counsellor_id": stranger.id})
    assert response.status_code == 400
    assert "Bo Berg is not one of Org A" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Shift, shift.id).counsellor_id is None
    assert db.session.scalar(db.select(db.func.count()).select_from(ShiftChange)) == 0


def test_offer_then_take_through_the_pages(ring, shifts, client, login):
    shift = shifts["named"]
    login(ring.admin_a)
    client.post(f"/shifts/{shift.id}/offer", data={"note": "Training day"})
    client.post("/logout")
    login(ring.admin_b)
    html = page(client, f"/rota/organisations/{ring.admin_b.organisation_id}")
    assert "Shifts you can take" in html and "Training day" in html
    response = client.post(f"/shifts/{shift.id}/take", data={"reason": "Happy to help"})
    assert response.status_code == 302
    html = page(client, f"/shifts/{shift.id}")
    assert "Org A → Org B" in html and "Happy to help" in html and "Training day" in html


def test_shift_page_history_starts_with_the_rotations_assignment_and_reason(
    ring, shifts, client, login
):
    shift = shifts["open"]
    shift.behind_hours, shift.created_at = 12.04, datetime(2031, 1, 5, 8, tzinfo=UTC)
    db.session.commit()
    login(ring.admin_a)
    client.post(f"/shifts/{shift.id}/offer", data={"note": ""})
    client.post("/logout")
    login(ring.admin_b)
    client.post(f"/shifts/{shift.id}/take", data={"reason": "Cover"})
    html = page(client, f"/shifts/{shift.id}")
    first = html.split("<tbody>")[1].split("</tr>")[0]
    # 08:00 UTC is 10:00 in Helsinki; the rotation gave it to Org A, which was 12.0 h behind
    assert "5.1.2031 10:00" in first and "Assigned by the rotation" in first
    assert "the rotation" in first and "– → Org A" in first and "12.0 h behind its share" in first
    assert "Org A → Org B" in html
    ring.admin_b.locale = "fi"
    db.session.commit()
    assert "12,0 h jäljessä osuudestaan" in page(client, f"/shifts/{shift.id}")


def test_second_taker_sees_who_took_it(ring, shifts, client, login, make):
    shift = shifts["named"]
    admin_c = make.org_admin(make.org(name="Org C"))
    make.signature(admin_c.organisation)
    db.session.commit()
    login(ring.admin_a)
    client.post(f"/shifts/{shift.id}/offer", data={"note": ""})
    version = db.session.get(Shift, shift.id).version
    client.post("/logout")
    login(ring.admin_b)
    client.post(f"/shifts/{shift.id}/take", data={"version": version})
    client.post("/logout")
    login(admin_c)
    response = client.post(f"/shifts/{shift.id}/take", data={"version": version})
    assert response.status_code == 400
    assert "just taken by Org B; it is no longer offered" in response.get_data(as_text=True)


def test_coordinator_override_without_reason_is_refused_on_the_form(ring, shifts, client, login):
    login(ring.coordinator)
    shift = shifts["open"]
    org_b = ring.admin_b.organisation_id
    response = client.post(f"/shifts/{shift.id}/override", data={"organisation_id": org_b})
    assert response.status_code == 400 and "Override the assignment" in response.get_data(True)
    response = client.post(
        f"/shifts/{shift.id}/override",
        data={"organisation_id": org_b, "counsellor_id": 0, "reason": "Org A asked"},
    )
    assert response.status_code == 302
    assert "Overridden by the coordinator" in page(client, f"/shifts/{shift.id}")


def test_absence_page_records_and_the_shift_shows_uncovered(ring, shifts, client, login):
    login(ring.aino)
    response = client.post(
        "/absences",
        data={"person_id": ring.aino.id, "first_day": "2031-03-31", "last_day": "2031-03-31"},
    )
    assert response.status_code == 302
    assert "Aino Aalto is away: no counsellor" in page(client, f"/shifts/{shifts['named'].id}")
    bad = client.post(
        "/absences",
        data={"person_id": ring.aino.id, "first_day": "2031-04-02", "last_day": "2031-04-01"},
    )
    assert bad.status_code == 400 and "cannot be before the first day" in bad.get_data(True)


def test_front_page_panels_by_role(ring, shifts, client, login):
    login(ring.aino)
    assert "My next shifts" in page(client, "/")
    client.post("/logout")
    login(ring.coordinator)
    html = page(client, "/")
    assert "On duty today" in html and "Coverage gaps" in html
    client.post("/logout")
    login(ring.admin_a)
    html = page(client, "/")
    assert "Offered shifts" in html and "Coverage gaps" in html


def test_gaps_page_lists_the_organisations_own_gaps(ring, make, client, login):
    now = datetime.now(UTC)
    local = now.astimezone(ZoneInfo("Europe/Helsinki")).strftime("%Y-%m-%d")
    make.shift(ring.org_a, start=f"{local}T23:00", hours=1)
    make.shift(ring.org_b, start=f"{local}T23:00", hours=1, channel="email")
    db.session.commit()
    login(ring.admin_a)
    html = page(client, "/rota/gaps")
    assert "Org A" in html and "Org B" not in html
