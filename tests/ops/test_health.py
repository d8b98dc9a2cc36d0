"""/healthz and /readyz: no login, each check named, 503 with the reason when one fails."""

from datetime import timedelta

import pytest
from sqlalchemy import text

from rota import create_app
from rota.contacts.mail.poll import mailbox_key
from rota.contacts.models import MailboxState
from rota.db import utcnow
from rota.extensions import db
from rota.jobs.lease import acquire_lease
from rota.ops.health import migration_heads
from rota.outbox.models import OutboxMessage
from rota.outbox.service import queue_mail


@pytest.fixture
def migrated(app):
    """The test database stamped at the code's migration head, as `db upgrade` leaves it."""
    db.session.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
    for head in migration_heads():
        db.session.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": head})
    db.session.commit()
    yield
    db.session.execute(text("DROP TABLE alembic_version"))
    db.session.commit()


@pytest.fixture
def scheduler_alive(migrated):
    acquire_lease(db.session, "outbox", "host:1", utcnow(), timedelta(seconds=30))


def test_healthz_answers_without_a_login_or_a_database(tmp_path):
    app = create_app(
        {
            "BASE_URL": "http://rota.test",
            "SERVER_NAME": "rota.test",
            "SECRET_KEY": "x",
            "DATABASE_URL": f"sqlite:///{tmp_path}/none/x.db",
        }
    )
    response = app.test_client().get("/healthz")
    assert (response.status_code, response.json) == (200, {"status": "ok"})


def test_readyz_says_the_database_is_unreachable(tmp_path):
    app = create_app(
        {
            "BASE_URL": "http://rota.test",
            "SERVER_NAME": "rota.test",
            "SECRET_KEY": "x",
            "DATABASE_URL": f"sqlite:///{tmp_path}/none/x.db",
        }
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"] == {"database": "unreachable (OperationalError)"}


def test_readyz_is_ready_when_migrated_and_a_scheduler_runs(client, scheduler_alive):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json == {
        "status": "ready",
        "checks": {
            "database": "ok",
            "migrations": "ok",
            "scheduler": "ok",
            "mail": "not configured",
            "outbox": "ok",
        },
    }
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_names_an_unmigrated_database(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["migrations"] == "the schema is not at the code's head"
    assert response.json["checks"]["database"] == "ok"


def test_readyz_fails_when_no_scheduler_renewed_a_lease_lately(client, migrated):
    acquire_lease(db.session, "outbox", "h:1", utcnow() - timedelta(minutes=4), timedelta(1))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["scheduler"] == "no scheduler process took a job lease lately"


def test_readyz_fails_when_mail_has_waited_too_long(client, scheduler_alive):
    queue_mail(db.session, to="a@example.fi", subject="s", text="t")
    db.session.commit()
    assert client.get("/readyz").status_code == 200  # due now: not stuck yet
    db.session.execute(
        db.update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(minutes=16))
    )
    db.session.commit()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["outbox"] == "mail has been due to go out for too long"


def test_readyz_watches_the_shared_mailbox_once_one_is_configured(app, client, scheduler_alive):
    app.config.update(IMAP_HOST="imap.example.fi", IMAP_USER="ohjaus")
    assert client.get("/readyz").json["checks"]["mail"] == "the shared mailbox was not read lately"
    state = MailboxState(
        mailbox=mailbox_key(app.config), uidvalidity=1, last_uid=0, failures=0, checked_at=utcnow()
    )
    db.session.add(state)
    db.session.commit()
    assert client.get("/readyz").status_code == 200
    state.failures = 5
    db.session.commit()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["mail"] == "the last 5 reads of the shared mailbox failed"
