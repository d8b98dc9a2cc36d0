"""What subscribers' calendars get: times, UIDs, sequences, cancellations, names, language."""

from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest

from rota.extensions import db
from rota.schedule.models import ShiftStatus
from tests import factories
from tests.support.feed_data import HELSINKI, days_around_dst, feed_secret
from tests.support.icaljs import parse_with_icaljs


@pytest.fixture
def subscription(app, make):
    """Organisation A with a named counsellor, and a coordinator's feed secret."""
    org = make.org(name="Kriisikeskus Apu", short_name="APU")
    counsellor = make.counsellor(org, name="Åsa Öhman")
    secret = feed_secret(user=make.coordinator())
    db.session.commit()
    return org, counsellor, secret


def today() -> date:
    return datetime.now(HELSINKI).date()


def events_of(data: bytes) -> list:
    return icalendar.Calendar.from_ical(data).walk("VEVENT")


def fetch(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.data


def test_feeds_read_nine_local_either_side_of_dst_in_icaljs_and_icalendar(client, subscription):
    org, counsellor, secret = subscription
    winter, summer = days_around_dst(today())
    for day in winter + summer:
        factories.shift(org, day, counsellor=counsellor)
    db.session.commit()
    data = fetch(client, f"/feeds/{secret}/ring.ics")

    by_day = {e["start"]["local"][:10]: e for e in parse_with_icaljs(data)["events"]}
    for day in winter + summer:
        offset = 2 if day in winter else 3
        event = by_day[day.isoformat()]
        assert event["start"]["local"] == f"{day.isoformat()}T09:00:00"
        assert event["start"]["tzid"] == "Europe/Helsinki"
        assert event["start"]["utc"] == f"{day.isoformat()}T{9 - offset:02d}:00:00Z"
        assert event["end"]["local"] == f"{day.isoformat()}T12:00:00"

    starts = {e.decoded("DTSTART").date(): e.decoded("DTSTART") for e in events_of(data)}
    for day in winter + summer:
        assert starts[day].hour == 9
        assert starts[day].utcoffset() == timedelta(hours=2 if day in winter else 3)


def test_changed_shift_keeps_its_uid_with_a_higher_sequence(client, make, subscription):
    org, counsellor, secret = subscription
    shift = factories.shift(org, today() + timedelta(days=3), counsellor=counsellor)
    db.session.commit()
    [before] = events_of(fetch(client, f"/feeds/{secret}/ring.ics"))
    shift.counsellor = make.counsellor(org, name="Pekka Puhelin")
    shift.sequence += 1
    shift.updated_at = datetime.now(UTC) + timedelta(minutes=1)
    db.session.commit()
    [after] = events_of(fetch(client, f"/feeds/{secret}/ring.ics"))
    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after.decoded("LAST-MODIFIED") > before.decoded("LAST-MODIFIED")
    assert "Pekka Puhelin" in after["SUMMARY"] and "Åsa" not in after["SUMMARY"]


def test_cancelled_shift_stays_in_the_feed_as_cancelled(client, subscription):
    org, counsellor, secret = subscription
    factories.shift(org, today() + timedelta(days=2), counsellor=counsellor)
    factories.shift(org, today() + timedelta(days=4), status=ShiftStatus.CANCELLED, sequence=2)
    db.session.commit()
    events = {
        e["start"]["local"][:10]: e
        for e in parse_with_icaljs(fetch(client, f"/feeds/{secret}/ring.ics"))["events"]
    }
    cancelled = events[(today() + timedelta(days=4)).isoformat()]
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["sequence"] == 2
    assert events[(today() + timedelta(days=2)).isoformat()]["status"] == "CONFIRMED"
    assert {e["transp"] for e in events.values()} == {"TRANSPARENT"}


def test_public_feed_names_organisations_but_no_counsellors(client, subscription):
    org, counsellor, _secret = subscription
    factories.shift(org, today() + timedelta(days=1), counsellor=counsellor)
    db.session.commit()
    data = fetch(client, "/feeds/public/ring.ics?lang=en")
    assert "Kriisikeskus Apu" in data.decode()
    assert "Åsa" not in data.decode() and "Counsellor" not in data.decode()
    assert b"Kriisikeskus Apu" in fetch(client, f"/feeds/{_secret}/ring.ics")


def test_event_text_has_channel_organisation_counsellor_and_ring_contacts(
    app, client, subscription
):
    org, counsellor, secret = subscription
    factories.shift(org, today() + timedelta(days=1), channel="chat", counsellor=counsellor)
    db.session.commit()
    [event] = events_of(fetch(client, f"/feeds/{secret}/ring.ics?lang=en"))
    assert str(event["SUMMARY"]) == "Chat duty: Kriisikeskus Apu (Åsa Öhman)"
    description = str(event["DESCRIPTION"])
    for text in ("Channel: chat", "Organisation: Kriisikeskus Apu", "Counsellor: Åsa Öhman"):
        assert text in description
    assert app.config["RING_PHONE"] in description and app.config["RING_EMAIL"] in description


def test_feed_speaks_the_token_owners_language_unless_lang_is_given(client, make, subscription):
    org, counsellor, _secret = subscription
    counsellor.locale = "sv"
    factories.shift(org, today() + timedelta(days=1), counsellor=counsellor, language="fi")
    secret = feed_secret(user=counsellor)
    db.session.commit()
    own = f"/feeds/{secret}/people/{counsellor.id}.ics"
    assert "finska" in str(events_of(fetch(client, own))[0]["DESCRIPTION"])
    english = fetch(client, f"{own}?lang=en")
    assert "Finnish" in str(events_of(english)[0]["DESCRIPTION"])


def test_calendar_names_itself_and_asks_for_hourly_refresh(client, subscription):
    org, counsellor, secret = subscription
    calendar = icalendar.Calendar.from_ical(
        fetch(client, f"/feeds/{secret}/organisations/{org.id}.ics")
    )
    assert str(calendar["X-WR-CALNAME"]).endswith("Kriisikeskus Apu")
    assert str(calendar["NAME"]) == str(calendar["X-WR-CALNAME"])
    assert str(calendar["X-PUBLISHED-TTL"]) == "PT60M"
    assert calendar.decoded("REFRESH-INTERVAL") == timedelta(hours=1)


def test_alarm_parameter_adds_a_reminder_before_each_shift(client, subscription):
    org, counsellor, secret = subscription
    factories.shift(org, today() + timedelta(days=1), counsellor=counsellor)
    db.session.commit()
    [plain] = parse_with_icaljs(fetch(client, f"/feeds/{secret}/ring.ics"))["events"]
    [reminded] = parse_with_icaljs(fetch(client, f"/feeds/{secret}/ring.ics?alarm=15"))["events"]
    assert plain["alarms"] == [] and reminded["alarms"] == ["-PT15M"]


def test_window_reaches_thirty_days_back_and_to_the_end_of_the_rota(client, subscription):
    org, counsellor, secret = subscription
    for days in (-40, -29, 200):
        factories.shift(org, today() + timedelta(days=days), counsellor=counsellor)
    db.session.commit()
    days = {
        e.decoded("DTSTART").date() for e in events_of(fetch(client, f"/feeds/{secret}/ring.ics"))
    }
    assert days == {today() + timedelta(days=-29), today() + timedelta(days=200)}


def test_person_and_organisation_feeds_hold_only_their_shifts(client, make, subscription):
    org, counsellor, secret = subscription
    other_org = make.org(name="Toinen", short_name="TOI")
    factories.shift(org, today() + timedelta(days=1), counsellor=counsellor)
    factories.shift(org, today() + timedelta(days=2))
    factories.shift(other_org, today() + timedelta(days=3))
    db.session.commit()
    person = events_of(fetch(client, f"/feeds/{secret}/people/{counsellor.id}.ics"))
    organisation = events_of(fetch(client, f"/feeds/{secret}/organisations/{org.id}.ics"))
    assert len(person) == 1 and len(organisation) == 2
    assert len(events_of(fetch(client, f"/feeds/{secret}/ring.ics"))) == 3
