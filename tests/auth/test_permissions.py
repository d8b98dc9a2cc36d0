"""Every route × every role: the status each role gets (table-driven).

Roles: anon (signed out), counsellor (of organisation A), org_admin (of A), coordinator.
URLs may name objects of the world below: {org_a}, {org_b}, {person_a} (a counsellor of A),
{person_b} (a counsellor of B), {signature_a}, {signature_b}, {agreement}. A GET is checked as
is; a POST with an empty form (refused, or for edit forms re-saved unchanged).
"""

import pytest

from rota.auth import tokens
from rota.extensions import db
from rota.members.models import Role

LOGIN = 302  # signed-out visitors are sent to the login page
ROLES = ("anon", "counsellor", "org_admin", "coordinator")


def expect(anon, counsellor, org_admin, coordinator):
    return dict(zip(ROLES, (anon, counsellor, org_admin, coordinator), strict=True))


EVERYONE = expect(LOGIN, 200, 200, 200)
MANAGERS = expect(LOGIN, 403, 200, 200)
COORDINATOR = expect(LOGIN, 403, 403, 200)
OWN_ORG = expect(LOGIN, 403, 200, 200)
OTHER_ORG = expect(LOGIN, 403, 404, 200)

ROUTES = [
    ("GET", "/login", expect(200, 200, 200, 200)),
    ("GET", "/password/reset", expect(200, 200, 200, 200)),
    ("GET", "/healthz", expect(200, 200, 200, 200)),
    ("GET", "/", EVERYONE),
    ("GET", "/profile", EVERYONE),
    ("GET", "/tokens", EVERYONE),
    ("GET", "/organisations", EVERYONE),
    ("GET", "/organisations/{org_b}", EVERYONE),
    ("GET", "/organisations/new", COORDINATOR),
    ("GET", "/organisations/{org_a}/edit", OWN_ORG),
    ("GET", "/organisations/{org_b}/edit", OTHER_ORG),
    ("POST", "/organisations/{org_b}/edit", expect(LOGIN, 403, 404, 302)),
    ("GET", "/agreements", MANAGERS),
    ("GET", "/agreements/new", COORDINATOR),
    ("GET", "/agreements/{agreement}", MANAGERS),
    ("GET", "/organisations/{org_a}/sign", COORDINATOR),
    ("POST", "/organisations/{org_a}/sign", expect(LOGIN, 403, 403, 400)),
    ("GET", "/signatures/{signature_a}/amend", COORDINATOR),
    ("GET", "/signatures/{signature_a}/withdraw", COORDINATOR),
    ("POST", "/signatures/{signature_b}/withdraw", expect(LOGIN, 403, 403, 400)),
    ("GET", "/members", MANAGERS),
    ("GET", "/people", MANAGERS),
    ("GET", "/people/new", MANAGERS),
    ("GET", "/people/{person_a}/edit", OWN_ORG),
    ("GET", "/people/{person_b}/edit", OTHER_ORG),
    ("POST", "/people/{person_b}/edit", expect(LOGIN, 403, 404, 400)),
    ("POST", "/language", expect(302, 302, 302, 302)),
    ("GET", "/password/reset/not-a-token", expect(302, 302, 302, 302)),
    ("POST", "/tokens/{coordinator_token}/revoke", expect(LOGIN, 404, 404, 302)),
    ("POST", "/logout", expect(LOGIN, 302, 302, 302)),
]


@pytest.fixture
def world(app, make):
    """Two member organisations with an admin and a counsellor each, and a coordinator."""
    agreement = make.agreement()
    org_a, org_b = make.org(name="Org A", short_name="A"), make.org(name="Org B", short_name="B")
    people = {
        "coordinator": make.coordinator(),
        "org_admin": make.org_admin(org_a),
        "counsellor": make.counsellor(org_a),
    }
    objects = {
        "org_a": org_a.id,
        "org_b": org_b.id,
        "agreement": agreement.id,
        "person_a": people["counsellor"].id,
        "person_b": make.counsellor(org_b).id,
        "signature_a": make.signature(org_a, agreement).id,
        "signature_b": make.signature(org_b, agreement).id,
    }
    token, _secret = tokens.create_token(
        db.session, name="Coordinator's", scopes=["feeds:read"], user=people["coordinator"]
    )
    objects["coordinator_token"] = token.id
    db.session.commit()
    return people, objects


@pytest.mark.parametrize("role", ROLES)
def test_every_route_gives_each_role_its_expected_status(world, client, login, role):
    people, objects = world
    if role != "anon":
        login(people[role])
    failures = []
    for method, template, statuses in ROUTES:
        url = template.format(**objects)
        response = client.open(url, method=method, data={})
        if response.status_code != statuses[role]:
            failures.append(f"{method} {url}: {response.status_code}, expected {statuses[role]}")
    assert not failures, "\n".join(failures)


def test_every_registered_route_is_in_the_table(app, world):
    _people, objects = world
    adapter = app.url_map.bind("rota.test")
    covered = {
        adapter.match(template.format(**objects), method=method)[0]
        for method, template, _statuses in ROUTES
    }
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    assert endpoints - covered == set(), "routes without a row in ROUTES"


def test_roles_are_the_three_of_the_ring():
    assert {r.value for r in Role} == {"coordinator", "org_admin", "counsellor"}
