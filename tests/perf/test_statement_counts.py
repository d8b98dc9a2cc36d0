"""SQL statements per page and API endpoint do not grow with the data: each is counted (an
event listener on the engine, tests/support/statements.py) with a little data, then again
after much more of the same, and the counts must be equal. Lists grow past a page on purpose."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rota import hot
from rota.contacts.models import Attachment, Call, ContactEvent, ContactStatus, Message
from rota.contacts.queue.service import PAGE_SIZE
from rota.extensions import db
from rota.schedule.models import Absence
from tests import factories
from tests.support.feed_data import feed_secret
from tests.support.statements import counting

HELSINKI = ZoneInfo("Europe/Helsinki")
SMALL, LARGE = 2, PAGE_SIZE + 10  # rows added per list: a few, then more than a page


def _grow(ring, start: int, count: int) -> None:
    """`count` more of everything a page lists: contacts in every queue section (Anna's own,
    Org A's queue, the ring's, closed), calls to return, shifts this week with their
    counsellors and absences."""
    now = datetime.now(UTC)
    for i in range(start, start + count):
        received = now - timedelta(minutes=i)
        factories.contact(
            f"Own {i}", owner=ring.anna, status=ContactStatus.OPEN, received_at=received
        )
        factories.contact(f"Queue {i}", org=ring.org_a, received_at=received)
        factories.contact(f"Ring {i}", received_at=received)
        closed = factories.contact(
            f"Closed {i}",
            owner=ring.anna,
            status=ContactStatus.CLOSED,
            closed_at=received,
            received_at=received,
        )
        db.session.add(
            Call(
                contact_id=closed.id,
                caller="+358401112233",
                started_at=received,
                callback_needed=True,
                outcome="missed",
            )
        )
        start_local = datetime.now(HELSINKI).replace(hour=0, minute=0, second=0, microsecond=0)
        start_local += timedelta(days=1 + i % 6, hours=i % 24, minutes=i // 24)
        shift = factories.shift(
            ring.org_a,
            start_local.replace(tzinfo=None),
            hours=1,
            counsellor=ring.anna if i % 2 else ring.aino,
            slot_key=f"perf/{i}",
        )
        db.session.add(
            Absence(user_id=ring.aino.id, starts_at=shift.starts_at, ends_at=shift.ends_at)
        )
    db.session.commit()


def _grow_thread(contact, author, start: int, count: int) -> None:
    """`count` more messages on the contact, each with an attachment and an event."""
    for i in range(start, start + count):
        message = Message(
            contact_id=contact.id,
            direction="in",
            from_addr="client@example.org",
            subject=f"Re {i}",
            body_text=f"Message {i}",
            created_at=datetime.now(UTC) - timedelta(minutes=200 - i),
        )
        db.session.add(message)
        db.session.flush()
        db.session.add(
            Attachment(
                message_id=message.id,
                filename=f"f{i}.pdf",
                size=4,
                content_type="application/pdf",
                data=b"%PDF",
            )
        )
        db.session.add(
            ContactEvent(
                contact_id=contact.id, kind="claimed", actor_id=author.id, to_owner_id=author.id
            )
        )
    db.session.commit()


def _counts(app, client, paths: dict[str, tuple[str, dict]], cold=False) -> dict[str, int]:
    """The statements each path runs (GET, with its headers); every answer must succeed.
    `cold`: with the worker's hot answers forgotten first (rota.hot)."""
    counts = {}
    for name, (path, headers) in paths.items():
        if cold:
            hot.cache(app).clear()
        with counting(db.engine) as tally:
            response = client.get(path, headers=headers)
        assert response.status_code in (200, 304), (name, response.status_code)
        counts[name] = len(tally.statements)
    return counts


def _pages(client_login, who):
    client_login(who)
    return {
        "queue": ("/contacts", {}),
        "front page": ("/", {}),
    }


@pytest.mark.parametrize("role", ["anna", "coordinator", "admin_a"])
def test_queue_and_front_page_statements_do_not_grow(app, client, login, ring, role):
    _grow(ring, 0, SMALL)
    paths = _pages(login, getattr(ring, role))
    client.get("/")  # the first request of a sign-in may note the session; count the next
    before = _counts(app, client, paths, cold=True)  # computed afresh, not the kept sections
    _grow(ring, SMALL, LARGE)
    assert _counts(app, client, paths, cold=True) == before
    listed = client.get("/contacts").get_data(as_text=True).count('href="/contacts/')
    assert listed <= 5 * PAGE_SIZE  # a page of each section, however many there are


