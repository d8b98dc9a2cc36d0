"""The contact page's record (thread, calls, history, participants, related contacts) and its
content (all of it but the CSRF tokens) kept by the worker as hot answers (rota.hot.THREADS,
CHOICES, MEMBERS): a change is seen on the next view at once, by the same worker and on
PostgreSQL by another one; the content is the viewer's own, of the minute (the call form's
time), and not kept for a form posted or a saved reply asked for; the permission check still
runs on every view."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from flask import current_app
from sqlalchemy import select, update

from rota import hot
from rota.contacts.mail.ingest import ingest_pending
from rota.contacts.models import (
    Attachment,
    Call,
    Contact,
    ContactEvent,
    Message,
    Participant,
    SavedReply,
)
from rota.contacts.queue import reply, views
from rota.contacts.queue import service as queue
from rota.db import utcnow
from rota.extensions import db
from rota.members.models import Organisation
from rota.outbox.models import OutboxMessage, OutboxStatus
from rota.reports.models import ContactFacts, ContactOutcome, FactKind, FactOption
from tests import factories
from tests.contacts.mail.helpers import NOW, RING_EMAIL, mail, store
from tests.support.statements import counting
from tests.test_hot import _heard, _postgresql_only

CLIENT = "asiakas1@example.fi"
RING = ("Neuvonta", RING_EMAIL)


@pytest.fixture
def app_config(app_config):
    """A time limit far longer than any test: only invalidation can make a change seen."""
    return {**app_config, "HOT_CACHE_SECONDS": 3600, "RING_EMAIL": RING_EMAIL}


@dataclass
class Thread:
    ring: factories.Ring
    contact: Contact  # a client's mail in Org A's queue, answered once by Anna (now hers)


def _ingest(*raws) -> None:
    store(*raws)
    ingest_pending(db.session, current_app.config, NOW)
    db.session.commit()


@pytest.fixture
def thread(app, ring) -> Thread:
    _ingest(mail(1))
    contact = db.session.scalar(select(Contact))
    contact.organisation_id = ring.org_a.id
    reply.send_reply(db.session, contact, ring.anna, "Ensimmäinen vastaus", utcnow(), ring=RING)
    db.session.commit()
    return Thread(ring, contact)


def _signed_in(app_, user):
    client = app_.test_client()
    form = {"email": user.email, "password": factories.PASSWORD}
    assert client.post("/login", data=form).status_code == 302
    return client


def _view(client, thread: Thread) -> str:
    response = client.get(f"/contacts/{thread.contact.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _warm(client, app_, thread: Thread) -> str:
    """The page, viewed twice: the second reads no message (the worker keeps the record)."""
    _view(client, thread)
    with app_.app_context(), counting(db.engine) as tally:
        page = _view(client, thread)
    assert not any("FROM messages" in s for s in tally.statements)
    assert any("INSERT INTO read_log" in s for s in tally.statements)  # every view is logged
    return page


def _history(page: str) -> str:
    return page[page.index('class="history-list"') :]


def _timeline(page: str) -> str:
    """The thread's entries (not the name of the person signed in, in the menu)."""
    return page[page.index('class="timeline"') :].split("</ol>")[0]


@dataclass(frozen=True)
class Change:
    """A change made through the use case that makes it, and how the page shows it."""

    name: str
    make: Callable[[Thread], object]
    seen: Callable[[Thread, str], bool]

    def __str__(self):
        return self.name


def _contact(t: Thread) -> Contact:
    return db.session.get(Contact, t.contact.id)


USE_CASES = [
    Change(
        "reply",
        lambda t: reply.send_reply(
            db.session, _contact(t), t.ring.anna, "Toinen", utcnow(), ring=RING
        ),
        lambda t, page: "Toinen" in page,
    ),
    Change(
        "note",
        lambda t: queue.add_note(db.session, _contact(t), t.ring.anna, "Muistiin", utcnow()),
        lambda t, page: "Muistiin" in page,
    ),
    Change(
        "claim",
        lambda t: queue.claim(db.session, _contact(t), t.ring.anna, utcnow()),
        lambda t, page: f"→ {t.ring.anna.name}" in _history(page),
    ),
    Change(
        "close",
        lambda t: queue.close(db.session, _contact(t), t.ring.anna, utcnow()),
        lambda t, page: f'action="/contacts/{t.contact.id}/reopen"' in page,
    ),
    Change(
        "the client's next contact",
        lambda t: factories.contact("Uusi asia", org=t.ring.org_a, client_email=CLIENT),
        lambda t, page: _listed(page, "Uusi asia"),
    ),
    Change(
        "new inbound mail",
        lambda t: _ingest(mail(2, sender=CLIENT, headers={"In-Reply-To": "<m1@example.fi>"})),
        lambda t, page: "kysymys 2" in page,
    ),
]


