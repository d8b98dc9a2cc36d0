"""Every route × every role: the status each role gets (table-driven); and every API endpoint
and calendar feed × every token scope × every kind of token holder.

Roles: anon (signed out), counsellor (of organisation A), org_admin (of A), coordinator.
URLs may name objects of the world below: {org_a}, {org_b}, {person_a} (a counsellor of A),
{person_b} (a counsellor of B), {signature_a}, {signature_b}, {agreement}. A GET is checked as
is; a POST with an empty form (refused, or for edit forms re-saved unchanged).
"""

import pytest

from rota.auth import tokens
from rota.auth.policy import TokenScope
from rota.extensions import db
from rota.members.models import Role
from tests import factories
from tests.support.feed_data import stored_token

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
    ("GET", "/readyz", expect(503, 503, 503, 503)),  # the test database is not migrated
    ("GET", "/metrics", expect(404, 404, 404, 404)),  # no METRICS_TOKEN: switched off
    ("GET", "/", EVERYONE),
    ("GET", "/profile", EVERYONE),
    ("GET", "/profile/password", EVERYONE),
    ("POST", "/profile/password", expect(LOGIN, 400, 400, 400)),
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
    # the signed copy: the coordinator and that organisation's admins (none uploaded: 404)
    ("GET", "/signatures/{signature_a}/copy", expect(LOGIN, 403, 404, 404)),
    ("GET", "/signatures/{signature_b}/copy", expect(LOGIN, 403, 404, 404)),
    ("POST", "/signatures/{signature_a}/copy", expect(LOGIN, 403, 303, 303)),
    ("POST", "/signatures/{signature_b}/copy", expect(LOGIN, 403, 404, 303)),
    ("GET", "/members", MANAGERS),
    ("GET", "/people", MANAGERS),
    ("GET", "/people/new", MANAGERS),
    ("GET", "/people/{person_a}/edit", OWN_ORG),
    ("GET", "/people/{person_b}/edit", OTHER_ORG),
    ("POST", "/people/{person_b}/edit", expect(LOGIN, 403, 404, 400)),
    ("POST", "/language", expect(302, 302, 302, 302)),
    ("GET", "/password/reset/not-a-token", expect(302, 302, 302, 302)),
    ("POST", "/tokens/{coordinator_token}/revoke", expect(LOGIN, 404, 404, 302)),
    ("GET", "/subscribe", EVERYONE),
    ("POST", "/subscribe", expect(LOGIN, 200, 200, 200)),
    ("GET", "/organisations/{org_a}/subscribe", OWN_ORG),
    ("GET", "/organisations/{org_b}/subscribe", OTHER_ORG),
    ("POST", "/organisations/{org_b}/subscribe", expect(LOGIN, 403, 404, 200)),
    ("GET", "/shifts/{shift_a}.ics", EVERYONE),
    ("GET", "/feeds/public/ring.ics", expect(200, 200, 200, 200)),
    ("GET", "/feeds/{feed_secret_a}/ring.ics", expect(404, 404, 404, 404)),  # an org's token
    ("GET", "/feeds/{feed_secret_a}/organisations/{org_a}.ics", expect(200, 200, 200, 200)),
    ("GET", "/feeds/{feed_secret_a}/organisations/{org_b}.ics", expect(404, 404, 404, 404)),
    ("GET", "/feeds/{feed_secret_a}/people/{person_a}.ics", expect(200, 200, 200, 200)),
    ("GET", "/feeds/{feed_secret_a}/people/{person_b}.ics", expect(404, 404, 404, 404)),
    ("GET", "/feeds/rota_revoked-or-unknown/ring.ics", expect(404, 404, 404, 404)),
    ("GET", "/api/v1/on-duty", expect(401, 401, 401, 401)),
    ("GET", "/api/v1/openapi.json", expect(200, 200, 200, 200)),
    ("GET", "/service-hours", COORDINATOR),
    ("GET", "/service-hours/new", COORDINATOR),
    ("POST", "/service-hours/new", expect(LOGIN, 403, 403, 400)),
    ("GET", "/service-hours/0", expect(LOGIN, 403, 403, 404)),
    ("POST", "/service-hours/0/slots", expect(LOGIN, 403, 403, 404)),
    ("POST", "/service-hours/0/slots/0/delete", expect(LOGIN, 403, 403, 404)),
    ("GET", "/closures", COORDINATOR),
    ("POST", "/closures", expect(LOGIN, 403, 403, 400)),
    ("POST", "/closures/0/delete", expect(LOGIN, 403, 403, 404)),
    ("POST", "/closures/reopen/2026-02-30", expect(LOGIN, 403, 403, 404)),
    ("GET", "/rota/planning", COORDINATOR),
    ("POST", "/rota/publish", expect(LOGIN, 403, 403, 400)),
    ("POST", "/rota/generate", expect(LOGIN, 403, 403, 302)),
    ("GET", "/rota/replan", COORDINATOR),
    ("POST", "/rota/replan", expect(LOGIN, 403, 403, 303)),
    ("GET", "/fairness", MANAGERS),
    ("GET", "/contacts", EVERYONE),
    ("GET", "/contacts/{contact_a}", EVERYONE),
    ("GET", "/contacts/{contact_ring}", expect(LOGIN, 200, 404, 200)),
    ("GET", "/contacts/{contact_b}", expect(LOGIN, 404, 404, 200)),
    ("POST", "/contacts/{contact_b}/claim", expect(LOGIN, 404, 404, 302)),
    ("GET", "/contacts/{contact_b}/attachments/{attachment_b}", expect(LOGIN, 404, 404, 200)),
    ("GET", "/contacts/{contact_b}/merge", expect(LOGIN, 404, 404, 200)),
    ("POST", "/contacts/{contact_b}/merge", expect(LOGIN, 404, 404, 400)),
    ("POST", "/contacts/{contact_b}/reply", expect(LOGIN, 404, 404, 400)),
    ("POST", "/contacts/{contact_b}/note", expect(LOGIN, 404, 404, 400)),
    ("POST", "/contacts/{contact_b}/calls", expect(LOGIN, 404, 404, 400)),
    ("POST", "/contacts/{contact_b}/close", expect(LOGIN, 404, 404, 302)),
    ("POST", "/contacts/{contact_b}/reopen", expect(LOGIN, 404, 404, 302)),
    ("GET", "/contacts/{contact_a}/reassign", MANAGERS),
    ("GET", "/contacts/{contact_b}/reassign", OTHER_ORG),
    ("POST", "/contacts/{contact_b}/reassign", expect(LOGIN, 403, 404, 400)),
    ("GET", "/contacts/search?q=asia", EVERYONE),
    ("GET", "/contacts/{contact_a}?saved={saved_ring}", EVERYONE),
    ("GET", "/contacts/{contact_a}?saved={saved_b}", expect(LOGIN, 404, 404, 404)),
    ("GET", "/saved-replies", MANAGERS),
    ("GET", "/saved-replies/new", MANAGERS),
    ("POST", "/saved-replies/new", expect(LOGIN, 403, 400, 400)),
    ("GET", "/saved-replies/{saved_a}/edit", OWN_ORG),
    ("GET", "/saved-replies/{saved_b}/edit", OTHER_ORG),
    ("GET", "/saved-replies/{saved_ring}/edit", expect(LOGIN, 403, 404, 200)),
    ("POST", "/saved-replies/{saved_ring}/edit", expect(LOGIN, 403, 404, 302)),
    ("POST", "/saved-replies/{saved_b}/delete", expect(LOGIN, 403, 404, 302)),
    ("GET", "/calls/new", EVERYONE),
    ("POST", "/calls/new", expect(LOGIN, 400, 400, 400)),
    ("POST", "/calls/{call_b}/called-back", expect(LOGIN, 404, 404, 302)),
    ("POST", "/contacts/{contact_b}/facts", expect(LOGIN, 404, 404, 302)),
    ("GET", "/reports/lists", COORDINATOR),
    ("POST", "/reports/lists/topic", expect(LOGIN, 403, 403, 400)),
    ("POST", "/reports/lists/options/0/retire", expect(LOGIN, 403, 403, 404)),
    ("GET", "/reports", MANAGERS),
    ("GET", "/reports/summary.csv", MANAGERS),
    ("GET", "/reports/organisations/{org_a}", OWN_ORG),
    ("GET", "/reports/organisations/{org_a}.pdf", OWN_ORG),
    ("GET", "/reports/organisations/{org_b}", OTHER_ORG),
    ("GET", "/reports/organisations/{org_b}.xlsx", OTHER_ORG),
    ("GET", "/reports/service", COORDINATOR),
    ("GET", "/reports/service.json", COORDINATOR),
    ("GET", "/feedback/unknown-secret", expect(404, 404, 404, 404)),  # a client's link, no login
    ("POST", "/feedback/unknown-secret", expect(404, 404, 404, 404)),
    ("POST", "/api/v1/telephony/events", expect(401, 401, 401, 401)),
    ("GET", "/api/v1/contacts", expect(401, 401, 401, 401)),
    ("GET", "/api/v1/reports/contribution", expect(401, 401, 401, 401)),
    ("GET", "/api/v1/reports/service", expect(401, 401, 401, 401)),
    ("GET", "/rota", EVERYONE),
    ("GET", "/rota/month", EVERYONE),
    ("GET", "/rota/mine", EVERYONE),
    ("GET", "/rota/own", expect(LOGIN, 403, 302, 403)),
    ("GET", "/rota/organisations/{org_a}", OWN_ORG),
    ("GET", "/rota/organisations/{org_b}", OTHER_ORG),
    ("GET", "/rota/gaps", MANAGERS),
    ("GET", "/rota/assign", MANAGERS),
    ("POST", "/rota/assign", expect(LOGIN, 403, 400, 400)),  # no shift chosen
    ("GET", "/shifts/{shift_b}", EVERYONE),
    ("POST", "/shifts/{future_shift_a}/counsellor", expect(LOGIN, 403, 302, 302)),
    ("POST", "/shifts/{shift_b}/counsellor", expect(LOGIN, 403, 404, 302)),
    ("POST", "/shifts/{shift_b}/offer", expect(LOGIN, 403, 404, 400)),
    ("POST", "/shifts/{shift_b}/withdraw", expect(LOGIN, 403, 404, 302)),
    (
        "POST",
        "/shifts/{shift_b}/take",
        expect(LOGIN, 403, 302, 403),
    ),  # offered: any other org takes
    ("POST", "/shifts/{shift_b}/override", expect(LOGIN, 403, 403, 400)),
    ("GET", "/swaps", EVERYONE),
    # Org A's admin took shift_b above: may ask, and the empty form is refused
    ("POST", "/shifts/{shift_b}/swap", expect(LOGIN, 404, 400, 403)),
    ("POST", "/swaps/0/accept", expect(LOGIN, 404, 404, 403)),
    ("POST", "/swaps/0/decline", expect(LOGIN, 404, 404, 403)),
    ("POST", "/swaps/0/approve", expect(LOGIN, 403, 403, 404)),
    ("POST", "/swaps/0/refuse", expect(LOGIN, 403, 403, 404)),
    ("POST", "/swaps/0/cancel", expect(LOGIN, 404, 404, 404)),
    ("GET", "/absences", EVERYONE),
    ("POST", "/absences", expect(LOGIN, 400, 400, 400)),
    ("POST", "/absences/{absence_b}/delete", expect(LOGIN, 404, 404, 302)),
    ("GET", "/api/v1/shifts", expect(401, 401, 401, 401)),
    ("GET", "/mail", COORDINATOR),
    ("POST", "/mail/raw/0/reprocess", expect(LOGIN, 403, 403, 302)),
    ("GET", "/mail/raw/0.eml", expect(LOGIN, 403, 403, 404)),
    ("GET", "/privacy", expect(200, 200, 200, 200)),
    ("GET", "/privacy/admin", COORDINATOR),
    ("GET", "/privacy/clients", COORDINATOR),
    ("POST", "/privacy/clients", expect(LOGIN, 403, 403, 400)),
    ("POST", "/privacy/clients/export", expect(LOGIN, 403, 403, 400)),
    ("POST", "/privacy/clients/erase", expect(LOGIN, 403, 403, 400)),
    ("GET", "/contacts/{contact_a}/reads", COORDINATOR),
    ("GET", "/contacts/{contact_b}/reads", COORDINATOR),
    ("GET", "/people/{person_a}/reads", COORDINATOR),
    ("GET", "/people/{person_b}/reads", COORDINATOR),
    ("POST", "/session/alive", expect(LOGIN, 204, 204, 204)),
    ("POST", "/logout", expect(LOGIN, 302, 302, 302)),  # last: it signs out
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
    objects["shift_a"] = factories.shift(
        org_a, "2026-03-30T09:00", counsellor=people["counsellor"]
    ).id
    _feed_token, objects["feed_secret_a"] = tokens.create_token(
        db.session, name="Org A calendar", scopes=["feeds:read"], organisation=org_a
    )
    objects.update(add_contacts(people["counsellor"], objects["person_b"]))
    objects.update(add_rota_shifts(org_a, org_b, objects["person_b"]))
    db.session.commit()
    return people, objects


