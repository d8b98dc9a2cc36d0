"""Hot answers (rota.hot): the on-duty API, token checks, feed validators and the queue's pages
kept by a worker are forgotten at once when the data they read changes, and only then: by the
same worker, and on PostgreSQL by another one (a second app with its own engine and listener);
never kept past a shift boundary; equal to the answers computed afresh."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from rota import hot
from rota.auth import tokens
from rota.db import utcnow
from rota.extensions import db
from rota.members.people import save_person
from rota.schedule import absences
from rota.schedule import service as shifts
from rota.schedule.feeds import service as feeds
from rota.schedule.feeds.text import Ring
from rota.schedule.planning import generation
from rota.schedule.planning.generation import RotaSettings
from tests import factories
from tests.support.feed_data import feed_secret
from tests.support.statements import counting

HELSINKI = ZoneInfo("Europe/Helsinki")
ANNA_PHONE, AINO_PHONE, ORG_PHONE = "+358401111111", "+358402222222", "+358141234567"


@pytest.fixture
def app_config(app_config):
    """A time limit far longer than any test: only invalidation can make a change seen."""
    return {**app_config, "HOT_CACHE_SECONDS": 3600}


@dataclass
class World:
    ring: factories.Ring
    shift: object  # on duty now: Org A, Anna
    token_id: int
    pbx: str  # the coordinator's token with on-duty:read and telephony:write
    feed: str  # Anna's own feed, read with her feeds:read token


@pytest.fixture
def world(app, ring) -> World:
    ring.org_a.phone, ring.anna.phone, ring.aino.phone = ORG_PHONE, ANNA_PHONE, AINO_PHONE
    start = datetime.now(HELSINKI).replace(tzinfo=None, microsecond=0) - timedelta(hours=1)
    shift = factories.shift(ring.org_a, start, counsellor=ring.anna)
    factories.shift(ring.org_a, start + timedelta(hours=3), counsellor=ring.aino)
    token, pbx = tokens.create_token(
        db.session,
        name="PBX",
        scopes=["on-duty:read", "telephony:write"],
        user=ring.coordinator,
    )
    feed = f"/feeds/{feed_secret(user=ring.anna)}/people/{ring.anna.id}.ics"
    db.session.commit()
    return World(ring, shift, token.id, pbx, feed)


def on_duty(client, world: World, query: str = ""):
    return client.get(f"/api/v1/on-duty{query}", headers={"Authorization": f"Bearer {world.pbx}"})


@dataclass(frozen=True)
class Change:
    """A change made through the use case that makes it, and how the on-duty answer shows it."""

    name: str
    make: Callable[[World], object]
    seen: Callable[[object], bool]

    def __str__(self):
        return self.name


def _now_on_duty(response) -> dict:
    return response.get_json()["on_duty"][0]


def _deactivate(world: World):
    person = world.ring.coordinator
    fields = {"email": person.email, "name": person.name, "role": person.role}
    fields["languages"] = person.languages.split(",")
    save_person(db.session, person, actor=None, active=False, **fields)


def _absent(world: World):
    today = datetime.now(HELSINKI).date()
    absences.record_absence(
        db.session,
        world.ring.admin_a,
        person_id=world.ring.anna.id,
        first_day=today - timedelta(days=1),
        last_day=today + timedelta(days=1),
        reason="ill",
        zone=HELSINKI,
        now=utcnow(),
        settings=factories.mail_settings(),
    )


def _override(world: World):
    shifts.override_shift(
        db.session,
        world.shift.id,
        world.ring.coordinator,
        organisation_id=world.ring.org_b.id,
        counsellor_id=None,
        reason="Org A is short of people",
        now=utcnow(),
        settings=factories.mail_settings(),
    )


CHANGES = [
    Change(
        "revoked token",
        lambda w: tokens.revoke(db.session, w.ring.coordinator, w.token_id, utcnow()),
        lambda response: response.status_code == 401,
    ),
    Change("deactivated person", _deactivate, lambda response: response.status_code == 401),
    Change(
        "changed shift",
        lambda w: shifts.name_counsellor(
            db.session, w.shift.id, w.ring.admin_a, counsellor_id=w.ring.aino.id, now=utcnow()
        ),
        lambda response: _now_on_duty(response)["forward_to"] == AINO_PHONE,
    ),
    Change("absence", _absent, lambda response: _now_on_duty(response)["forward_to"] == ORG_PHONE),
    Change(
        "override",
        _override,
        lambda response: _now_on_duty(response)["organisation"]["name"] == "Org B",
    ),
]


def _warm(client, world: World, app_) -> object:
    """The on-duty answer, asked twice: the second comes from the worker's cache."""
    on_duty(client, world)
    with app_.app_context(), counting(db.engine) as tally:
        response = on_duty(client, world)
    assert response.status_code == 200 and tally.statements == []
    return response


