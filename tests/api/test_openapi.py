"""The OpenAPI description is true: real calls answer as it says, and it lists every endpoint."""

import json

import pytest
from jsonschema import Draft202012Validator

from rota.api.openapi import SPEC
from rota.extensions import db
from tests import factories
from tests.support.feed_data import API_SCOPES, feed_secret

METHODS = ("get", "post", "put", "patch", "delete")
# One malformed request per operation that declares a 400: (query string, JSON body).
BAD_REQUESTS = {
    ("/api/v1/on-duty", "get"): ({"at": "half past nine"}, None),
    ("/api/v1/shifts", "get"): ({"from": "30.3.2026"}, None),
    ("/api/v1/contacts", "get"): ({"limit": "0"}, None),
    ("/api/v1/telephony/events", "post"): ({}, {"event": "rang", "call_id": "x"}),
    ("/api/v1/reports/contribution", "get"): ({"org": "NOPE"}, None),
    ("/api/v1/reports/service", "get"): ({"from": "2026-03-31", "to": "2026-03-01"}, None),
}


def operations():
    """(path, method, operation) of the description, writes first so reads find their data."""
    found = [
        (path, method, op)
        for path, item in SPEC["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]
    return sorted(found, key=lambda entry: entry[1] == "get")


@pytest.fixture
def secret(app, make):
    """A coordinator's token with every API scope, and a rota on the examples' day (2026-03-30)."""
    org = make.org(name="Apu", short_name="APU", phone="+358 9 123 4567")
    counsellor = make.counsellor(org, name="Åsa Öhman", phone="040 765 4321")
    factories.shift(org, "2026-03-30T09:00", counsellor=counsellor)
    factories.shift(org, "2026-03-30T12:00", channel="chat")
    factories.shift(org, "2026-03-31T09:00")
    secret = feed_secret(scopes=API_SCOPES, user=make.coordinator())
    db.session.commit()
    return secret


def call(client, path, method, op, secret=None, query=None, body=None):
    examples = {p["name"]: p["example"] for p in op.get("parameters", ()) if p["example"]}
    content = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return client.open(
        path,
        method=method.upper(),
        query_string=examples if query is None else query,
        json=content.get("example") if body is None else body,
        headers=headers,
    )


def assert_as_described(response, op):
    status = str(response.status_code)
    assert status in op["responses"], f"{status} is not described: {response.get_data(True)}"
    schema = op["responses"][status]["content"]["application/json"]["schema"]
    validator = Draft202012Validator(
        {**schema, "components": SPEC["components"]},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    validator.validate(response.get_json())
    return response.get_json()


def test_every_operation_answers_as_described_with_a_real_token(client, secret):
    bodies = {}
    for path, method, op in operations():
        response = call(client, path, method, op, secret)
        assert response.status_code < 300, response.get_data(as_text=True)
        bodies[path] = assert_as_described(response, op)
    assert bodies["/api/v1/on-duty"]["on_duty"] and bodies["/api/v1/on-duty"]["next"]
    assert bodies["/api/v1/shifts"]["shifts"] and bodies["/api/v1/contacts"]["contacts"]


def test_a_replayed_telephony_event_answers_as_described(client, secret):
    op = SPEC["paths"]["/api/v1/telephony/events"]["post"]
    first = call(client, "/api/v1/telephony/events", "post", op, secret)
    again = call(client, "/api/v1/telephony/events", "post", op, secret)
    assert (first.status_code, again.status_code) == (201, 200)
    assert assert_as_described(again, op)["duplicate"] is True


def test_every_scoped_operation_answers_401_as_described_without_a_token(client, secret):
    for path, method, op in operations():
        if op["security"]:
            response = call(client, path, method, op)
            assert response.status_code == 401, path
            assert_as_described(response, op)


def test_malformed_requests_answer_400_as_described(client, secret):
    declared = {(path, method) for path, method, op in operations() if "400" in op["responses"]}
    assert declared == set(BAD_REQUESTS)
    for path, method, op in operations():
        if (path, method) in BAD_REQUESTS:
            query, body = BAD_REQUESTS[path, method]
            response = call(client, path, method, op, secret, query=query, body=body)
            assert response.status_code == 400, path
            assert assert_as_described(response, op)["message"]


def test_an_oversized_telephony_body_answers_413_as_described(client, secret):
    op = SPEC["paths"]["/api/v1/telephony/events"]["post"]
    body = {"event": "new", "call_id": "big", "caller": "0401234567", "cause": "x" * 2**20}
    response = call(client, "/api/v1/telephony/events", "post", op, secret, body=body)
    assert response.status_code == 413
    assert "at most 1 MB" in assert_as_described(response, op)["message"]


def test_description_lists_exactly_the_api_routes_of_the_app(app):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = rule.rule.replace("<", "{").replace(">", "}")
            routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    described = {(path, method) for path, method, _op in operations()}
    assert routes == described


def test_description_is_served_and_its_schemas_are_valid(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json() == json.loads(json.dumps(SPEC))
    for schema in SPEC["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