def add_contacts(counsellor_a, person_b_id):
    """Contacts of counsellor A, of counsellor B (with a missed call), and the ring's queue."""
    from rota.contacts.models import Attachment, Call, CallOutcome, Contact, Message, SavedReply
    from rota.members.models import User

    person_b = db.session.get(User, person_b_id)
    rows = {
        "contact_a": Contact(
            channel="email", owner=counsellor_a, organisation_id=counsellor_a.organisation_id
        ),
        "contact_b": Contact(
            channel="phone", owner=person_b, organisation_id=person_b.organisation_id
        ),
        "contact_ring": Contact(channel="email"),
    }
    db.session.add_all(rows.values())
    db.session.flush()
    call = Call(
        contact_id=rows["contact_b"].id,
        started_at=rows["contact_b"].received_at,
        outcome=CallOutcome.MISSED,
        callback_needed=True,
    )
    message = Message(contact_id=rows["contact_b"].id, direction="in", body_text="Hei")
    db.session.add_all([call, message])
    db.session.flush()
    part = Attachment(
        message_id=message.id, filename="a.png", content_type="image/png", size=1, data=b"x"
    )
    db.session.add(part)
    db.session.flush()
    saved = {
        "saved_ring": SavedReply(organisation_id=None, language="fi", title="Aukiolo", text="Hei"),
        "saved_a": SavedReply(
            organisation_id=counsellor_a.organisation_id, language="fi", title="A", text="Hei"
        ),
        "saved_b": SavedReply(
            organisation_id=person_b.organisation_id, language="sv", title="B", text="Hej"
        ),
    }
    db.session.add_all(saved.values())
    db.session.flush()
    ids = {name: row.id for name, row in {**rows, **saved}.items()}
    return {**ids, "call_b": call.id, "attachment_b": part.id}


