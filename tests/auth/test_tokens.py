"""API tokens: hashed, scoped, revocable, listed by owner; created from pages or the CLI."""

import re
from datetime import timedelta

import pytest

from rota.auth import tokens
from rota.auth.models import ApiToken
from rota.db import utcnow
from rota.errors import DomainError, NotFound
from rota.extensions import db


def test_only_a_hash_of_the_secret_is_stored(app, make):
    token, secret = tokens.create_token(db.session, name="PBX", scopes=["telephony:write"])
    stored = db.session.get(ApiToken, token.id)
    assert secret.startswith("rota_") and len(secret) > 40
    assert stored.token_hash == tokens.hash_secret(secret) and secret not in stored.token_hash


def test_token_authenticates_only_for_its_scopes_and_records_use(app):
    token, secret = tokens.create_token(db.session, name="Feed", scopes=["feeds:read"])
    now = utcnow()
    assert tokens.authenticate(db.session, secret, "feeds:read", now) is token
    assert token.last_used_at == now
    tokens.authenticate(db.session, secret, "feeds:read", now + timedelta(minutes=1))
    assert token.last_used_at == now
    tokens.authenticate(db.session, secret, "feeds:read", now + timedelta(minutes=5))
    assert token.last_used_at == now + timedelta(minutes=5)
    assert tokens.authenticate(db.session, secret, "contacts:read", now) is None
    assert tokens.authenticate(db.session, secret + "x", "feeds:read", now) is None
    assert tokens.authenticate(db.session, None, "feeds:read", now) is None


def test_revoked_token_stops_working_at_once(app, make):
    owner = make.counsellor()
    token, secret = tokens.create_token(db.session, name="Mine", scopes=["feeds:read"], user=owner)
    tokens.revoke(db.session, owner, token.id, utcnow())
    assert tokens.authenticate(db.session, secret, "feeds:read", utcnow()) is None


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
    assert {t.name for t in tokens.visible_tokens(db.session, admin)} == {"Org"}
    assert {t.name for t in tokens.visible_tokens(db.session, colleague)} == {"Own"}
    assert len(tokens.visible_tokens(db.session, make.coordinator())) == 3
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
    make.org(short_name="Gradia")
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
    token = tokens.authenticate(db.session, secret, "on-duty:read", utcnow())
    assert token.organisation.short_name == "Gradia"


def test_cli_refuses_an_unknown_organisation(app, runner):
    result = runner.invoke(
        args=["token", "create", "--name", "PBX", "--scope", "feeds:read", "--org", "Nope"]
    )
    assert result.exit_code != 0 and "no organisation with short name 'Nope'" in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0
