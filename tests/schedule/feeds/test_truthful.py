"""Feeds never lie: a shift that left a counsellor stays cancelled in their own feed, and the
validators cover every name the calendar shows and never go backwards."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from werkzeug.http import parse_date

from rota.extensions import db
from rota.members import people
from rota.members import service as members
from rota.schedule import service
from tests import factories
from tests.support.feed_data import HELSINKI, feed_secret


@pytest.fixture
def named(ring):
    """Org A's shift in three days with Aino Aalto named, and feed secrets of Aino and Org A."""
    day = datetime.now(HELSINKI).date() + timedelta(days=3)
    an_hour_ago = now() - timedelta(hours=1)
    shift = factories.shift(ring.org_a, day, counsellor=ring.aino, updated_at=an_hour_ago)
    factories.shift(
        ring.org_a, day + timedelta(days=1), counsellor=ring.anna, updated_at=an_hour_ago
    )
    for record in (ring.org_a, ring.org_b, ring.aino, ring.anna, ring.bert):
        record.updated_at = an_hour_ago  # Last-Modified has whole seconds: changes come later
    secrets = {"aino": feed_secret(user=ring.aino), "org": feed_secret(organisation=ring.org_a)}
    db.session.commit()
    return shift, secrets


def events(client, url) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return {e["UID"]: e for e in icalendar.Calendar.from_ical(response.data).walk("VEVENT")}


def now() -> datetime:
    return datetime.now(UTC)


def override(ring, shift, organisation, counsellor):
    service.override_shift(
        db.session,
        shift.id,
        ring.coordinator,
        organisation_id=organisation.id,
        counsellor_id=counsellor and counsellor.id,
        reason="Cover",
        now=now(),
        settings=factories.mail_settings(),
    )
    db.session.commit()


def test_the_person_feed_keeps_a_shift_that_left_them_as_cancelled(ring, named, client):
    shift, secrets = named
    url = f"/feeds/{secrets['aino']}/people/{ring.aino.id}.ics"
    [(uid, before)] = events(client, url).items()
    assert before["STATUS"] == "CONFIRMED"
    override(ring, shift, ring.org_b, ring.bert)
    after = events(client, url)[uid]
    assert after["STATUS"] == "CANCELLED" and after["SEQUENCE"] > before["SEQUENCE"]
    override(ring, shift, ring.org_b, None)
    later = events(client, url)[uid]
    assert later["STATUS"] == "CANCELLED" and later["SEQUENCE"] > after["SEQUENCE"]
    assert ring.anna.name not in client.get(url).get_data(as_text=True)


def test_a_counsellor_named_again_sees_the_shift_confirmed(ring, named, client):
    shift, secrets = named
    url = f"/feeds/{secrets['aino']}/people/{ring.aino.id}.ics"
    override(ring, shift, ring.org_a, ring.anna)
    override(ring, shift, ring.org_a, ring.aino)
    [event] = events(client, url).values()
    assert event["STATUS"] == "CONFIRMED"


@pytest.mark.parametrize("renamed", ["organisation", "counsellor"])
def test_a_rename_changes_the_etag_and_moves_last_modified(ring, named, client, renamed):
    _shift, secrets = named
    url = f"/feeds/{secrets['org']}/organisations/{ring.org_a.id}.ics"
    first = client.get(url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    if renamed == "organisation":
        members.save_organisation(
            db.session, ring.org_a, "FI", name="Org A renamed", short_name="A"
        )
    else:
        people.update_profile(
            db.session, ring.aino, name="Aino renamed", email=ring.aino.email, languages=["fi"]
        )
    db.session.commit()
    by_etag = client.get(url, headers={"If-None-Match": etag})
    assert by_etag.status_code == 200 and "renamed" in by_etag.get_data(as_text=True)
    by_date = client.get(url, headers={"If-Modified-Since": modified})
    assert by_date.status_code == 200


def test_last_modified_never_goes_backwards_when_a_shift_leaves_a_feed(ring, named, client):
    shift, secrets = named
    url = f"/feeds/{secrets['org']}/organisations/{ring.org_a.id}.ics"
    two_minutes_ago = now() - timedelta(minutes=2)
    service.name_counsellor(
        db.session, shift.id, ring.admin_a, counsellor_id=ring.anna.id, now=two_minutes_ago
    )
    db.session.commit()
    first = client.get(url)
    override(ring, shift, ring.org_b, None)
    second = client.get(url)
    assert parse_date(second.headers["Last-Modified"]) >= parse_date(first.headers["Last-Modified"])
    again = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert again.status_code == 200 and len(events(client, url)) == 1