@pytest.mark.parametrize("reader", ["same worker", "another worker"])
@pytest.mark.parametrize("change", USE_CASES, ids=str)
def test_a_change_shows_on_the_next_view_at_once(app, another_app, thread, change, reader):
    if reader == "another worker":
        _postgresql_only()
    reading = app if reader == "same worker" else another_app()
    client = _signed_in(reading, thread.ring.anna)
    assert not change.seen(thread, _warm(client, reading, thread))
    since = hot.cache(reading).generation
    change.make(thread)
    db.session.commit()
    assert reader == "same worker" or _heard(reading, since)
    assert change.seen(thread, _view(client, thread))


def _listed(page: str, subject: str) -> bool:
    """Whether the page links the contact of that subject."""
    other = db.session.scalar(select(Contact.id).where(Contact.subject == subject))
    return other is not None and f'href="/contacts/{other}"' in page


def _first_message_id(t: Thread) -> int:
    return db.session.scalar(select(Message.id).where(Message.contact_id == t.contact.id))


def _deliver(t: Thread) -> None:
    sent = {"status": OutboxStatus.SENT, "sent_at": utcnow()}
    db.session.execute(update(OutboxMessage).values(**sent))


def _mentioned(t: Thread, page: str) -> bool:
    other = db.session.scalar(select(Contact.id).where(Contact.mentions_id == t.contact.id))
    return other is not None and f'href="/contacts/{other}"' in page


# each writes one table the page keeps an answer read from (hot.THREADS, CHOICES, MEMBERS),
# and nothing else
ONE_TABLE = [
    Change(
        "messages",
        lambda t: db.session.add(
            Message(contact_id=t.contact.id, direction="note", body_text="Suoraan")
        ),
        lambda t, page: "Suoraan" in page,
    ),
    Change(
        "attachments",
        lambda t: db.session.add(
            Attachment(
                message_id=_first_message_id(t),
                filename="liite.pdf",
                content_type="application/pdf",
                size=3,
                data=b"pdf",
            )
        ),
        lambda t, page: "liite.pdf" in page,
    ),
    Change("outbox", _deliver, lambda t, page: "delivery-sent" in page),
    Change(
        "calls",
        lambda t: db.session.add(
            Call(
                contact_id=t.contact.id,
                caller="+358401234567",
                started_at=utcnow(),
                summary="Soitti",
            )
        ),
        lambda t, page: "Soitti" in page,
    ),
    Change(
        "contact_events",
        lambda t: db.session.add(
            ContactEvent(contact_id=t.contact.id, kind="reopened", reason="Syy tähän")
        ),
        lambda t, page: "Syy tähän" in _history(page),
    ),
    Change(
        "contact_participants",
        lambda t: db.session.add(Participant(contact_id=t.contact.id, address="toinen@example.fi")),
        lambda t, page: "toinen@example.fi" in page,
    ),
    Change(
        "users",
        lambda t: setattr(t.ring.anna, "name", "Anna Uusinimi"),
        lambda t, page: "Anna Uusinimi" in _timeline(page),
    ),
    Change(
        "contacts",
        lambda t: factories.contact("Viittaa", org=t.ring.org_a, mentions_id=t.contact.id),
        _mentioned,
    ),
    Change(
        "organisations",
        lambda t: setattr(db.session.get(Organisation, t.ring.org_a.id), "name", "Uusi järjestö"),
        lambda t, page: "Uusi järjestö" in page,
    ),
    Change(
        "saved_replies",
        lambda t: db.session.add(SavedReply(language="fi", title="Valmis", text="Valmis vastaus")),
        lambda t, page: "Valmis" in page,
    ),
    Change(
        "fact_options",
        lambda t: db.session.add(FactOption(kind=FactKind.TOPIC, label="Uusi aihe")),
        lambda t, page: "Uusi aihe" in page,
    ),
    Change(
        "contact_facts",
        lambda t: db.session.add(
            ContactFacts(contact_id=t.contact.id, outcome=ContactOutcome.ANSWERED)
        ),
        lambda t, page: '<option selected value="answered">' in page,
    ),
]