def add_rota_shifts(org_a, org_b, person_b_id):
    """A future shift of A, a future shift of B on offer, and an absence of B's counsellor."""
    from datetime import UTC, datetime

    from rota.schedule.models import Absence

    offered = factories.shift(org_b, start="2031-04-01T09:00")
    offered.offered_at = datetime(2031, 3, 1, tzinfo=UTC)
    absence = Absence(
        user_id=person_b_id,
        starts_at=datetime(2031, 4, 1, tzinfo=UTC),
        ends_at=datetime(2031, 4, 2, tzinfo=UTC),
    )
    db.session.add(absence)
    db.session.flush()
    future_a = factories.shift(org_a, start="2031-03-31T09:00")
    return {"shift_b": offered.id, "future_shift_a": future_a.id, "absence_b": absence.id}


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


def endpoints_of(app, requests) -> set[str]:
    """The endpoints that (method, url) pairs reach (a query string does not choose one)."""
    adapter = app.url_map.bind("rota.test")
    return {adapter.match(url.split("?")[0], method=method)[0] for method, url in requests}


def test_every_registered_route_is_in_the_table(app, world):
    _people, objects = world
    covered = endpoints_of(app, ((m, url.format(**objects)) for m, url, _statuses in ROUTES))
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    assert endpoints - covered == set(), "routes without a row in ROUTES"