@pytest.mark.parametrize("change", CHANGES, ids=str)
def test_a_change_is_seen_at_once_by_the_worker_that_made_it(app, client, world, change):
    assert not change.seen(_warm(client, world, app))
    change.make(world)
    db.session.commit()
    assert change.seen(on_duty(client, world))


def _heard(app_, since: int) -> bool:
    """Whether the app's listener has emptied its cache since `since` (its generation then):
    the NOTIFY travels through the database server, so this waits up to two seconds."""
    deadline = time.monotonic() + 2
    while hot.cache(app_).generation == since and time.monotonic() < deadline:
        time.sleep(0.01)
    return hot.cache(app_).generation != since


def _postgresql_only():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("other workers hear of changes through PostgreSQL's NOTIFY")


@pytest.mark.parametrize("change", CHANGES, ids=str)
def test_a_change_is_heard_by_another_worker(app, another_app, world, change):
    _postgresql_only()
    other = another_app()
    reader = other.test_client()
    assert not change.seen(_warm(reader, world, other))
    since = hot.cache(other).generation
    change.make(world)
    db.session.commit()
    assert _heard(other, since)
    assert change.seen(on_duty(reader, world))


def test_a_write_rolled_back_or_not_made_is_not_heard(app, another_app, world):
    _postgresql_only()
    other = another_app()
    _warm(other.test_client(), world, other)
    since = hot.cache(other).generation
    world.shift.counsellor = world.ring.aino
    db.session.flush()
    db.session.rollback()
    factories.service_hours()  # a table no answer reads
    db.session.commit()
    db.session.execute(text("SELECT pg_notify('unrelated', '')"))
    db.session.commit()
    assert not _heard(other, since)


def test_shifts_the_planner_inserts_in_bulk_are_seen_at_once(app, client, world):
    """Generation writes shifts by plain SQL (planning/bulk.py), past the ORM's unit of work."""
    factories.service_hours([(day, 9, 10, "email") for day in range(7)])
    db.session.commit()
    for _kept in range(2):
        assert on_duty(client, world, "?channel=email").get_json()["next"] == []
    settings = RotaSettings(HELSINKI, horizon_weeks=1)
    generation.generate(db.session, None, utcnow(), settings=settings)
    db.session.commit()
    assert on_duty(client, world, "?channel=email").get_json()["next"]


def test_the_cached_answer_equals_the_computed_one(app, client, another_app, world):
    computed = another_app(HOT_CACHE_SECONDS=0).test_client()
    for query in ("", "?channel=phone", "?channel=email"):
        on_duty(client, world, query)
        kept = on_duty(client, world, query).get_json()
        fresh = on_duty(computed, world, query).get_json()
        assert kept.pop("at") <= fresh.pop("at") and kept == fresh
        assert query == "?channel=email" or kept["on_duty"][0]["forward_to"] == ANNA_PHONE


def test_the_answer_is_not_kept_past_a_shift_boundary(app, client, world):
    """Real instants: the shift on duty ends a second from now and the next one starts then."""
    boundary = utcnow().replace(microsecond=0) + timedelta(seconds=2)
    world.shift.ends_at = boundary
    later = factories.shift(world.ring.org_b, "2026-01-05T09:00", counsellor=world.ring.bert)
    later.starts_at, later.ends_at = boundary, boundary + timedelta(hours=1)
    db.session.commit()
    before = _warm(client, world, app).get_json()
    assert [s["organisation"]["name"] for s in before["on_duty"]] == ["Org A"]
    assert [s["organisation"]["name"] for s in before["next"]] == ["Org B"]
    time.sleep(max(0.0, (boundary - datetime.now(UTC)).total_seconds()))
    after = on_duty(client, world).get_json()
    assert [s["organisation"]["name"] for s in after["on_duty"]] == ["Org B"]


def test_an_answer_is_kept_until_it_changes_and_at_most_the_time_limit():
    answers = hot.HotCache(60, None)
    now = datetime(2026, 3, 30, 9, 0, tzinfo=UTC)
    boundary = now + timedelta(seconds=30)
    computed = []

    def compute(changes_at):
        computed.append(changes_at)
        return len(computed), changes_at

    assert answers.answer("duty", now, lambda: compute(boundary)) == 1
    assert answers.answer("duty", boundary - timedelta(microseconds=1), compute) == 1
    assert answers.answer("duty", boundary, lambda: compute(None)) == 2
    assert answers.answer("duty", boundary + timedelta(seconds=59), compute) == 2
    assert answers.answer("duty", boundary + timedelta(seconds=60), lambda: compute(None)) == 3


