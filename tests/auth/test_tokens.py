"""API tokens: hashed, scoped, revocable, listed by owner; created from pages or the CLI."""

import re
from datetime import timedelta

import pytest

from rota.auth import tokens
from rota.auth.models import ApiToken
from rota.db import utcnow
from rota.errors import DomainError, NotFound
from rota.extensions import db
from rota.members.models import User
from tests.support.feed_data import stored_token


def test_only_a_hash_of_the_secret_is_stored(app, make):
    token, secret = tokens.create_token(db.session, name="PBX", scopes=["telephony:write"])
    stored = db.session.get(ApiToken, token.id)
    assert secret.startswith("rota_") and len(secret) > 40
    assert stored.token_hash == tokens.hash_secret(secret) and secret not in stored.token_hash


def _use(secret, at):
    """A request's use of the token at `at`: authenticate, record the use when due, commit."""
    token = tokens.authenticate(db.session, secret, "feeds:read")
    if tokens.use_is_stale(token, at):
        tokens.record_use(db.session, token, at)
    db.session.commit()
    return db.session.get(ApiToken, token.id).last_used_at


def test_token_use_is_recorded_at_most_every_five_minutes(app):
    _token, secret = tokens.create_token(db.session, name="Feed", scopes=["feeds:read"])
    now = utcnow()
    assert _use(secret, now) == now
    assert _use(secret, now + timedelta(minutes=1)) == now
    assert _use(secret, now + timedelta(minutes=5)) == now + timedelta(minutes=5)


def test_two_workers_seeing_a_stale_use_write_it_once(app):
    token, _secret = tokens.create_token(db.session, name="Feed", scopes=["feeds:read"])
    db.session.commit()
    now = utcnow()
    assert tokens.record_use(db.session, token, now) is True
    assert tokens.record_use(db.session, token, now + timedelta(seconds=1)) is False


def test_token_authenticates_only_for_its_scopes(app):
    token, secret = tokens.create_token(db.session, name="Feed", scopes=["feeds:read"])
    assert tokens.authenticate(db.session, secret, "feeds:read").id == token.id
    assert tokens.authenticate(db.session, secret, "contacts:read") is None
    assert tokens.authenticate(db.session, secret + "x", "feeds:read") is None
    assert tokens.authenticate(db.session, None, "feeds:read") is None


def test_revoked_token_stops_working_at_once(app, make):
    owner = make.counsellor()
    token, secret = tokens.create_token(db.session, name="Mine", scopes=["feeds:read"], user=owner)
    tokens.revoke(db.session, owner, token.id, utcnow())
    assert tokens.authenticate(db.session, secret, "feeds:read") is None


def test_unknown_scope_and_empty_name_are_refused(app):
    with pytest.raises(DomainError, match="Choose one or more of these scopes"):
        tokens.create_token(db.session, name="X", scopes=["everything"])
    with pytest.raises(DomainError, match="Give the token a name"):
        tokens.create_token(db.session, name=" ", scopes=["feeds:read"])


def test_people_see_and_revoke_only_their_own_or_their_organisations_tokens(app, make):
    admin = make.org_admin()
    colleague = make.counsellor(admin.organisation)
    stranger = make.counsellor()
    org_token, _ = tokens.create_token(
        db.session, name="Org", scopes=["feeds:read"], organisation=admin.organisation
    )
    own, _ = tokens.create_token(db.session, name="Own", scopes=["feeds:read"], user=colleague)
    theirs, _ = tokens.create_token(db.session, name="Theirs", scopes=["feeds:read"], user=stranger)
    assert {t.name for t in tokens.visible_tokens(db.session, admin)} == {"Org", "Own"}
    assert {t.name for t in tokens.visible_tokens(db.session, colleague)} == {"Own"}
    assert tokens.visible_tokens(db.session, make.coordinator()).total == 3
    with pytest.raises(NotFound):
        tokens.revoke(db.session, admin, theirs.id, utcnow())
    assert db.session.get(ApiToken, theirs.id).revoked_at is None


def test_token_page_shows_the_secret_once_and_revokes(app, client, make, login):
    login(make.counsellor())
    page = client.post("/tokens", data={"name": "Outlook", "scopes": ["feeds:read"]}).get_data(
        as_text=True
    )
    secret = re.search(r'id="token-secret">(rota_[^<]+)<', page).group(1)
    assert secret not in client.get("/tokens").get_data(as_text=True)
    token = db.session.scalar(db.select(ApiToken))
    assert client.post(f"/tokens/{token.id}/revoke").status_code == 302
    assert "revoked" in client.get("/tokens").get_data(as_text=True)


def test_cli_creates_an_organisation_token_and_prints_the_secret(app, runner, make):
    gradia = make.org(short_name="Gradia")
    result = runner.invoke(
        args=[
            "token",
            "create",
            "--name",
            "PBX",
            "--scope",
            "telephony:write",
            "--scope",
            "on-duty:read",
            "--org",
            "Gradia",
        ]
    )
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    token = tokens.authenticate(db.session, secret, "on-duty:read")
    assert token.holder.organisation_id == gradia.id


def test_cli_refuses_an_unknown_organisation(app, runner):
    result = runner.invoke(
        args=["token", "create", "--name", "PBX", "--scope", "feeds:read", "--org", "Nope"]
    )
    assert result.exit_code != 0 and "no organisation with short name 'Nope'" in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0