@pytest.mark.parametrize("change", ONE_TABLE, ids=str)
def test_a_write_to_any_table_a_kept_part_reads_shows_at_once(app, thread, change):
    assert change.name in hot.THREADS | hot.CHOICES | hot.MEMBERS
    client = _signed_in(app, thread.ring.anna)
    assert not change.seen(thread, _warm(client, app, thread))
    change.make(thread)
    db.session.commit()
    assert change.seen(thread, _view(client, thread))


def test_a_kept_record_is_not_shown_to_a_viewer_who_may_not_see_the_contact(app, thread):
    _warm(_signed_in(app, thread.ring.anna), app, thread)
    outsider = _signed_in(app, thread.ring.bert)  # Org B's counsellor
    assert outsider.get(f"/contacts/{thread.contact.id}").status_code == 404
    _contact(thread).owner_id = thread.ring.aino.id  # now Aino's: no longer Anna's to see
    db.session.commit()
    assert (
        _signed_in(app, thread.ring.anna).get(f"/contacts/{thread.contact.id}").status_code == 404
    )


TOKEN = re.compile(r'(name="csrf_token"[^>]* value=")[^"]+"')


def _content(page: str) -> str:
    """The page's main part, its CSRF tokens (each session's own) left out."""
    main = page[page.index("<main") : page.index("</main>")]
    return TOKEN.sub(r'\1"', main)


@pytest.fixture
def clock(monkeypatch):
    """The views' clock, set to `clock.now` (this minute is the call form's time)."""

    class Clock:
        now = datetime(2026, 6, 10, 12, 34, 56, tzinfo=UTC)

    monkeypatch.setattr(views, "utcnow", lambda: Clock.now)
    return Clock


def test_the_kept_page_equals_the_computed_one(app, another_app, thread, clock, call_to_return):
    call_to_return(thread.contact)
    kept = _warm(_signed_in(app, thread.ring.anna), app, thread)
    computed = _view(_signed_in(another_app(HOT_CACHE_SECONDS=0), thread.ring.anna), thread)
    assert 'action="/calls/' in kept
    assert _content(kept) == _content(computed)


def test_the_kept_content_is_the_viewers_own(app, thread):
    """What a page shows by who views it (the buttons to reassign, to take a contact as one's
    own, the link to the read log) is theirs, though another's view of it is kept."""
    _contact(thread).owner_id = None
    db.session.commit()
    contact_id = thread.contact.id
    reassign, take = f"/contacts/{contact_id}/reassign", f"/contacts/{contact_id}/claim"
    counsellor = _warm(_signed_in(app, thread.ring.anna), app, thread)
    reads = f"/contacts/{contact_id}/reads"
    assert reassign not in counsellor and take in counsellor and reads not in counsellor
    admin = _view(_signed_in(app, thread.ring.admin_a), thread)
    assert reassign in admin and reads not in admin
    coordinator = _view(_signed_in(app, thread.ring.coordinator), thread)
    assert reassign in coordinator and reads in coordinator


def test_the_kept_call_form_starts_at_this_minute(app, thread, clock):
    client = _signed_in(app, thread.ring.anna)
    assert 'value="2026-06-10T15:34"' in _warm(client, app, thread)  # Helsinki, summer
    clock.now = datetime(2026, 6, 10, 12, 35, 1, tzinfo=UTC)
    assert 'value="2026-06-10T15:35"' in _view(client, thread)


def test_a_page_with_a_saved_reply_or_a_refused_form_is_not_kept(app, thread):
    db.session.add(SavedReply(language="fi", title="Valmis", text="Valmis vastausteksti"))
    db.session.commit()
    saved_id = db.session.scalar(select(SavedReply.id))
    client = _signed_in(app, thread.ring.anna)
    contact_id = thread.contact.id
    chosen = client.get(f"/contacts/{contact_id}?saved={saved_id}").get_data(as_text=True)
    assert "Valmis vastausteksti</textarea>" in chosen
    refused = client.post(f"/contacts/{contact_id}/note", data={"text": "x" * 5001})
    assert refused.status_code == 400 and 'class="error-summary"' in refused.get_data(as_text=True)
    page = _view(client, thread)
    assert "Valmis vastausteksti</textarea>" not in page and 'class="error-summary"' not in page
    assert "x" * 5001 not in page
