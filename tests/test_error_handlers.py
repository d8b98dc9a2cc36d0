"""Errors: friendly localised pages with an error id an operator finds in the log; JSON under /api."""

import logging
import re

import pytest
from flask import abort

from rota import create_app
from rota.extensions import db
from rota.members.models import User
from tests import factories
from tests.factories import PASSWORD


@pytest.fixture
def failing_routes(app):
    """A page and an API route that fail with an unexpected exception, or abort with ?code=."""

    def fail(code=None):
        if code:
            abort(int(code))
        raise RuntimeError("the database went away")

    def fail_in_sql():
        db.session.execute(db.text("SELECT no_such_column FROM users"))

    app.add_url_rule("/failing", "failing_page", fail)
    app.add_url_rule("/failing-sql", "failing_sql", fail_in_sql)
    app.add_url_rule("/failing/<int:code>", "failing_page_code", fail)
    app.add_url_rule("/api/v1/failing", "failing_api", fail)
    app.add_url_rule("/api/v1/failing/<int:code>", "failing_api_code", fail)


def error_id(html: str) -> str:
    found = re.search(r'<code class="error-id">([0-9a-f]{12})</code>', html)
    assert found, html
    return found.group(1)


def test_a_404_page_is_friendly_localised_and_carries_an_error_id_that_is_logged(client, caplog):
    caplog.set_level(logging.INFO, logger="rota.errorpages")
    response = client.get("/no/such/page", headers={"Accept-Language": "sv"})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Sidan finns inte" in html and 'lang="sv"' in html
    assert error_id(html) in caplog.text


def test_a_500_page_is_friendly_and_its_error_id_is_logged_with_the_traceback(
    app, client, failing_routes, caplog
):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/failing", headers={"Accept-Language": "fi"})
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Jotain meni vikaan" in html
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert error_id(html) in record.getMessage()
    assert "the database went away" in caplog.text  # the traceback is in the log, not the page
    assert "the database went away" not in html


def test_a_500_rolls_back_so_the_error_page_can_still_read_the_database(
    app, client, failing_routes, make, login
):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    login(make.coordinator(name="Kaisa"))
    response = client.get("/failing-sql")
    assert response.status_code == 500 and "Kaisa" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (400, "bad_request"),
        (401, "unauthorized"),
        (403, "forbidden"),
        (404, "not_found"),
        (409, "conflict"),
        (413, "payload_too_large"),
    ],
)
def test_every_error_under_the_api_is_json_with_a_code_and_a_message(
    client, failing_routes, code, error
):
    response = client.get(f"/api/v1/failing/{code}")
    assert response.status_code == code and response.is_json
    body = response.get_json()
    assert body["error"] == error and body["message"]


def test_an_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_a_wrong_method_on_the_api_is_a_json_405_with_allow(client):
    response = client.get("/api/v1/telephony/events")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"OPTIONS", "POST"}
    assert response.get_json()["error"] == "method_not_allowed"


def test_an_unexpected_api_failure_is_a_json_500_with_the_logged_error_id(
    app, client, failing_routes, caplog
):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/api/v1/failing")
    assert response.status_code == 500
    body = response.get_json()
    assert body["error"] == "internal_error" and body["error_id"] in body["message"]
    assert body["error_id"] in caplog.text and "the database went away" in caplog.text


def test_a_form_too_large_is_a_413_page_that_says_the_limit(client, make, login):
    login(make.counsellor())
    response = client.post("/calls/new", data={"summary": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "at most 1 MB" in response.get_data(as_text=True)


def test_when_even_the_error_page_fails_a_plain_page_still_gives_the_error_id(
    tmp_path, app_config, caplog
):
    """The database file vanishes under a signed-in person: page and error page both fail."""
    path = tmp_path / "gone.sqlite3"
    app = create_app({**app_config, "DATABASE_URL": f"sqlite:///{path}"})
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    with app.app_context():
        db.create_all()
        factories.coordinator()
        email = db.session.scalars(db.select(User.email)).one()
        assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code
        db.engine.dispose()
    path.unlink()
    response = client.get("/")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong" in html and error_id(html) in caplog.text
    assert "the error page failed" in caplog.text