# --- scopes by role, owners' state, feed tokens, personal numbers (issue #12, item 4) ---


def _scopes_offered(client) -> set[str]:
    page = client.get("/tokens").get_data(as_text=True)
    return set(re.findall(r'name="scopes"[^>]* value="([^"]+)"', page))


def test_the_token_page_offers_each_role_only_its_scopes(app, client, make, login):
    login(make.counsellor())
    assert _scopes_offered(client) == {"feeds:read"}
    client.post("/logout")
    login(make.org_admin())
    assert _scopes_offered(client) == {"feeds:read", "shifts:read", "on-duty:read"}


def test_a_counsellor_cannot_make_a_telephony_token_by_posting_the_form(app, client, make, login):
    login(make.counsellor())
    response = client.post("/tokens", data={"name": "PBX", "scopes": ["telephony:write"]})
    assert response.status_code == 400
    assert "rota_" not in response.get_data(as_text=True)
    assert db.session.scalars(db.select(ApiToken)).all() == []


def test_an_organisation_admin_cannot_make_a_contacts_token_for_the_organisation(
    app, client, make, login
):
    login(make.org_admin())
    data = {"name": "Export", "scopes": ["contacts:read"], "for_organisation": "y"}
    assert client.post("/tokens", data=data).status_code == 400
    assert db.session.scalars(db.select(ApiToken)).all() == []


def test_a_calendar_token_carries_no_other_scope(app):
    with pytest.raises(DomainError, match="feeds:read"):
        tokens.create_token(db.session, name="Mixed", scopes=["feeds:read", "shifts:read"])


def test_a_feed_url_works_only_with_a_feed_token(app, client, make):
    coordinator = make.coordinator()
    mixed = stored_token("shifts:read feeds:read", user=coordinator)
    db.session.commit()
    assert client.get(f"/feeds/{mixed}/ring.ics").status_code == 404
    api = client.get("/api/v1/shifts", headers={"Authorization": f"Bearer {mixed}"})
    assert api.status_code == 200


def test_a_token_stops_working_the_moment_its_owner_is_deactivated(app, client, make, login):
    owner = make.coordinator()
    _token, secret = tokens.create_token(
        db.session, name="Script", scopes=["shifts:read"], user=owner
    )
    db.session.commit()
    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/shifts", headers=bearer).status_code == 200
    login(make.coordinator())
    person = {"name": owner.name, "email": owner.email, "languages": ["fi"], "role": "coordinator"}
    assert client.post(f"/people/{owner.id}/edit", data=person).status_code == 302
    assert db.session.get(User, owner.id).active is False
    assert client.get("/api/v1/shifts", headers=bearer).status_code == 401


def test_a_token_keeps_only_the_scopes_of_its_owners_new_role(app, client, make, login):
    owner = make.coordinator()
    _token, secret = tokens.create_token(
        db.session, name="Audit", scopes=["contacts:read", "shifts:read"], user=owner
    )
    db.session.commit()
    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/contacts", headers=bearer).status_code == 200
    login(make.coordinator())
    org = make.org()
    person = {"name": owner.name, "email": owner.email, "languages": ["fi"], "active": "y"}
    person.update(role="org_admin", organisation_id=org.id)
    assert client.post(f"/people/{owner.id}/edit", data=person).status_code == 302
    answer = client.get("/api/v1/contacts", headers=bearer)
    assert answer.status_code == 401 and "contacts:read" in answer.get_json()["message"]
    assert client.get("/api/v1/shifts", headers=bearer).status_code == 200


def test_organisation_admins_see_and_revoke_their_peoples_tokens(app, client, make, login):
    admin = make.org_admin()
    colleague = make.counsellor(admin.organisation)
    stranger = make.counsellor()
    theirs, secret = tokens.create_token(
        db.session, name="Colleague calendar", scopes=["feeds:read"], user=colleague
    )
    tokens.create_token(db.session, name="Stranger calendar", scopes=["feeds:read"], user=stranger)
    db.session.commit()
    login(admin)
    page = client.get("/tokens").get_data(as_text=True)
    assert "Colleague calendar" in page and "Stranger calendar" not in page
    assert client.post(f"/tokens/{theirs.id}/revoke").status_code == 302
    assert tokens.authenticate(db.session, secret, "feeds:read") is None


def test_personal_numbers_go_only_to_telephony_tokens(app, client, make):
    from datetime import datetime

    org = make.org(phone="+358141234567")
    anna = make.counsellor(org, phone="+358401111111")
    make.shift(org, "2026-03-30T09:00", channel="phone", counsellor=anna)
    _t, reader = tokens.create_token(db.session, name="Wallboard", scopes=["on-duty:read"])
    _t, pbx = tokens.create_token(
        db.session, name="PBX", scopes=["on-duty:read", "telephony:write"]
    )
    db.session.commit()
    at = datetime(2026, 3, 30, 10, 0).isoformat()

    def on_duty(secret):
        response = client.get(
            f"/api/v1/on-duty?at={at}", headers={"Authorization": f"Bearer {secret}"}
        )
        return response.get_json()["on_duty"][0]

    wallboard = on_duty(reader)
    assert "+358401111111" not in str(wallboard)
    assert wallboard["forward_to"] == "+358141234567"
    assert wallboard["counsellor"]["name"] == anna.name
    telephony = on_duty(pbx)
    assert telephony["counsellor"]["phone"] == telephony["forward_to"] == "+358401111111"
