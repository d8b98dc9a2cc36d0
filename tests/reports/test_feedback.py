"""Client feedback: one mail after a contact is closed, in the client's language, with a link
that works once and expires; the answer is stored and counted in the service report."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from rota.contacts.models import Contact, ContactStatus
from rota.extensions import db
from rota.jobs import scheduler as jobs
from rota.reports import service
from rota.reports.models import FeedbackRequest
from rota.reports.service import ReportSettings
from tests.factories import HELSINKI

# the pages check the link against the real clock: the contact was closed an hour ago
CLOSED = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
LATER = CLOSED + timedelta(minutes=10)
AROUND = (CLOSED.date() - timedelta(days=1), CLOSED.date() + timedelta(days=1))


@pytest.fixture
def asking(app_config):
    app_config["FEEDBACK_MAIL"] = True


def _closed(make, language="sv", email="klient@example.se"):
    return make.contact(
        client_email=email,
        language=language,
        status=ContactStatus.CLOSED,
        received_at=CLOSED - timedelta(hours=2),
        closed_at=CLOSED,
    )


def _link(mail) -> str:
    (link,) = re.findall(r"http://rota\.test/feedback/\S+", mail.message.get_content())
    return link.removeprefix("http://rota.test")


def test_client_gets_one_mail_in_their_language_and_answers_once(
    asking, app, client, make, smtp_sink
):
    contact = _closed(make)
    make.contact(client_email="", status=ContactStatus.CLOSED, closed_at=CLOSED)  # no address
    assert jobs.run_job("feedback", now=LATER).result == 1
    assert jobs.run_job("feedback", now=LATER + timedelta(minutes=10)).result == 0
    (mail,) = smtp_sink.wait_for(1)
    assert mail.message["To"] == "klient@example.se"
    assert "Tack för att du kontaktade" in mail.message.get_content()
    url = _link(mail)
    page = client.get(url)
    assert page.status_code == 200 and "Hur väl hjälpte vi dig?" in page.get_data(as_text=True)
    assert client.post(url, data={"rating": "4", "comment": " Bra råd "}).status_code == 200
    again = client.post(url, data={"rating": "1"})
    assert "Länken fungerar bara en gång." in again.get_data(as_text=True)
    stored = db.session.query(FeedbackRequest).one()
    assert (stored.contact_id, stored.rating, stored.comment) == (contact.id, 4, "Bra råd")
    report = service.service_report(db.session, *AROUND, ReportSettings(HELSINKI))
    assert (report.feedback_asked, report.feedback_answered, report.ratings) == (1, 1, {4: 1})


def test_a_rating_outside_1_to_5_is_refused(asking, app, client, make, smtp_sink):
    _closed(make, language="en")
    jobs.run_job("feedback", now=LATER)
    url = _link(smtp_sink.wait_for(1)[0])
    response = client.post(url, data={"rating": "9"})
    assert response.status_code == 400
    assert db.session.query(FeedbackRequest).one().answered_at is None


def test_an_expired_link_takes_no_answer(asking, app, make):
    from rota.errors import DomainError
    from rota.reports import feedback

    _closed(make)
    settings = feedback.FeedbackSettings.from_config(app.config)
    secrets = []
    feedback.request_feedback(db.session, LATER, settings, lambda s: secrets.append(s) or s)
    with pytest.raises(DomainError, match="expired"):
        feedback.answer(db.session, secrets[0], LATER + timedelta(days=14), 5, "")
    assert feedback.answer(db.session, secrets[0], LATER + timedelta(days=13), 5, "").rating == 5


def test_no_mail_unless_the_ring_asks_for_feedback(app, make):
    _closed(make)
    assert jobs.run_job("feedback", now=LATER).result == 0
    assert db.session.query(FeedbackRequest).count() == 0


def test_an_unknown_link_is_404(client, app):
    assert client.get("/feedback/not-a-secret").status_code == 404


def test_a_contact_closed_long_ago_is_not_asked(asking, app, make):
    _closed(make)
    assert jobs.run_job("feedback", now=CLOSED + timedelta(days=15)).result == 0
    assert db.session.get(Contact, 1).status == ContactStatus.CLOSED
