"""The fairness table: entitled against assigned hours, on a page for everyone who manages, and CLI."""

from datetime import date

import pytest

from rota.extensions import db
from rota.schedule.planning import generation
from rota.schedule.planning.fairness import tally
from tests.schedule.planning.helpers import NEW_YEAR, SETTINGS


def test_tally_splits_each_shift_by_the_weights_of_its_day():
    weights = {date(2026, 1, 5): {1: 30.0, 2: 10.0}, date(2026, 1, 6): {1: 10.0}}
    shifts = [(date(2026, 1, 5), 4.0, 1), (date(2026, 1, 5), 4.0, 2), (date(2026, 1, 6), 3.0, 2)]
    entitled, assigned = tally(shifts, weights.__getitem__)
    assert entitled == {1: 6.0 + 3.0, 2: 2.0}
    assert assigned == {1: 4.0, 2: 7.0}  # 2 holds a shift of a day it was not in force (a swap)


@pytest.fixture
def generated(app, make):
    """Orgs A, B and C committed 30, 20 and 10 h a month, the rota generated to the end of
    June 2026, and C's admin."""
    agreement = make.agreement()
    orgs = [make.org(name=f"Org {c}", short_name=c) for c in "ABC"]
    for org, hours in zip(orgs, (30, 20, 10), strict=True):
        make.signature(org, agreement, commitment_amount=hours)
    make.service_hours([(day, 9, 12, "phone") for day in range(5)])
    generation.generate(db.session, date(2026, 6, 30), NEW_YEAR, settings=SETTINGS)
    admin = make.org_admin(orgs[2])
    db.session.commit()
    return orgs, admin


def test_org_admin_sees_every_organisations_numbers(generated, client, login):
    _orgs, admin = generated
    login(admin)
    response = client.get("/fairness?first=2026-01-01&last=2026-06-30")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert all(f"Org {c}" in page for c in "ABC")
    assert "50.0 %" in page and "16.7 %" in page  # committed shares 30:20:10


def test_fairness_range_ending_before_it_starts_is_refused(generated, client, login):
    login(generated[1])
    response = client.get("/fairness?first=2026-06-30&last=2026-01-01")
    assert response.status_code == 400
    assert "The last day must be on or after the first day" in response.get_data(as_text=True)


def test_fairness_command_prints_the_table(generated, runner):
    result = runner.invoke(args=["fairness", "--from", "2026-01-01", "--to", "2026-06-30"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Entitled" in lines[1] and "Assigned" in lines[1]
    rows = {line.split()[0]: line for line in lines[2:]}
    assert set(rows) == {"A", "B", "C"} and "50.0%" in rows["A"]
    bad = runner.invoke(args=["fairness", "--from", "2026-06-30", "--to", "2026-01-01"])
    assert bad.exit_code != 0 and "last day" in bad.output


def test_fairness_page_shows_each_month_committed_entitled_assigned(generated, client, login):
    _orgs, admin = generated
    login(admin)
    page = client.get("/fairness?first=2026-01-01&last=2026-03-31").get_data(as_text=True)
    assert page.count("h of service hours") == 3  # January, February, March
    march = page.split("3/2026:")[1].split("</table>")[0]
    row = march.split("Org A")[1].split("</tr>")[0]
    assert "<td>30.0</td>" in row  # its commitment, the whole month in force


def test_fairness_numbers_have_a_decimal_comma_in_finnish_and_swedish(generated, client, login):
    _orgs, admin = generated
    login(admin)
    for language in ("fi", "sv"):
        client.post("/language", data={"language": language})
        page = client.get("/fairness?first=2026-01-01&last=2026-06-30").get_data(as_text=True)
        assert "50,0 %" in page and "16,7 %" in page and "16.7" not in page, language
