"""A form's CSRF token lives as long as the sign-in session: a long reply is never lost to it."""

import re

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from rota.contacts.models import Call, CallOutcome, Message, MessageDirection
from rota.db import utcnow
from rota.extensions import db
from rota.templating import CSRF_HOLE
from tests.factories import PASSWORD

LONG_REPLY = "Hei,\n\n" + "Kiitos viestistäsi; tässä vastaukseni kohta kohdalta.\n" * 200


@pytest.fixture
def app_config(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def _token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]* value="([^"]+)"', page).group(1)


def _form_token(client, url: str) -> str:
    """The CSRF token of a page, rendered in its own app context as on a real server (the test's
    app context would otherwise keep the first token made in `g`)."""
    with client.application.app_context():
        return _token(client.get(url).get_data(as_text=True))


def _sign_in(client, user):
    data = {"email": user.email, "password": PASSWORD, "csrf_token": _form_token(client, "/login")}
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture
def served_ninety_minutes_ago(monkeypatch):
    """Pages rendered inside this context carry CSRF tokens signed 90 minutes ago."""
    real = TimestampSigner.get_timestamp

    def earlier(signer):
        return real(signer) - (90 * 60 if signer.salt == b"wtf-csrf-token" else 0)

    class Past:
        def __enter__(self):
            monkeypatch.setattr(TimestampSigner, "get_timestamp", earlier)

        def __exit__(self, *_exc):
            monkeypatch.setattr(TimestampSigner, "get_timestamp", real)

    return Past()


def test_a_reply_written_over_ninety_minutes_is_sent_not_lost(
    app, client, make, served_ninety_minutes_ago
):
    anna = make.counsellor()
    contact = make.contact("Opiskelu", owner=anna, client_email="client@example.com")
    _sign_in(client, anna)
    with served_ninety_minutes_ago:
        token = _form_token(client, f"/contacts/{contact.id}")
    data = {"text": LONG_REPLY, "csrf_token": token}
    response = client.post(f"/contacts/{contact.id}/reply", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    sent = db.session.scalars(
        select(Message).where(Message.direction == MessageDirection.OUT)
    ).all()
    assert [m.body_text.strip() for m in sent] == [LONG_REPLY.strip()]


def test_a_token_of_another_session_is_still_refused(app, client, make):
    anna = make.counsellor()
    foreign = _form_token(app.test_client(), "/login")
    _sign_in(client, anna)
    response = client.post("/profile", data={"name": "X", "csrf_token": foreign})
    assert response.status_code == 400


def _queue_token(client) -> str:
    """The CSRF token of the "Called back" button of the queue page (kept by the worker)."""
    with client.application.app_context():
        page = client.get("/contacts").get_data(as_text=True)
    form = page.partition('action="/calls/')[2]
    return _token(form)


def test_a_kept_queue_page_carries_each_session_its_own_token(app, client, make):
    """The queue page is kept by the worker (rota.hot) with a hole for the token: a second
    session of the same person is shown its own, and its button works."""
    anna = make.counsellor()
    contact = make.contact("Soittopyyntö", owner=anna)
    call = Call(contact_id=contact.id, caller="+358401234567", started_at=utcnow())
    call.outcome, call.callback_needed = CallOutcome.MISSED, True
    db.session.add(call)
    db.session.commit()
    other = app.test_client()
    _sign_in(client, anna)
    _sign_in(other, anna)
    first, second = _queue_token(client), _queue_token(other)
    assert CSRF_HOLE not in first and CSRF_HOLE not in second
    assert _queue_token(client) != second  # each session's token, though the page was kept
    response = other.post(f"/calls/{call.id}/called-back", data={"csrf_token": second})
    assert response.status_code == 302
