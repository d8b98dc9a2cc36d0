"""Backup and restore: a round trip into an empty database (across SQLite and PostgreSQL) gives
the same rows, stored mail and attachments, fairness figures and calendar feeds."""

import gzip
import itertools
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import MetaData, func, select

from rota import create_app
from rota.auth import tokens
from rota.contacts.mail.ingest import ingest_pending
from rota.contacts.models import Attachment, Contact, RawMessage, RawStatus
from rota.db import utcnow
from rota.demo import load_demo
from rota.extensions import db
from rota.schedule.planning import generation
from tests.contacts.mail.helpers import RING_EMAIL, mail
from tests.support.databases import POSTGRES_URL, create_postgres_database

NOW = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
WEEKS_AHEAD = date.today() + timedelta(weeks=8)
CORPUS = Path(__file__).resolve().parents[1] / "contacts" / "mail" / "corpus"
PAIRS = [("sqlite", "sqlite")]
if POSTGRES_URL:
    PAIRS = [("sqlite", "postgresql"), ("postgresql", "sqlite")]


@pytest.fixture
def new_app(tmp_path):
    """Make apps on new, empty databases of either backend; closed and dropped after the test."""
    apps, drops, made = [], [], itertools.count()

    def make(backend: str):
        url = f"sqlite:///{tmp_path}/{next(made)}.sqlite3"
        if backend == "postgresql":
            url, drop = create_postgres_database()
            drops.append(drop)
        config = {
            "SECRET_KEY": "backup-test",
            "DATABASE_URL": url,
            "SERVER_NAME": "rota.test",
            "BASE_URL": "http://rota.test",
        }
        apps.append(create_app({**config, "RING_EMAIL": RING_EMAIL, "MAIL_PORT": 9}))
        return apps[-1]

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    for drop in drops:
        drop()


def _fill(app) -> str:
    """A ring with shifts, ingested mail with attachments and a feed token; its feed secret."""
    with app.app_context():
        upgrade()
        load_demo(db.session)
        settings = generation.RotaSettings.from_config(app.config)
        generation.generate(db.session, WEEKS_AHEAD, utcnow(), settings=settings)  # from today
        raws = [mail(n) for n in range(1, 6)] + [
            (CORPUS / "12_rfc2231_attachment.eml").read_bytes()
        ]
        for uid, raw in enumerate(raws, start=1):
            db.session.add(
                RawMessage(
                    mailbox="box",
                    uidvalidity=1,
                    uid=uid,
                    message_id="",
                    digest="",
                    size=len(raw),
                    data=raw,
                    status=RawStatus.PENDING,
                    fetched_at=NOW,
                )
            )
        _token, secret = tokens.create_token(db.session, name="Calendar", scopes=["feeds:read"])
        ingest_pending(db.session, app.config, NOW)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Attachment)) >= 1
    return secret


def _every_row(app) -> dict:
    with app.app_context():
        meta = MetaData()
        meta.reflect(db.engine)
        with db.engine.connect() as conn:
            rows = {
                t.name: sorted(conn.execute(select(t)).all(), key=repr)
                for t in meta.sorted_tables
                if t.name != "alembic_version"
            }
    return rows


def _feed(app, secret: str) -> str:
    body = app.test_client().get(f"/feeds/{secret}/ring.ics").get_data(as_text=True)
    assert "BEGIN:VEVENT" in body
    return re.sub(r"DTSTAMP:\d{8}T\d{6}Z\r\n", "DTSTAMP:-\r\n", body)


def _fairness(app) -> str:
    with app.app_context():
        result = app.test_cli_runner().invoke(
            args=["fairness", "--from", date.today().isoformat(), "--to", WEEKS_AHEAD.isoformat()]
        )
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_a_backup_restored_into_an_empty_database_is_the_same_ring(
    source, target, new_app, tmp_path
):
    original, restored = new_app(source), new_app(target)
    secret = _fill(original)
    archive = tmp_path / "rota-backup.jsonl.gz"
    result = original.test_cli_runner().invoke(args=["backup", "--out", str(archive)])
    assert result.exit_code == 0, result.output
    result = restored.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output
    assert "Restored from" in result.output

    assert _every_row(restored) == _every_row(original)
    with restored.app_context():
        attachment = db.session.scalars(select(Attachment)).first()
        assert attachment.data and len(attachment.data) == attachment.size
        assert db.session.scalar(select(func.count()).select_from(Contact)) == 6
        db.session.add(Contact(channel="email", subject="After the restore"))
        db.session.commit()  # ids go on past the restored ones (PostgreSQL's sequences too)
    assert _feed(restored, secret) == _feed(original, secret)
    assert _fairness(restored) == _fairness(original)


def test_restore_refuses_a_database_that_has_data_and_changes_nothing(new_app, tmp_path):
    original = new_app("sqlite")
    _fill(original)
    archive = tmp_path / "backup.jsonl.gz"
    original.test_cli_runner().invoke(args=["backup", "--out", str(archive)])
    before = _every_row(original)
    result = original.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code == 1
    assert "the database is not empty (table" in result.output
    assert "restore into a new, empty database" in result.output
    assert _every_row(original) == before


@pytest.mark.parametrize("damage", ["lines cut", "bytes cut", "row changed"])
def test_a_damaged_backup_is_refused_and_nothing_is_loaded(new_app, tmp_path, damage):
    original = new_app("sqlite")
    _fill(original)
    archive, bad = tmp_path / "backup.jsonl.gz", tmp_path / "bad.jsonl.gz"
    original.test_cli_runner().invoke(args=["backup", "--out", str(archive)])
    lines = gzip.decompress(archive.read_bytes()).splitlines(keepends=True)
    if damage == "lines cut":
        bad.write_bytes(gzip.compress(b"".join(lines[: len(lines) // 2])))
    elif damage == "bytes cut":
        bad.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    else:
        lines[len(lines) // 2] = b'["not", "a row of this table"]\n'
        bad.write_bytes(gzip.compress(b"".join(lines)))
    target = new_app("sqlite")
    result = target.test_cli_runner().invoke(args=["restore", str(bad)])
    assert result.exit_code == 1
    assert "use another" in result.output
    assert all(not rows for rows in _every_row(target).values())
