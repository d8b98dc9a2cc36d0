"""Signing in and out, CSRF, and password reset through a real SMTP server."""

import re

import pytest

from rota.extensions import db
from rota.members.models import User
from tests.factories import PASSWORD


def test_wrong_password_is_refused_with_a_message(app, client, make):
    user = make.counsellor()
    response = client.post("/login", data={"email": user.email, "password": "nope nope nope"})
    assert response.status_code == 400
    assert "The e-mail address or the password is wrong." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_inactive_person_cannot_sign_in(app, client, make):
    user = make.counsellor(active=False)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400


def test_login_redirects_only_to_local_pages(app, client, make):
    user = make.counsellor()
    data = {"email": user.email, "password": PASSWORD}
    response = client.post("/login?next=//evil.example/x", data=data)
    assert response.location == "/"
    client.post("/logout")
    assert client.post("/login?next=/profile", data=data).location == "/profile"


def test_sign_out_ends_the_session(app, client, make, login):
    login(make.counsellor())
    assert client.post("/logout").status_code == 302
    assert client.get("/profile").status_code == 302


@pytest.fixture
def csrf_client(app_config, app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app.test_client()


def test_forms_without_csrf_token_are_rejected(csrf_client, make):
    coordinator = make.coordinator()
    page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = {"email": coordinator.email, "password": PASSWORD}
    assert csrf_client.post("/login", data=data).status_code == 400
    assert csrf_client.post("/login", data={**data, "csrf_token": token}).status_code == 302
    response = csrf_client.post("/organisations/new", data={"name": "X", "short_name": "X"})
    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)


def test_session_cookie_is_http_only_and_same_site(app, client, make, login):
    login(make.counsellor())
    cookie = client.get_cookie("session", domain="rota.test")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_password_reset_mail_arrives_and_the_link_works_once(app, client, make, smtp_sink):
    user = make.counsellor(email="maija@example.fi")
    response = client.post("/password/reset", data={"email": "MAIJA@example.fi"})
    assert response.status_code == 302
    (mail,) = smtp_sink.wait_for(1)
    assert mail.rcpt_tos == ("maija@example.fi",)
    link = re.search(r"http://rota.test(/password/reset/\S+)", mail.message.get_content()).group(1)
    new = "a brand new password"
    assert client.post(link, data={"password": new, "confirm": new}).status_code == 302
    assert client.post("/login", data={"email": user.email, "password": new}).status_code == 302
    again = client.post(
        link, data={"password": "another password!", "confirm": "another password!"}
    )
    assert again.status_code == 302 and again.location.endswith("/password/reset")
    assert db.session.get(User, user.id).password_hash != ""


def test_password_reset_for_unknown_address_says_the_same_and_sends_nothing(app, client, smtp_sink):
    response = client.post(
        "/password/reset", data={"email": "nobody@example.fi"}, follow_redirects=True
    )
    assert "If the address belongs to an account" in response.get_data(as_text=True)
    assert smtp_sink.messages == []