def test_roles_are_the_three_of_the_ring():
    assert {r.value for r in Role} == {"coordinator", "org_admin", "counsellor"}


# --- machines: every API endpoint and feed × token scope × holder ---------------------------
#
# Each holder gets one token per scope, stored as a row (as if made before the scope rules, or
# before its person's role changed): the row says what works *now*. A token whose scope is not
# the one a URL needs gets 401 from the API and 404 from a feed (no hint the feed exists).

HOLDERS = ("counsellor", "org_admin", "coordinator", "organisation", "ring", "deactivated")


def held(counsellor, org_admin, coordinator, organisation, ring, deactivated):
    values = (counsellor, org_admin, coordinator, organisation, ring, deactivated)
    return dict(zip(HOLDERS, values, strict=True))


OPEN = held(200, 200, 200, 200, 200, 200)
SHIFTS, ON_DUTY, CONTACTS = TokenScope.SHIFTS, TokenScope.ON_DUTY, TokenScope.CONTACTS
TELEPHONY, FEEDS, REPORTS = TokenScope.TELEPHONY, TokenScope.FEEDS, TokenScope.REPORTS
# reports:read is offered to the coordinator only (the operator may give it to any token)
COORDINATOR_ONLY = held(401, 401, 200, 200, 200, 401)
API_ROUTES = [
    ("GET", "/api/v1/shifts", SHIFTS, held(401, 200, 200, 200, 200, 401)),
    ("GET", "/api/v1/on-duty", ON_DUTY, held(401, 200, 200, 200, 200, 401)),
    ("GET", "/api/v1/contacts", CONTACTS, held(401, 401, 200, 200, 200, 401)),
    ("POST", "/api/v1/telephony/events", TELEPHONY, held(401, 401, 201, 201, 201, 401)),
    ("GET", "/api/v1/openapi.json", None, OPEN),
    ("GET", "/api/v1/reports/service", REPORTS, COORDINATOR_ONLY),
    (
        "GET",
        "/api/v1/reports/contribution",
        REPORTS,
        COORDINATOR_ONLY,
    ),
    ("GET", "/feeds/{secret}/ring.ics", FEEDS, held(404, 404, 200, 404, 200, 404)),
    ("GET", "/feeds/{secret}/organisations/{org_a}.ics", FEEDS, held(404, 200, 200, 200, 200, 404)),
    ("GET", "/feeds/{secret}/organisations/{org_b}.ics", FEEDS, held(404, 404, 200, 404, 200, 404)),
    ("GET", "/feeds/{secret}/people/{person_a}.ics", FEEDS, held(200, 200, 200, 200, 200, 404)),
    ("GET", "/feeds/{secret}/people/{person_b}.ics", FEEDS, held(404, 404, 200, 404, 200, 404)),
    ("GET", "/feeds/public/ring.ics", None, OPEN),
]


