"""/metrics: Prometheus text behind a bearer token; the ring's state from the database."""

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from rota.db import utcnow
from rota.extensions import db
from rota.jobs import scheduler as jobs
from rota.outbox.service import queue_mail

TOKEN = "metrics-secret-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def app_config(app_config):
    app_config["METRICS_TOKEN"] = TOKEN
    return app_config


def samples(client) -> dict:
    """{(name, frozenset(labels)): value} of one scrape."""
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    families = text_string_to_metric_families(response.get_data(as_text=True))
    return {(s.name, frozenset(s.labels.items())): s.value for f in families for s in f.samples}


def test_metrics_need_the_token(client):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_request_latency_is_measured_per_route(client):
    client.get("/login")
    client.get("/login")
    got = samples(client)
    count = (
        "rota_http_request_duration_seconds_count",
        frozenset({"endpoint": "auth.login", "method": "GET", "status": "200"}.items()),
    )
    assert got[count] >= 2


def test_a_method_is_counted_as_werkzeug_reads_it_and_an_unknown_one_as_other(client):
    def count(method, endpoint="auth.login", status="200"):
        labels = {"endpoint": endpoint, "method": method, "status": status}
        return samples(client).get(
            ("rota_http_request_duration_seconds_count", frozenset(labels.items())), 0
        )

    before = count("GET"), count("other")
    client.get("/login", environ_overrides={"REQUEST_METHOD": "get"})  # methods are case-blind
    assert (count("GET"), count("other")) == (before[0] + 1, before[1])
    unknown = count("other", "unmatched", "405")
    assert client.open("/login", method="BREW").status_code == 405
    assert count("other", "unmatched", "405") == unknown + 1


def test_the_rings_state_comes_from_the_database(client, make):
    org = make.org()
    make.contact(org=org, received_at=utcnow() - timedelta(hours=2))
    make.contact()
    make.contact(owner=make.counsellor(org))
    for n in range(2):
        queue_mail(db.session, to=f"a{n}@example.fi", subject="s", text="t")
    db.session.commit()
    got = samples(client)
    assert got[("rota_outbox_messages", frozenset({"status": "queued"}.items()))] == 2
    assert got[("rota_contacts_unassigned", frozenset({"queue": "organisation"}.items()))] == 1
    assert got[("rota_contacts_unassigned", frozenset({"queue": "ring"}.items()))] == 1
    oldest = got[("rota_contacts_oldest_unanswered_age_seconds", frozenset())]
    assert 7200 <= oldest < 7300


def test_job_runs_failures_and_durations_are_counted(client, app):
    before = samples(client)
    key = ("rota_job_runs_total", frozenset({"job": "horizon", "outcome": "ok"}.items()))
    jobs.run_job("horizon", now=utcnow())
    got = samples(client)
    assert got[key] == before.get(key, 0) + 1
    duration = ("rota_job_duration_seconds_count", frozenset({"job": "horizon"}.items()))
    assert got[duration] >= 1
    assert got[("rota_scheduler_last_lease_age_seconds", frozenset())] < 60


def test_a_failing_job_is_counted_as_failed_and_its_lease_given_back(client, app):
    def explode(_session, _now):
        raise RuntimeError("the job broke")

    key = ("rota_job_runs_total", frozenset({"job": "explode", "outcome": "failed"}.items()))
    before = samples(client).get(key, 0)
    jobs.register("explode", explode, minute="*")
    try:
        with pytest.raises(RuntimeError):
            jobs.run_job("explode", now=utcnow())
    finally:
        del jobs.JOBS["explode"]
    assert samples(client)[key] == before + 1
    assert jobs.acquire_lease(db.session, "explode", "other:2", utcnow(), timedelta(seconds=30))


def test_mail_polls_and_their_messages_are_counted_by_outcome(client):
    from rota.contacts.mail.ingest import IngestReport
    from rota.ops.metrics import count_poll

    def count(name, outcome):
        return samples(client).get((name, frozenset({"outcome": outcome}.items())), 0)

    before = (
        count("rota_mail_messages_total", "new_contact"),
        count("rota_mail_polls_total", "failed"),
    )
    count_poll(IngestReport(fetched=3, new_contacts=2, failed=1))
    count_poll(IngestReport(error="OSError: connection refused"))
    after = (
        count("rota_mail_messages_total", "new_contact"),
        count("rota_mail_polls_total", "failed"),
    )
    assert (after[0] - before[0], after[1] - before[1]) == (2, 1)


def test_outbox_sends_are_counted_by_outcome(client, smtp_sink):
    from rota.extensions import mail
    from rota.outbox.delivery import deliver

    def sent(outcome):
        return samples(client).get(
            ("rota_outbox_sends_total", frozenset({"outcome": outcome}.items())), 0
        )

    before = sent("sent"), sent("retry")
    queue_mail(db.session, to="a@example.fi", subject="s", text="t")
    queue_mail(db.session, to="b@example.fi", subject="s", text="t")
    db.session.commit()
    smtp_sink.reject(451)
    deliver(db.session, mail, utcnow())
    smtp_sink.accept()
    deliver(db.session, mail, utcnow() + timedelta(minutes=5))
    assert (sent("sent") - before[0], sent("retry") - before[1]) == (2, 2)
