"""Absolute links (reset mails, contact notices, calendar subscriptions) come from BASE_URL.

The request's Host header is the attacker's to choose: a reset link built from it mails a
working token to their server. Unknown hosts are refused outright (TRUSTED_HOSTS), and behind
a proxy its X-Forwarded-* headers count only when PROXY_FIX says how many proxies there are.
"""

import re

import pytest
from sqlalchemy import select

from rota import create_app
from rota.contacts.models import Contact
from rota.contacts.routing.service import route_new_contact
from rota.extensions import db
from rota.outbox.models import OutboxMessage
from tests.factories import PASSWORD

BASE = "https://rota.example.fi"


@pytest.fixture
def app_config(app_config):
    """A deployment at https://rota.example.fi, also reached by an internal name."""
    app_config.update(BASE_URL=BASE, TRUSTED_HOSTS=["rota.test", "rota-internal.test"])
    return app_config


def test_reset_mail_link_is_on_the_base_url_whatever_host_was_asked(app, client, make, smtp_sink):
    make.counsellor(email="maija@example.fi")
    response = client.post(
        "/password/reset", data={"email": "maija@example.fi"}, base_url="http://rota-internal.test"
    )
    assert response.status_code == 302
    (mail,) = smtp_sink.wait_for(1)
    links = re.findall(r"\S+/password/reset/\S+", mail.message.get_content())
    assert links and all(link.startswith(f"{BASE}/password/reset/") for link in links)


def test_an_unknown_host_is_refused_and_no_reset_mail_is_queued(app, client, make):
    make.counsellor(email="maija@example.fi")
    response = client.post(
        "/password/reset", data={"email": "maija@example.fi"}, base_url="http://evil.example"
    )
    assert response.status_code == 400
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_trusted_hosts_default_to_the_base_url_host(app_config, another_app):
    del app_config["TRUSTED_HOSTS"]
    client = another_app().test_client()
    assert client.get("/login", base_url=BASE).status_code == 200
    assert client.get("/login", base_url="https://evil.example").status_code == 400


def test_contact_notice_from_a_scheduled_job_links_to_the_base_url(app, make):
    from datetime import UTC, datetime

    org = make.org()
    make.shift(org, "2026-03-30T09:00", channel="email", counsellor=make.counsellor(org))
    contact = Contact(channel="email", subject="Apua", client_email="client@example.com")
    route_new_contact(
        db.session, contact, datetime(2026, 3, 30, 7, 0, tzinfo=UTC), make.mail_settings()
    )
    db.session.commit()
    (notice,) = db.session.scalars(select(OutboxMessage)).all()
    assert f"{BASE}/contacts/{contact.id}" in notice.body_text


def test_subscription_links_are_https_on_the_base_url(app, client, make):
    inside = "http://rota-internal.test"
    user = make.counsellor()
    data = {"email": user.email, "password": PASSWORD}
    assert client.post("/login", data=data, base_url=inside).status_code == 302
    page = client.post("/subscribe", base_url=inside).get_data(as_text=True)
    links = re.findall(r"(?:https?|webcal)://[^\s\"<]+/feeds/[^\s\"<]+\.ics", page)
    assert links
    assert all(
        link.startswith((f"{BASE}/feeds/", "webcal://rota.example.fi/feeds/")) for link in links
    )


def test_base_url_is_required_outside_development_and_tests(app_config):
    production = {k: v for k, v in app_config.items() if k not in ("TESTING", "BASE_URL")}
    with pytest.raises(RuntimeError, match="BASE_URL"):
        create_app(production)
    assert create_app({**production, "BASE_URL": BASE}).config["BASE_URL"] == BASE


@pytest.mark.parametrize("bad", ["rota.example.fi", "ftp://rota.example.fi", "https://x/?a=1"])
def test_a_base_url_that_is_not_an_http_address_is_refused(app_config, bad):
    with pytest.raises(RuntimeError, match="BASE_URL"):
        create_app({**app_config, "BASE_URL": bad})


FORWARDED = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}


def test_forwarded_headers_are_ignored_without_proxy_fix(app, client):
    assert client.get("/login", headers=FORWARDED).status_code == 200


def test_with_proxy_fix_the_forwarded_host_is_checked_too(another_app):
    client = another_app(PROXY_FIX=1).test_client()
    assert client.get("/login", headers=FORWARDED).status_code == 400
    fine = {**FORWARDED, "X-Forwarded-Host": "rota-internal.test"}
    assert client.get("/login", headers=fine).status_code == 200
