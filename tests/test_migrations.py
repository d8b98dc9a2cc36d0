"""Alembic migrations build, from an empty database, exactly the schema the models describe; a
data migration changes only the rows it means to."""

from datetime import datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import text

from rota import create_app
from rota.extensions import db
from rota.ops.health import MIGRATIONS
from tests.support.databases import create_postgres_database


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    url, drop = create_postgres_database()
    yield url
    drop()


def test_upgrade_from_empty_leaves_no_difference_from_the_models(empty_database_url, app_config):
    app = create_app({**app_config, "DATABASE_URL": empty_database_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert diff == []


CALL_SUBJECTS = "7c1e5a9b3d42"  # the migration that clears the stored call subjects


def test_call_subjects_written_in_any_language_are_cleared_and_typed_ones_kept(
    empty_database_url, app_config
):
    rows = [
        ("PHONE", "Call from +358401234567", "+358401234567"),
        ("PHONE", "Puhelu: salainen numero", ""),
        ("PHONE", "Samtal från +35850123", "+35850123"),
        ("PHONE", "Soitto Ainolle", "+358401234567"),
        ("EMAIL", "Call from +358401234567", ""),
    ]
    insert = text(
        "INSERT INTO contacts (channel, status, subject, client_name, client_email, client_phone,"
        " received_at, updated_at, version) VALUES (:channel, 'NEW', :subject, '', '', :phone,"
        " :at, :at, 1)"
    )
    app = create_app({**app_config, "DATABASE_URL": empty_database_url})
    with app.app_context():
        upgrade(revision=ScriptDirectory(str(MIGRATIONS)).get_revision(CALL_SUBJECTS).down_revision)
        with db.engine.begin() as connection:
            for channel, subject, phone in rows:
                values = {"channel": channel, "subject": subject, "phone": phone}
                connection.execute(insert, {**values, "at": datetime(2026, 3, 30)})
        upgrade()
        with db.engine.connect() as connection:
            subjects = connection.scalars(text("SELECT subject FROM contacts ORDER BY id")).all()
        db.engine.dispose()
    assert subjects == ["", "", "", "Soitto Ainolle", "Call from +358401234567"]
