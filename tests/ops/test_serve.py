"""The production start on one PostgreSQL database: two gunicorn instances (scripts/serve web) on
different ports and one scheduler (scripts/serve scheduler). A contact that arrives through one
instance is claimed and answered through the other, with one session cookie for both; mail the
shared mailbox brings is ingested by the scheduler and answered the same way."""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from rota import create_app
from rota.auth import tokens
from rota.contacts.models import Call, Contact
from rota.extensions import db
from tests import factories
from tests.contacts.mail.helpers import mail
from tests.support.browser import Browser
from tests.support.databases import POSTGRES_URL, create_postgres_database
from tests.support.processes import answers, serve, stop, wait_until
from tests.support.smtp import free_port

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="needs PostgreSQL (ROTA_TEST_POSTGRES_URL)"
)

RING_EMAIL = "ohjaus@ring.example"
CLIENT = "asiakas1@example.fi"
METRICS_TOKEN = "scrape-0123456789abcdef"


@pytest.fixture
def database():
    url, drop = create_postgres_database()
    yield url
    drop()


@pytest.fixture
def cluster(database, smtp_sink, imap_mailbox, tmp_path):
    """The settings every process gets, and a way to start them (all stopped at the end)."""
    env = {
        "ROTA_SECRET_KEY": "a-long-random-secret-for-the-two-hosts-0123456789",
        "ROTA_DATABASE_URL": database,
        "ROTA_BASE_URL": "https://ohjaus.ring.example",
        "ROTA_TRUSTED_HOSTS": '["ohjaus.ring.example", "127.0.0.1"]',  # the test calls gunicorn directly
        "ROTA_INSTANCE_PATH": str(tmp_path),
        "ROTA_RING_EMAIL": RING_EMAIL,
        "ROTA_MAIL_SERVER": smtp_sink.host,
        "ROTA_MAIL_PORT": str(smtp_sink.port),
        "ROTA_IMAP_HOST": imap_mailbox.host,
        "ROTA_IMAP_PORT": str(imap_mailbox.port),
        "ROTA_IMAP_SECURITY": "none",
        "ROTA_IMAP_USER": imap_mailbox.user,
        "ROTA_IMAP_PASSWORD": imap_mailbox.password,
        "ROTA_METRICS_TOKEN": METRICS_TOKEN,
        "ROTA_LOG_FORMAT": "json",
        "ROTA_WEB_WORKERS": "2",
        "ROTA_BABEL_DEFAULT_LOCALE": "en",
    }
    processes = []

    def start(mode: str, **extra):
        processes.append(serve(mode, env={**env, **extra}, log=tmp_path / f"{len(processes)}.log"))
        return processes[-1]

    yield start
    for process in processes:
        assert stop(process) == 0


def _seed(database_url: str) -> tuple[str, str]:
    """An organisation on duty now (phone and e-mail, no counsellor named), its counsellor and a
    telephony token; returns (counsellor's e-mail, token secret)."""
    app = create_app(
        {"BASE_URL": "http://rota.test", "SECRET_KEY": "seed", "DATABASE_URL": database_url}
    )
    hour = datetime.now(ZoneInfo("Europe/Helsinki")).replace(minute=0, second=0, microsecond=0)
    with app.app_context():
        org = factories.org(name="Ohjaamo")
        aino = factories.counsellor(org, name="Aino", email="aino@ohjaamo.example")
        for channel in ("phone", "email"):
            factories.shift(org, hour - timedelta(hours=1), channel=channel)
        _token, secret = tokens.create_token(db.session, name="PBX", scopes=["telephony:write"])
        db.session.commit()
        email = aino.email
        db.session.remove()
        db.engine.dispose()
    return email, secret


def _contact(database_url: str, channel: str):
    app = create_app(
        {"BASE_URL": "http://rota.test", "SECRET_KEY": "check", "DATABASE_URL": database_url}
    )
    with app.app_context():
        found = db.session.scalars(select(Contact).where(Contact.channel == channel)).first()
        calls = db.session.scalars(select(Call)).all()
        db.session.remove()
        db.engine.dispose()
    return found, calls


def _metrics(url: str) -> dict:
    page = Browser().get(url + "/metrics", Authorization=f"Bearer {METRICS_TOKEN}")
    assert page.status == 200, page.text
    families = text_string_to_metric_families(page.text)
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for f in families for s in f.samples}