def test_an_answer_computed_while_the_cache_was_emptied_is_not_kept():
    answers = hot.HotCache(60, None)
    now = datetime(2026, 3, 30, 9, 0, tzinfo=UTC)

    def racing():
        answers.clear()  # another process's change heard while this one read the old data
        return "old", None

    assert answers.answer("duty", now, racing) == "old"
    assert answers.answer("duty", now, lambda: ("new", None)) == "new"
    assert answers.answer("duty", now, lambda: ("newer", None)) == "new"


def test_a_worker_that_lost_its_listening_connection_keeps_nothing(app, client, world):
    _postgresql_only()
    _warm(client, world, app)
    since = hot.cache(app).generation
    db.session.execute(
        text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND query LIKE 'LISTEN %' "
            "AND pid <> pg_backend_pid()"
        )
    )
    db.session.commit()
    assert _heard(app, since)
    for _ in range(2):
        with counting(db.engine) as tally:
            assert on_duty(client, world).status_code == 200
        assert tally.statements


def _feed(client, world: World, etag: str | None = None):
    return client.get(world.feed, headers={"If-None-Match": etag} if etag else {})


FEED_CHANGES = [
    Change(
        "shift named to another",
        lambda w: shifts.name_counsellor(
            db.session, w.shift.id, w.ring.admin_a, counsellor_id=w.ring.aino.id, now=utcnow()
        ),
        lambda response: response.status_code == 200,
    ),
    Change(
        "revoked calendar token",
        lambda w: tokens.revoke(db.session, w.ring.anna, _calendar_id(w), utcnow()),
        lambda response: response.status_code == 404,
    ),
]


def _calendar_id(world: World) -> int:
    secret = world.feed.split("/")[2]
    return tokens.authenticate(db.session, secret, "feeds:read").id


@pytest.mark.parametrize("reader", ["same worker", "another worker"])
@pytest.mark.parametrize("change", FEED_CHANGES, ids=str)
def test_a_feed_poll_sees_a_change_at_once(app, client, another_app, world, change, reader):
    if reader == "another worker":
        _postgresql_only()
        client, app = (other := another_app()).test_client(), other
    etag = _feed(client, world).headers["ETag"]
    with app.app_context(), counting(db.engine) as tally:
        assert _feed(client, world, etag).status_code == 304
    assert tally.statements == []
    since = hot.cache(app).generation
    change.make(world)
    db.session.commit()
    assert reader == "same worker" or _heard(app, since)
    assert change.seen(_feed(client, world, etag))


def test_a_feed_window_moves_at_the_instant_it_says():
    ring = Ring(name="Ring", phone="", email="", tz="Europe/Helsinki", refresh_minutes=60)
    now = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # clocks went forward in March: one 23 h day
    feed = feeds.public_feed(ring=ring, now=now, locale="en", alarm_minutes=None)
    just_before = feed.window_moves_at - timedelta(microseconds=1)
    same = feeds.public_feed(ring=ring, now=just_before, locale="en", alarm_minutes=None)
    moved = feeds.public_feed(ring=ring, now=feed.window_moves_at, locale="en", alarm_minutes=None)
    assert same.window_start == feed.window_start < moved.window_start


NEW_SUBJECT = "Kysymys oppisopimuksesta"


def _queue(client) -> str:
    response = client.get("/contacts")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _warm_queue(client, app_) -> str:
    """Anna's queue page, read twice: the second reads no contact (the worker keeps its pages)."""
    _queue(client)
    with app_.app_context(), counting(db.engine) as tally:
        page = _queue(client)
    assert tally.statements and not any("FROM contacts" in s for s in tally.statements)
    return page


def _signed_in_as_anna(app_, world: World):
    client = app_.test_client()
    form = {"email": world.ring.anna.email, "password": factories.PASSWORD}
    assert client.post("/login", data=form).status_code == 302
    return client


