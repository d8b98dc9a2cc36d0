"""Guessing passwords and bombing mailboxes: attempts are counted in the database per account
and per client address, so every web worker sees the same counts (SQLite and PostgreSQL)."""

import functools
import hashlib
from datetime import timedelta

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from rota.auth import throttle
from rota.auth.models import AttemptCounter
from rota.auth.throttle import Limit
from rota.db import utcnow
from rota.extensions import db
from rota.outbox.models import OutboxMessage
from tests.factories import PASSWORD
from tests.support.concurrency import at_once


@functools.cache
def _quick_hash() -> str:
    """PASSWORD hashed at the lowest cost: these tests make hundreds of attempts."""
    return generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")


def person(make, **fields):
    """A counsellor whose password is quick to check."""
    return make.counsellor(password_hash=_quick_hash(), **fields)


def attempt(client, email, password="wrong password!", **kwargs):
    return client.post("/login", data={"email": email, "password": password}, **kwargs)


def test_thirty_wrong_passwords_then_the_right_one_is_refused(app, client, make):
    user = person(make)
    for _ in range(30):
        attempt(client, user.email)
    response = attempt(client, user.email, PASSWORD)
    assert response.status_code == 429
    assert "Too many sign-in attempts. Wait 15 minutes" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302, "not signed in"


def test_the_account_opens_again_when_the_window_has_passed(app, client, make):
    user = person(make)
    for _ in range(11):
        attempt(client, user.email)
    assert attempt(client, user.email, PASSWORD).status_code == 429
    _move_windows_back(timedelta(minutes=16))
    assert attempt(client, user.email, PASSWORD).status_code == 302


def test_a_right_password_within_the_limit_signs_in_and_starts_counting_afresh(app, client, make):
    user = person(make)
    for _ in range(9):
        attempt(client, user.email)
    assert attempt(client, user.email, PASSWORD).status_code == 302
    client.post("/logout")
    for _ in range(9):
        assert attempt(client, user.email).status_code == 400


def test_one_client_guessing_many_accounts_is_stopped(app, client, make):
    people = [person(make) for _ in range(6)]
    for n in range(50):
        attempt(client, people[n % 5].email)
    assert attempt(client, people[5].email, PASSWORD).status_code == 429


def test_a_forged_forwarded_for_does_not_reset_the_client_count(app, client, make):
    people = [person(make) for _ in range(6)]
    for n in range(50):
        attempt(client, people[n % 5].email, headers={"X-Forwarded-For": f"198.51.100.{n}"})
    assert attempt(client, people[5].email, PASSWORD).status_code == 429


def test_behind_a_proxy_each_client_address_is_counted_apart(app, another_app, make):
    client = another_app(PROXY_FIX=1).test_client()
    people = [person(make) for _ in range(6)]
    for n in range(50):
        attempt(client, people[n % 5].email, headers={"X-Forwarded-For": "198.51.100.7"})
    other = {"X-Forwarded-For": "203.0.113.9"}
    assert attempt(client, people[5].email, PASSWORD, headers=other).status_code == 302


def test_two_web_workers_share_the_count(app, another_app, client, make):
    user = person(make)
    other_worker = another_app().test_client()
    for n in range(10):
        attempt(client if n % 2 else other_worker, user.email)
    assert attempt(other_worker, user.email, PASSWORD).status_code == 429
    assert attempt(client, user.email, PASSWORD).status_code == 429


def test_concurrent_attempts_each_get_their_own_number(app, database_url):
    """Twenty workers counting at once: no two get the same number, none is lost."""
    limit = Limit("race", 100, timedelta(minutes=15))
    results = at_once(
        app, 20, lambda: throttle.count(db.session, limit, "someone@example.fi", utcnow())
    )
    assert sorted(results) == list(range(1, 21))


def test_unknown_address_and_wrong_password_cost_the_same_hashing(app, client, make, monkeypatch):
    user = make.counsellor()
    real, spent = hashlib.scrypt, []

    def counting(*args, **kwargs):
        spent.append(kwargs.get("n"))
        return real(*args, **kwargs)

    attempt(client, "warm-up@example.fi")  # the stand-in hash is made once per process
    monkeypatch.setattr(hashlib, "scrypt", counting)
    attempt(client, user.email)
    known = list(spent)
    spent.clear()
    attempt(client, "nobody@example.fi")
    assert known and spent == known, "one scrypt of the same cost on both paths"
    spent.clear()
    make.counsellor(email="gone@example.fi", active=False)
    attempt(client, "gone@example.fi", PASSWORD)
    assert spent == known


def test_reset_mails_to_one_address_are_limited(app, client, make):
    make.counsellor(email="maija@example.fi")
    for _ in range(10):
        response = client.post("/password/reset", data={"email": "maija@example.fi"})
        assert response.status_code == 302
    sent = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reset")).all()
    assert len(sent) == 3
    page = client.get("/login").get_data(as_text=True)
    assert "asked for this address several times already" in page


def _move_windows_back(delta):
    """Let time pass for the counters: their windows started `delta` earlier."""
    for counter in db.session.scalars(select(AttemptCounter)):
        counter.window_start -= delta
    db.session.commit()
