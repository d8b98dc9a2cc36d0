"""Alembic migrations build, from an empty database, exactly the schema the models describe."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from rota import create_app
from rota.extensions import db
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
