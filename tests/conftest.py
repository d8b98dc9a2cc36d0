"""Fixtures: a fresh app per test on real SQLite and, where reachable, real PostgreSQL."""

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from rota import create_app, hot
from rota.extensions import db
from tests import factories
from tests.support.databases import POSTGRES_URL, create_postgres_database

pytest_plugins = ["tests.support.mail_fixtures"]

BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """A database with the current schema, for the whole session, on each backend."""
    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path_factory.mktemp('db') / 'rota.sqlite3'}", lambda: None
    else:
        url, drop = create_postgres_database()
    app = create_app(_test_config(url))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    yield url
    drop()


def _test_config(url):
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": url,
        "WTF_CSRF_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": 9,  # discard port: nothing listens, so no test can send real mail by accident
        "MAIL_TIMEOUT": 2,
        "MAIL_SUPPRESS_SEND": False,  # Flask-Mail would skip SMTP under TESTING; we test real SMTP
        "SERVER_NAME": "rota.test",
        "BASE_URL": "http://rota.test",
        "BABEL_DEFAULT_LOCALE": "en",  # tests read English unless they ask for another language
    }


def _empty_all_tables():
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app_config(database_url):
    """The configuration of this test's app; tests may change it before asking for `app`."""
    return _test_config(database_url)


@pytest.fixture
def app(app_config, request):
    """A fresh app bound to an empty database (and to the real SMTP sink if the test uses one)."""
    if "smtp_sink" in request.fixturenames:
        sink = request.getfixturevalue("smtp_sink")
        app_config.update(MAIL_SERVER=sink.host, MAIL_PORT=sink.port)
    app = create_app(app_config)
    app.test_client_class = RequestClient
    with app.app_context():
        yield app
        db.session.rollback()
        _empty_all_tables()
        db.session.remove()
        db.engine.dispose()
        hot.cache(app).close()


class RequestClient(FlaskClient):
    """A test client whose every request runs in its own app context, as on a real server: the
    test's app context (its `g`, where Flask-Login keeps the signed-in person, and its database
    session) is not shared with the requests, so a browser is signed in only by what its
    cookies carry. Afterwards the test reads what the request stored afresh."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture
def another_app(app_config):
    """Build more apps on this test's database (another web worker, other settings):
    another_app(PROXY_FIX=1). Their database connections are closed at the end."""
    made = []

    def build(**overrides):
        made.append(create_app({**app_config, **overrides}))
        return made[-1]

    yield build
    for other in made:
        with other.app_context():
            db.engine.dispose()
        hot.cache(other).close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make():
    """Small factories for test data: make.org(), make.user(), make.signature() …"""
    return factories


@pytest.fixture
def ring(app) -> factories.Ring:
    """The usual small ring: Org A and Org B, both signed, and a person in every role."""
    return factories.ring()


@pytest.fixture
def login(client):
    """Sign a person in through the real login form."""

    def sign_in(user, password=factories.PASSWORD):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return sign_in