@pytest.fixture
def api_world(world, make):
    """The world above, and for each holder a token per scope: {holder: {scope: secret}}."""
    people, objects = world
    from rota.members.models import Organisation, User

    holders = {
        "counsellor": {"user": db.session.get(User, objects["person_a"])},
        "org_admin": {"user": people["org_admin"]},
        "coordinator": {"user": people["coordinator"]},
        "organisation": {"organisation": db.session.get(Organisation, objects["org_a"])},
        "ring": {},
        "deactivated": {"user": make.coordinator(active=False)},
    }
    secrets = {
        name: {scope: stored_token(scope, **holder) for scope in TokenScope}
        for name, holder in holders.items()
    }
    db.session.commit()
    return objects, secrets


def _call(client, method, url, secret, n):
    body = {"event": "new", "call_id": f"table-{n}", "caller": "+358401234567"}
    return client.open(
        url,
        method=method,
        headers={"Authorization": f"Bearer {secret}"},
        json=body if method == "POST" else None,
    ).status_code


@pytest.mark.parametrize("holder", HOLDERS)
def test_every_api_endpoint_and_feed_answers_each_token_as_its_holder_may(
    api_world, client, holder
):
    objects, secrets = api_world
    failures, calls = [], iter(range(10_000))
    for method, template, needed, statuses in API_ROUTES:
        refused = 404 if template.startswith("/feeds/") else 401
        for scope, secret in secrets[holder].items():
            url = template.format(secret=secret, **objects)
            expected = statuses[holder] if scope == needed or needed is None else refused
            status = _call(client, method, url, secret, next(calls))
            if status != expected:
                failures.append(f"{method} {template} with {scope}: {status}, expected {expected}")
    assert not failures, "\n".join(failures)


def test_every_api_endpoint_and_feed_is_in_the_token_table(app, api_world):
    objects, _secrets = api_world
    requests = ((m, url.format(secret="rota_x", **objects)) for m, url, _s, _st in API_ROUTES)
    covered = endpoints_of(app, requests)
    machine = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/api/", "/feeds/"))
    }
    assert machine - covered == set(), "API endpoints or feeds without a row in API_ROUTES"
