"""Logs: a request id on every line, in the response and on error pages; no client data."""

import io
import json
import logging
import os
import re

import pytest
from sqlalchemy import text

from rota.extensions import db
from rota.ops import logs

CLIENT_EMAIL = "maija.meikalainen@example.fi"


@pytest.fixture
def json_lines():
    """Every log record of the test, as the JSON lines production would write."""
    stream = io.StringIO()
    handler = logs.handler("json", stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


def test_every_request_has_an_id_in_its_log_lines_and_response(client, json_lines):
    response = client.get("/login")
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 32
    lines = [line for line in json_lines() if line["logger"] == "rota.access"]
    assert [(line["request_id"], line["message"]) for line in lines] == [
        (request_id, lines[0]["message"])
    ]
    assert lines[0]["message"].startswith("GET /login 200 ")


def test_the_proxy_request_id_is_kept_and_a_malformed_one_replaced(client):
    given = "nginx-0123456789abcdef"
    assert client.get("/login", headers={"X-Request-ID": given}).headers["X-Request-ID"] == given
    forged = client.get("/login", headers={"X-Request-ID": '1234567890", "level": "ERROR'})
    assert len(forged.headers["X-Request-ID"]) == 32 and '"' not in forged.headers["X-Request-ID"]


def test_forked_workers_draw_different_request_ids():
    """gunicorn forks its workers from one master: each must draw its own ids."""
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:
        os.write(writing, logs.new_id().encode())
        os._exit(0)
    os.close(writing)
    ours = logs.new_id()
    os.waitpid(child, 0)
    with os.fdopen(reading) as pipe:
        theirs = pipe.read()
    assert len(theirs) == len(ours) == 32 and theirs != ours


def test_the_access_line_names_the_route_not_the_path_with_its_secret(client, json_lines):
    client.get("/feeds/rota_some-secret-token/ring.ics?lang=fi")
    messages = [line["message"] for line in json_lines() if line["logger"] == "rota.access"]
    assert messages[0].startswith("GET /feeds/<secret>/ring.ics 404 ")
    assert "some-secret-token" not in json.dumps(json_lines())


def error_id_shown(response) -> str:
    found = re.search(r'<code class="error-id">([^<]+)</code>', response.get_data(as_text=True))
    assert found, response.get_data(as_text=True)
    return found.group(1)


def test_a_form_refused_before_any_view_runs_still_has_its_request_id(app, client, json_lines):
    """The request id is given first: a CSRF refusal (another hook) has it on page and log."""
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/login", data={"email": "a@example.fi", "password": "x"})
    assert response.status_code == 400
    assert error_id_shown(response) == response.headers["X-Request-ID"]
    [access] = [line for line in json_lines() if line["logger"] == "rota.access"]
    assert access["request_id"] == response.headers["X-Request-ID"]
    assert access["message"].startswith("POST /login 400 ")


def test_an_error_id_given_by_the_proxy_is_the_one_shown(client):
    response = client.get("/no/such/page", headers={"X-Request-ID": "nginx-0123456789abcdef"})
    assert response.status_code == 404
    assert error_id_shown(response) == "nginx-0123456789abcdef"


def test_a_database_error_is_logged_without_the_clients_data(app, client, make, json_lines):
    """An SQL error's message quotes the values it failed on: the log gets type and stack only."""
    make.contact(subject="Työnhaku", client_email=CLIENT_EMAIL, reference="R-1")

    @app.get("/test-duplicate")
    def duplicate():
        db.session.execute(
            text(
                "INSERT INTO contacts (reference, channel, status, subject, client_email) "
                "VALUES ('R-1', 'email', 'new', 'Työnhaku', :email)"
            ),
            {"email": CLIENT_EMAIL},
        )

    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: a 500 page, not a raise
    response = client.get("/test-duplicate")
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    assert error_id_shown(response) == request_id
    errors = [line for line in json_lines() if line["level"] == "ERROR"]
    assert errors and all(line["request_id"] == request_id for line in errors)
    assert errors[0]["exception"] == "IntegrityError"
    logged = json.dumps(json_lines(), ensure_ascii=False)
    assert CLIENT_EMAIL not in logged and "Työnhaku" not in logged and "R-1" not in logged


def test_text_lines_carry_the_request_id_too():
    stream = io.StringIO()
    logger = logging.getLogger("rota.test")
    logger.addHandler(logs.handler("text", stream))
    with logs.log_context("job-outbox-1234"):
        logger.warning("outbox message %s not sent", 7)
    assert "WARNING [job-outbox-1234] rota.test: outbox message 7 not sent" in stream.getvalue()


def test_static_links_carry_a_digest_of_the_file_so_proxies_may_cache_them_long(client, app):
    page = client.get("/login").get_data(as_text=True)
    link = re.search(r'href="(/static/rota\.css\?v=[0-9a-f]{12})"', page)
    assert link, page[:600]
    with client.get(link.group(1)) as css:
        assert css.status_code == 200