def test_contact_page_statements_do_not_grow_with_messages(app, client, login, ring):
    login(ring.anna)
    contact = factories.contact("Thread", owner=ring.anna, status=ContactStatus.OPEN)
    _grow_thread(contact, ring.anna, 0, SMALL)
    paths = {"contact": (f"/contacts/{contact.id}", {})}
    client.get("/")
    before = _counts(app, client, paths, cold=True)  # the organisations' names: a hot answer
    _grow_thread(contact, ring.anna, SMALL, 30)
    assert _counts(app, client, paths, cold=True) == before


def _api_paths(ring):
    secret = feed_secret(scopes=["on-duty:read", "shifts:read"], organisation=ring.org_a)
    calendar = feed_secret(user=ring.anna)
    db.session.commit()
    bearer = {"Authorization": f"Bearer {secret}"}
    return {
        "on-duty": ("/api/v1/on-duty", bearer),
        "on-duty at": ("/api/v1/on-duty?at=2026-03-30T10:00:00%2B03:00&channel=phone", bearer),
        "shifts": ("/api/v1/shifts", bearer),
        "person feed": (f"/feeds/{calendar}/people/{ring.anna.id}.ics", {}),
        "public feed": ("/feeds/public/ring.ics", {}),
    }


def test_api_and_feed_statements_do_not_grow(app, client, ring):
    _grow(ring, 0, SMALL)
    paths = _api_paths(ring)
    _counts(app, client, paths)  # the first use of a token is recorded; count the next
    before = _counts(app, client, paths, cold=True)
    _grow(ring, SMALL, LARGE)
    assert _counts(app, client, paths, cold=True) == before


def test_warm_hot_answers_run_no_statement(app, client, ring):
    """On duty now and a feed poll answered 304 come from the worker's hot answers: no
    statement and no connection; an explicit `at=` is computed, its token check kept."""
    _grow(ring, 0, SMALL)
    paths = _api_paths(ring)
    _counts(app, client, paths)
    paths = {name: paths[name] for name in ("on-duty", "on-duty at", "person feed", "public feed")}
    for name in ("person feed", "public feed"):
        path, headers = paths[name]
        headers["If-None-Match"] = client.get(path, headers=headers).headers["ETag"]
    with counting(db.engine) as tally:
        assert _counts(app, client, paths) == {
            "on-duty": 0,
            "on-duty at": 2,  # who is on duty then, and their absences
            "person feed": 0,
            "public feed": 0,
        }
    assert tally.checkouts == 1


def test_shift_pages_statements_do_not_grow(app, client, login, ring):
    _grow(ring, 0, SMALL)
    login(ring.coordinator)
    organisation = f"/rota/organisations/{ring.org_a.id}"
    paths = {path: (path, {}) for path in ("/rota", "/rota/month", "/rota/gaps", organisation)}
    client.get("/")
    before = _counts(app, client, paths)
    _grow(ring, SMALL, LARGE)
    assert _counts(app, client, paths) == before


def test_on_duty_is_one_checkout_a_few_statements_and_no_write(app, client, ring):
    org = ring.org_a
    shift = factories.shift(org, "2026-03-30T09:00", counsellor=ring.anna)
    factories.shift(org, "2026-03-30T12:00", counsellor=ring.aino)
    db.session.add(
        Absence(
            user_id=ring.aino.id,
            starts_at=shift.starts_at,
            ends_at=shift.ends_at + timedelta(hours=3),
        )
    )
    secret = feed_secret(scopes=["on-duty:read"], organisation=org)
    db.session.commit()
    path = "/api/v1/on-duty?at=2026-03-30T10:00:00%2B03:00"
    headers = {"Authorization": f"Bearer {secret}"}
    with counting(db.engine) as first:
        assert client.get(path, headers=headers).status_code == 200
    assert len(first.writes) == 1  # the token's first use is recorded
    with counting(db.engine) as tally:
        answer = client.get(path, headers=headers).get_json()
    assert answer["next"][0]["counsellor"]["name"] == "Aino Aalto"
    assert tally.checkouts == 1 and tally.writes == []
    assert len(tally.statements) <= 3, tally.statements


def test_healthz_touches_no_database(app, client):
    with counting(db.engine) as tally:
        assert client.get("/healthz").status_code == 200
    assert tally.checkouts == 0 and tally.statements == []
