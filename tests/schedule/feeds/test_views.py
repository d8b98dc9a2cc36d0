"""Feeds over HTTP: validators and 304s, who may read which feed, downloads, Subscribe pages."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.http import http_date

from rota.auth import tokens
from rota.auth.models import ApiToken
from rota.extensions import db
from rota.schedule.models import Shift
from tests import factories
from tests.support.feed_data import HELSINKI, feed_secret


@pytest.fixture
def two_orgs(app, make):
    """Organisations A and B, each with an admin and a counsellor who has a shift."""
    world = {}
    for key in ("a", "b"):
        org = make.org(name=f"Org {key.upper()}", short_name=key.upper())
        counsellor = make.counsellor(org, name=f"Counsellor {key.upper()}")
        world[key] = (org, make.org_admin(org), counsellor)
        factories.shift(
            org,
            datetime.now(HELSINKI).date() + timedelta(days=2),
            counsellor=counsellor,
            channel="phone" if key == "a" else "chat",
        )
    db.session.commit()
    return world


def feed_urls(secret, org, person):
    return {
        "ring": f"/feeds/{secret}/ring.ics",
        "org": f"/feeds/{secret}/organisations/{org.id}.ics",
        "person": f"/feeds/{secret}/people/{person.id}.ics",
    }


@pytest.fixture
def org_a_secret(two_orgs):
    """Organisation A and a feed secret it owns."""
    org = two_orgs["a"][0]
    secret = feed_secret(organisation=org)
    db.session.commit()
    return org, secret


def statuses(client, secret, org, person):
    return {
        name: client.get(url).status_code for name, url in feed_urls(secret, org, person).items()
    }


def test_unchanged_feed_answers_304_to_either_validator(client, org_a_secret):
    org, secret = org_a_secret
    url = f"/feeds/{secret}/organisations/{org.id}.ics"
    first = client.get(url)
    assert first.status_code == 200 and first.mimetype == "text/calendar"
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    by_etag = client.get(url, headers={"If-None-Match": etag})
    by_date = client.get(url, headers={"If-Modified-Since": modified})
    assert (by_etag.status_code, by_etag.data) == (304, b"")
    assert (by_date.status_code, by_date.data) == (304, b"")
    assert by_etag.headers["ETag"] == etag and by_date.headers["ETag"] == etag


def test_changed_shift_changes_both_validators(client, org_a_secret):
    org, secret = org_a_secret
    url = f"/feeds/{secret}/organisations/{org.id}.ics"
    first = client.get(url)
    shift = db.session.scalars(db.select(Shift)).first()
    shift.sequence += 1
    shift.updated_at = datetime.now(UTC) + timedelta(minutes=5)
    db.session.commit()
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200
    again = client.get(url, headers={"If-Modified-Since": modified})
    assert again.status_code == 200 and again.headers["ETag"] != etag


def test_if_none_match_wins_over_if_modified_since(client, org_a_secret):
    org, secret = org_a_secret
    url = f"/feeds/{secret}/organisations/{org.id}.ics"
    future = http_date(datetime.now(UTC) + timedelta(days=1))
    response = client.get(url, headers={"If-None-Match": '"other"', "If-Modified-Since": future})
    assert response.status_code == 200


def test_each_language_and_reminder_is_its_own_etag(client, org_a_secret):
    org, secret = org_a_secret
    url = f"/feeds/{secret}/organisations/{org.id}.ics"
    etags = {client.get(url + query).headers["ETag"] for query in ("", "?lang=sv", "?alarm=10")}
    assert len(etags) == 3


def test_revoked_or_unknown_token_gets_404(client, two_orgs):
    org, admin, counsellor = two_orgs["a"]
    secret = feed_secret(user=counsellor)
    db.session.commit()
    assert client.get(f"/feeds/{secret}/people/{counsellor.id}.ics").status_code == 200
    token = db.session.scalar(db.select(ApiToken).filter_by(user_id=counsellor.id))
    tokens.revoke(db.session, counsellor, token.id, datetime.now(UTC))
    db.session.commit()
    assert statuses(client, secret, org, counsellor) == {"ring": 404, "org": 404, "person": 404}
    assert client.get("/feeds/rota_unknown/ring.ics").status_code == 404


def test_token_without_feeds_scope_gets_404(client, two_orgs):
    org, _admin, counsellor = two_orgs["a"]
    secret = feed_secret(scopes=["shifts:read"], user=counsellor)
    db.session.commit()
    assert statuses(client, secret, org, counsellor) == {"ring": 404, "org": 404, "person": 404}


def test_organisation_token_reads_its_own_feeds_but_not_another_organisations(client, two_orgs):
    (org_a, _admin, person_a), (org_b, _admin_b, person_b) = two_orgs["a"], two_orgs["b"]
    secret = feed_secret(organisation=org_a)
    db.session.commit()
    assert statuses(client, secret, org_a, person_a) == {"ring": 404, "org": 200, "person": 200}
    assert statuses(client, secret, org_b, person_b) == {"ring": 404, "org": 404, "person": 404}


def test_counsellor_token_reads_only_their_own_feed(client, make, two_orgs):
    org_a, _admin, person_a = two_orgs["a"]
    colleague = make.counsellor(org_a)
    secret = feed_secret(user=person_a)
    db.session.commit()
    assert statuses(client, secret, org_a, person_a) == {"ring": 404, "org": 404, "person": 200}
    assert client.get(f"/feeds/{secret}/people/{colleague.id}.ics").status_code == 404


def test_admin_token_reads_own_people_and_coordinator_token_reads_everything(
    client, make, two_orgs
):
    (org_a, admin_a, person_a), (org_b, _admin_b, person_b) = two_orgs["a"], two_orgs["b"]
    admin_secret = feed_secret(user=admin_a)
    coordinator_secret = feed_secret(user=make.coordinator())
    db.session.commit()
    assert statuses(client, admin_secret, org_a, person_a) == {
        "ring": 404,
        "org": 200,
        "person": 200,
    }
    assert statuses(client, admin_secret, org_b, person_b)["person"] == 404
    assert set(statuses(client, coordinator_secret, org_b, person_b).values()) == {200}


def test_token_of_a_deactivated_person_stops_working(client, two_orgs):
    _org, _admin, counsellor = two_orgs["a"]
    secret = feed_secret(user=counsellor)
    db.session.commit()
    url = f"/feeds/{secret}/people/{counsellor.id}.ics"
    assert client.get(url).status_code == 200
    counsellor.active = False
    db.session.commit()
    assert client.get(url).status_code == 404


def test_public_feed_is_off_when_configured(app, client):
    app.config["PUBLIC_FEED"] = False
    assert client.get("/feeds/public/ring.ics").status_code == 404
    app.config["PUBLIC_FEED"] = True
    assert client.get("/feeds/public/ring.ics").status_code == 200


@pytest.mark.parametrize(
    ("query", "message"),
    [("lang=de", "lang=fi|sv|en"), ("alarm=soon", "alarm=minutes"), ("alarm=99999", "alarm=")],
)
def test_bad_feed_options_answer_400_saying_what_to_give(client, query, message):
    response = client.get(f"/feeds/public/ring.ics?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_signed_in_person_downloads_one_shift_as_ics(client, login, two_orgs):
    org, admin, counsellor = two_orgs["b"]
    login(two_orgs["a"][2])
    shift_id = db.session.scalar(db.select(Shift.id).filter_by(organisation_id=org.id))
    response = client.get(f"/shifts/{shift_id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"].startswith("attachment")
    text = response.get_data(as_text=True)
    assert "Counsellor B" in text and text.count("BEGIN:VEVENT") == 1
    assert client.get("/shifts/999999.ics").status_code == 404


def test_subscribe_page_creates_a_link_that_works_and_shows_it_once(client, login, two_orgs):
    _org, _admin, counsellor = two_orgs["a"]
    login(counsellor)
    page = client.get("/subscribe").get_data(as_text=True)
    assert "Create a subscription link" in page and "Thunderbird" in page
    created = client.post("/subscribe").get_data(as_text=True)
    urls = re.findall(r'value="(http://rota\.test/feeds/rota_[^"]+)"', created)
    assert len(urls) == 1 and 'href="webcal://rota.test/feeds/' in created and "<svg" in created
    assert urls[0].endswith(f"/people/{counsellor.id}.ics"), "a counsellor's own feed only"
    for url in urls:
        assert client.get(url.removeprefix("http://rota.test")).status_code == 200
    stored = db.session.scalars(db.select(ApiToken).filter_by(user_id=counsellor.id)).all()
    assert [token.scope_list for token in stored] == [["feeds:read"]]
    assert "/feeds/rota_" not in client.get("/subscribe").get_data(as_text=True)


def test_organisation_admin_makes_an_organisation_link_but_not_for_another(client, login, two_orgs):
    (org_a, admin_a, _person), (org_b, _admin_b, _person_b) = two_orgs["a"], two_orgs["b"]
    login(admin_a)
    created = client.post(f"/organisations/{org_a.id}/subscribe").get_data(as_text=True)
    assert f"/organisations/{org_a.id}.ics" in created
    token = db.session.scalar(db.select(ApiToken).filter_by(organisation_id=org_a.id))
    assert token.user_id is None and token.created_by_id == admin_a.id
    assert client.post(f"/organisations/{org_b.id}/subscribe").status_code == 404
    assert db.session.scalar(db.select(ApiToken).filter_by(organisation_id=org_b.id)) is None
