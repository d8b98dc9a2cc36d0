"""The monthly mail: on the 1st, last month's ring summary to the coordinator and each
organisation admin its own statement, in their language, once."""

from datetime import UTC, datetime

import pytest

from rota.extensions import db
from rota.jobs import scheduler as jobs
from tests.reports import history

FIRST_OF_APRIL = datetime(2026, 4, 1, 3, tzinfo=UTC)  # 06:00 in Helsinki


@pytest.fixture
def monthly(app_config):
    app_config["REPORT_MONTHLY_MAIL"] = True


def test_summary_to_the_coordinator_and_own_statements_to_admins(monthly, app, make, smtp_sink):
    month = history.build(make)
    make.coordinator(email="koordinaattori@example.fi").locale = "fi"
    make.org_admin(month.org_b, email="admin.b@example.fi")  # the ring's default: English
    db.session.commit()
    # the history's own coordinator gets the summary too
    assert jobs.run_job("monthly-reports", now=FIRST_OF_APRIL).result == 3
    assert jobs.run_job("monthly-reports", now=FIRST_OF_APRIL).result == 0
    mails = {m.message["To"]: m.message for m in smtp_sink.wait_for(3)}
    summary = mails["koordinaattori@example.fi"]
    assert summary["Subject"] == "Renkaan yhteenveto 03/2026"
    text = summary.get_content()
    assert "- Org A; Sitoumus (h): 31;" in text and "- Org C;" in text
    assert "http://rota.test/reports" in text
    statement = mails["admin.b@example.fi"]
    assert statement["Subject"] == "Contribution statement: Org B 03/2026"
    body = statement.get_content()
    assert "- Org B; Committed (h): 21; Entitled (h): 3.75;" in body and "Org A" not in body


def test_no_monthly_mail_unless_the_ring_wants_it(app, make):
    make.coordinator()
    assert jobs.run_job("monthly-reports", now=FIRST_OF_APRIL).result == 0