def test_two_web_hosts_and_one_scheduler_share_one_ring(
    cluster, database, smtp_sink, imap_mailbox, tmp_path
):
    ports = [free_port(), free_port()]
    a, b = (f"http://127.0.0.1:{port}" for port in ports)
    for port in ports:  # both at once: their migrations queue on the database lock
        cluster("web", ROTA_WEB_BIND=f"127.0.0.1:{port}")
    for url in (a, b):
        wait_until(lambda url=url: answers(url + "/healthz"), 60, f"{url} starts")
    counsellor, pbx_secret = _seed(database)
    imap_mailbox.append(mail(1, sender=CLIENT))
    cluster("scheduler")

    # A call arrives through A: a contact in the organisation's queue.
    call = {
        "event": "new",
        "call_id": "c-1",
        "caller": "040 765 4321",
        "called": "+358401234567",
        "timestamp": datetime.now(ZoneInfo("UTC")).isoformat(),
    }
    pbx = Browser().request(
        a + "/api/v1/telephony/events",
        "POST",
        json.dumps(call),
        {"Content-Type": "application/json", "Authorization": f"Bearer {pbx_secret}"},
    )
    assert pbx.status == 201, pbx.text
    phone_contact, _calls = _contact(database, "phone")
    assert phone_contact.owner_id is None and phone_contact.organisation_id is not None

    # The counsellor signs in on A; the same session works on B, where she claims and answers.
    aino = Browser()
    signed_in = aino.submit(
        a + "/login", a + "/login", {"email": counsellor, "password": factories.PASSWORD}
    )
    assert signed_in.status == 302, signed_in.text
    assert phone_contact.reference in aino.get(b + "/contacts").text
    page = f"{b}/contacts/{phone_contact.id}"
    assert aino.submit(page, page + "/claim", {}).status == 302
    answered = {
        "caller": "040 765 4321",
        "outcome": "answered",
        "started_at": datetime.now(ZoneInfo("Europe/Helsinki")).strftime("%Y-%m-%dT%H:%M"),
    }
    assert aino.submit(page, page + "/calls", answered).status == 302
    phone_contact, calls = _contact(database, "phone")
    assert phone_contact.owner_id is not None
    assert [str(c.outcome) for c in calls][-1] == "answered"  # the call, then the one logged

    # Mail to the shared mailbox: the scheduler ingests and acknowledges it; A claims, B replies.
    mail_contact = wait_until(lambda: _contact(database, "email")[0], 60, "the mail is ingested")
    acknowledgement = smtp_sink.wait_for(1, timeout=60)[0]
    assert acknowledgement.rcpt_tos == (CLIENT,)
    assert (
        aino.submit(
            f"{a}/contacts/{mail_contact.id}", f"{a}/contacts/{mail_contact.id}/claim", {}
        ).status
        == 302
    )
    page = f"{b}/contacts/{mail_contact.id}"
    assert aino.submit(page, page + "/reply", {"text": "Hei, tässä vastaus."}).status == 302
    received = smtp_sink.wait_for(2, timeout=60)
    assert [m.rcpt_tos for m in received] == [(CLIENT,), (CLIENT,)]
    assert "tässä vastaus" in received[1].message.get_body().get_content()

    # Signing out on B ends the session on A too: a saved copy of its cookies is dead on both.
    saved = Browser()
    saved.cookies = dict(aino.cookies)
    assert aino.submit(b + "/contacts", b + "/logout", {}).status == 302
    for url in (a, b):
        assert saved.get(url + "/contacts").status == 302  # to the sign-in page
    # Wrong passwords on A and B count together: after ten, even the right one is refused.
    for url in (a, b) * 5:
        form = {"email": counsellor, "password": "not-the-password"}
        assert Browser().submit(url + "/login", url + "/login", form).status == 400
    form = {"email": counsellor, "password": factories.PASSWORD}
    assert Browser().submit(b + "/login", b + "/login", form).status == 429

    # Both are ready (scheduler, mailbox, outbox, migrations); A's metrics sum its workers.
    for url in (a, b):
        wait_until(lambda url=url: answers(url + "/readyz"), 60, f"{url} is ready")
    logins = (
        "rota_http_request_duration_seconds_count",
        (("endpoint", "auth.login"), ("method", "GET"), ("status", "200")),
    )
    before = _metrics(a)[logins]
    for _ in range(6):
        Browser().get(a + "/login")
    figures = _metrics(a)
    assert figures[logins] == before + 6  # whichever of A's workers served them
    assert figures[("rota_contacts_unassigned", (("queue", "organisation"),))] == 0
    logs = "".join(path.read_text() for path in tmp_path.glob("*.log"))
    lines = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    assert lines and all(line["request_id"] for line in lines)
    assert CLIENT not in logs and "765 4321" not in logs


def _one_host_env(database: str, tmp_path, **extra) -> dict:
    env = {
        "ROTA_SECRET_KEY": "a-long-random-secret-for-one-host-0123456789",
        "ROTA_DATABASE_URL": database,
        "ROTA_BASE_URL": "https://ohjaus.ring.example",
        "ROTA_TRUSTED_HOSTS": '["ohjaus.ring.example", "127.0.0.1"]',  # the test calls gunicorn directly
        "ROTA_INSTANCE_PATH": str(tmp_path),
        "ROTA_WEB_WORKERS": "1",
        "ROTA_WEB_BIND": f"127.0.0.1:{free_port()}",
    }
    return {**env, **extra}


def test_scripts_serve_starts_web_and_scheduler_and_stops_both_cleanly(database, tmp_path):
    env = _one_host_env(database, tmp_path)
    process = serve("all", env=env, log=tmp_path / "serve.log")
    try:
        ready = f"http://{env['ROTA_WEB_BIND']}/readyz"
        wait_until(lambda: answers(ready), 90, (tmp_path / "serve.log").read_text)
        assert Browser().get(ready).json()["status"] == "ready"
    finally:
        assert stop(process) == 0, (tmp_path / "serve.log").read_text()


@pytest.mark.parametrize(
    ("setting", "value", "says"),
    [
        ("ROTA_BASE_URL", "", "set ROTA_BASE_URL to the https address of the ring"),
        ("ROTA_BASE_URL", "http://ohjaus.example", "BASE_URL must be the ring's https address"),
        ("ROTA_SECRET_KEY", "short", "SECRET_KEY must be a long random value"),
    ],
)
def test_scripts_serve_refuses_settings_unfit_for_production(
    database, tmp_path, setting, value, says
):
    env = _one_host_env(database, tmp_path, **{setting: value})
    if not value:
        del env[setting]
    process = serve("web", env=env, log=tmp_path / "serve.log")
    assert process.wait(60) != 0
    assert says in (tmp_path / "serve.log").read_text()