@pytest.mark.parametrize("reader", ["same worker", "another worker"])
def test_a_new_contact_is_on_the_queue_at_once_and_the_rota_answer_kept(
    app, another_app, world, reader
):
    """A contact written forgets the queue's pages, and only the answers read from contacts:
    the on-duty answer stays kept."""
    if reader == "another worker":
        _postgresql_only()
    reading = app if reader == "same worker" else another_app()
    queue, api = _signed_in_as_anna(reading, world), reading.test_client()
    _warm(api, world, reading)
    assert NEW_SUBJECT not in _warm_queue(queue, reading)
    since = hot.cache(reading).generation
    factories.contact(NEW_SUBJECT, org=world.ring.org_a)
    db.session.commit()
    assert reader == "same worker" or _heard(reading, since)
    assert NEW_SUBJECT in _queue(queue)
    with reading.app_context(), counting(db.engine) as tally:
        assert on_duty(api, world).status_code == 200
    assert tally.statements == []


def test_a_rota_change_keeps_the_queue_pages(app, world):
    client = _signed_in_as_anna(app, world)
    _warm_queue(client, app)
    _absent(world)
    db.session.commit()
    with counting(db.engine) as tally:
        _queue(client)
    assert not any("FROM contacts" in s for s in tally.statements)


def test_only_the_answers_read_from_a_written_table_are_forgotten():
    answers = hot.HotCache(60, None)
    now = datetime(2026, 3, 30, 9, 0, tzinfo=UTC)
    answers.answer("duty", now, lambda: ("duty", None))
    answers.answer("queue", now, lambda: ("queue", None), hot.QUEUES)
    answers.clear({"contacts"})
    assert answers.answer("duty", now, lambda: ("again", None)) == "duty"
    assert answers.answer("queue", now, lambda: ("again", None), hot.QUEUES) == "again"
    answers.clear({"users"})  # both read it
    assert answers.answer("duty", now, lambda: ("third", None)) == "third"
    assert answers.answer("queue", now, lambda: ("third", None), hot.QUEUES) == "third"


def _front(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _signed_in(app_, person):
    client = app_.test_client()
    form = {"email": person.email, "password": factories.PASSWORD}
    assert client.post("/login", data=form).status_code == 302
    return client


def _panel(page: str, heading: str) -> str:
    """The section of a front page under `heading`."""
    return page.split(f"<h2>{heading}</h2>", 1)[1].split("</section>", 1)[0]


def test_the_front_page_panels_are_kept_and_show_a_change_at_once(app, world):
    coordinator = _signed_in(app, world.ring.coordinator)
    assert "Org B" not in _panel(_front(coordinator), "On duty today")
    with counting(db.engine) as tally:
        _front(coordinator)
    assert not any("FROM shifts" in s or "FROM contacts" in s for s in tally.statements)
    _override(world)
    factories.contact(NEW_SUBJECT)  # in the ring's unassigned queue, not opened
    db.session.commit()
    page = _front(coordinator)
    assert "Org B" in _panel(page, "On duty today") and NEW_SUBJECT in page


def test_each_person_and_language_has_its_own_panels(app, world):
    anna, aino = _signed_in(app, world.ring.anna), _signed_in(app, world.ring.aino)
    link = f"/shifts/{world.shift.id}"
    assert link in _front(anna)
    assert link not in _front(aino)
    assert link in _front(anna)
    assert anna.post("/language", data={"language": "fi"}).status_code == 302
    page = _front(anna)
    assert "Seuraavat vuoroni" in page and "My next shifts" not in page


def test_answers_past_their_time_are_dropped_within_a_lifetime():
    """A worker holds what it kept lately, not every contact page it ever showed."""
    answers = hot.HotCache(60, None)
    now = datetime(2026, 3, 30, 9, 0, tzinfo=UTC)
    answers.answer("first", now, lambda: ("thread", now + timedelta(seconds=1)), hot.THREADS)
    answers.answer("second", now, lambda: ("thread", None), hot.THREADS)
    assert len(answers) == 2
    answers.answer("third", now + timedelta(seconds=30), lambda: ("thread", None), hot.THREADS)
    assert len(answers) == 3  # dropped at most once a lifetime
    answers.answer("fourth", now + timedelta(seconds=61), lambda: ("thread", None), hot.THREADS)
    assert len(answers) == 2  # the first and the second were past their time


def test_a_queue_page_asked_with_made_up_parameters_is_not_kept(app, world):
    """Made-up query parameters cannot crowd out the pages people use: such a page is written
    afresh (from the kept sections) and not kept itself."""
    client = _signed_in_as_anna(app, world)
    _warm_queue(client, app)
    kept = len(hot.cache(app))
    for n in range(5):
        assert client.get(f"/contacts?junk={n}").status_code == 200
    assert len(hot.cache(app)) == kept
