"""Sign-in sessions end on the server: at sign-out, at a password change, when idle or old.

A copied session or remember cookie is worth nothing once its session has ended, because the
server keeps each sign-in as a row (only a hash of the cookie's secret) and ends it there.
"""

from datetime import timedelta

from sqlalchemy import select, update

from rota.auth.models import LoginSession
from rota.db import utcnow
from rota.extensions import db
from rota.members.models import User
from rota.outbox.models import OutboxMessage
from tests.factories import PASSWORD

NEW_PASSWORD = "a long new password"


def sign_in(client, user, remember=False):
    data = {"email": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    assert client.post("/login", data=data).status_code == 302


def cookie(client, name):
    found = client.get_cookie(name, domain="rota.test")
    return found.value if found else None


def browser_with(app, **cookies):
    """Another browser (or an attacker) holding copies of these cookies."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value, domain="rota.test")
    return other


def signed_in(client) -> bool:
    return client.get("/profile").status_code == 200


def test_a_copied_session_cookie_stops_working_at_sign_out(app, client, make):
    sign_in(client, make.counsellor())
    copy = browser_with(app, session=cookie(client, "session"))
    assert signed_in(copy)
    client.post("/logout")
    assert not signed_in(copy)


def test_a_copied_remember_cookie_stops_working_at_sign_out(app, client, make):
    sign_in(client, make.counsellor(), remember=True)
    copy = browser_with(app, remember_token=cookie(client, "remember_token"))
    client.post("/logout")
    assert not signed_in(copy)


def test_the_remember_cookie_is_replaced_each_time_it_signs_a_browser_in(app, client, make):
    sign_in(client, make.counsellor(), remember=True)
    first = cookie(client, "remember_token")
    restarted = browser_with(app, remember_token=first)
    assert signed_in(restarted)
    second = cookie(restarted, "remember_token")
    assert second and second != first
    assert not signed_in(browser_with(app, remember_token=first)), "the old one is spent"
    assert signed_in(browser_with(app, remember_token=second))


def test_a_password_reset_ends_every_session_of_the_person(app, client, make):
    from rota.auth import reset

    user = make.counsellor()
    sign_in(client, user)
    link = "/password/reset/" + reset.make_reset_token(user, app.config["SECRET_KEY"])
    other = app.test_client()
    assert (
        other.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code
        == 302
    )
    assert not signed_in(client)


def test_an_idle_session_ends_after_the_inactivity_timeout(app, client, make):
    sign_in(client, make.counsellor())
    assert signed_in(client)
    idle = timedelta(seconds=app.config["SESSION_IDLE_TIMEOUT"] + 60)
    db.session.execute(update(LoginSession).values(last_seen_at=utcnow() - idle))
    db.session.commit()
    assert not signed_in(client)


def test_a_busy_session_still_ends_after_its_lifetime(app, client, make):
    sign_in(client, make.counsellor())
    old = timedelta(seconds=app.config["SESSION_LIFETIME"] + 60)
    db.session.execute(update(LoginSession).values(created_at=utcnow() - old))
    db.session.commit()
    assert not signed_in(client)


def test_the_time_limits_default_to_asvs_level_2(app):
    assert app.config["SESSION_IDLE_TIMEOUT"] == app.config["REMEMBER_IDLE_TIMEOUT"] == 30 * 60
    assert app.config["SESSION_LIFETIME"] == app.config["REMEMBER_COOKIE_DURATION"] == 12 * 3600


def test_typing_in_a_form_keeps_the_session_alive(app, client, make):
    sign_in(client, make.counsellor())
    _idle_for(timedelta(minutes=25))
    assert client.post("/session/alive").status_code == 204  # rota.js, while someone types
    _idle_for(timedelta(minutes=25))
    assert signed_in(client), "50 minutes in all, but never 30 without a sign of life"


def test_the_keep_alive_call_needs_a_live_session(app, client, make):
    sign_in(client, make.counsellor())
    _idle_for(timedelta(minutes=31))
    assert client.post("/session/alive").status_code == 302


def _idle_for(delta):
    """Let time pass without requests: every session was last seen `delta` earlier."""
    for row in db.session.scalars(select(LoginSession)):
        row.last_seen_at -= delta
    db.session.commit()


def test_a_person_changes_their_password_with_the_current_one(app, client, make):
    user = make.counsellor()
    sign_in(client, user)
    elsewhere = app.test_client()
    sign_in(elsewhere, user)
    wrong = {"current_password": "not it at all", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    response = client.post("/profile/password", data=wrong)
    assert response.status_code == 400
    assert "current password is wrong" in response.get_data(as_text=True)
    right = {**wrong, "current_password": PASSWORD}
    assert client.post("/profile/password", data=right).status_code == 302
    assert signed_in(client) and not signed_in(elsewhere)
    client.post("/logout")
    assert (
        client.post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code
        == 302
    )
    (notice,) = db.session.scalars(select(OutboxMessage)).all()
    assert notice.recipients == [user.email] and notice.kind == "password_changed"


def test_changing_the_sign_in_address_asks_for_the_password_and_tells_the_old_address(
    app, client, make
):
    user = make.counsellor(email="old@example.fi")
    sign_in(client, user)
    profile = {"name": user.name, "email": "new@example.fi", "languages": ["fi"], "locale": ""}
    response = client.post("/profile", data=profile)
    assert response.status_code == 400
    assert "Enter your current password" in response.get_data(as_text=True)
    assert db.session.get(User, user.id).email == "old@example.fi"
    ok = client.post("/profile", data={**profile, "current_password": PASSWORD})
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).email == "new@example.fi"
    (notice,) = db.session.scalars(select(OutboxMessage)).all()
    assert notice.recipients == ["old@example.fi"] and notice.kind == "email_changed"
    assert "new@example.fi" in notice.body_text


def test_other_profile_changes_need_no_password(app, client, make):
    user = make.counsellor()
    sign_in(client, user)
    profile = {"name": "New Name", "email": user.email, "languages": ["fi"], "locale": ""}
    assert client.post("/profile", data=profile).status_code == 302
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_a_new_secret_key_keeps_sessions_signed_with_a_fallback_and_ends_the_rest(
    app, client, make
):
    sign_in(client, make.counsellor())
    assert signed_in(client)  # the session cookie's signer is now built (and kept) for the key
    old_key = app.config["SECRET_KEY"]
    app.config.update(SECRET_KEY="a new key of enough length", SECRET_KEY_FALLBACKS=[old_key])
    assert signed_in(client)
    app.config.update(SECRET_KEY_FALLBACKS=[])
    assert not signed_in(client)
