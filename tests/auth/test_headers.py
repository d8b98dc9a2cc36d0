"""Security headers on every response, and pages that need no inline script or style."""

import re

import pytest

from rota.auth import tokens
from rota.extensions import db
from tests.auth.test_permissions import ROUTES, world  # noqa: F401 (the fixture)
from tests.factories import PASSWORD

SAMPLES = [
    "/login",
    "/",
    "/contacts/{contact_a}",
    "/organisations",
    "/nowhere",
    "/static/rota.css",
    "/api/v1/openapi.json",
    "/api/v1/shifts",
    "/feeds/{feed_secret_a}/organisations/{org_a}.ics",
    "/feeds/public/ring.ics",
]
INLINE = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=|javascript:", re.I)


def _csp(response) -> dict:
    policy = response.headers.get("Content-Security-Policy", "")
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("url", SAMPLES)
def test_every_response_carries_the_security_headers(world, client, login, url):  # noqa: F811
    people, objects = world
    login(people["coordinator"])
    with client.get(url.format(**objects)) as response:
        csp = _csp(response)
        assert csp["frame-ancestors"] == ["'none'"], response.headers
        assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
        assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_pages_with_client_data_are_never_stored(world, client, login):  # noqa: F811
    people, objects = world
    login(people["coordinator"])
    for url in ("/contacts", f"/contacts/{objects['contact_a']}", "/", "/calls/new"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    _token, secret = tokens.create_token(db.session, name="Audit", scopes=["contacts:read"])
    db.session.commit()
    api = client.get("/api/v1/contacts", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200 and api.headers["Cache-Control"] == "no-store"


def test_static_files_and_feeds_keep_their_own_caching(world, client):  # noqa: F811
    _people, objects = world
    with client.get("/static/rota.css") as static:
        assert "no-store" not in static.headers["Cache-Control"]
    feed = client.get(f"/feeds/{objects['feed_secret_a']}/organisations/{objects['org_a']}.ics")
    assert feed.headers["Cache-Control"] == "no-cache, private"


@pytest.mark.parametrize("secure", [True, False])
def test_hsts_is_sent_exactly_when_cookies_are_secure(another_app, secure):
    response = (
        another_app(SESSION_COOKIE_SECURE=secure)
        .test_client()
        .get("/login", base_url="https://rota.test")
    )
    hsts = response.headers.get("Strict-Transport-Security")
    if secure:
        assert hsts == "max-age=31536000; includeSubDomains"
    else:
        assert hsts is None


def test_no_page_has_inline_script_style_or_event_handlers(world, client, login):  # noqa: F811
    people, objects = world
    login(people["coordinator"])
    found = []
    for method, template, statuses in ROUTES:
        url = template.format(**objects)
        if method != "GET" or statuses["coordinator"] != 200:
            continue
        response = client.get(url)
        if response.mimetype != "text/html":  # feeds, exports, downloads: no page to run script
            continue
        found += [
            f"{url}: {m.group(0)!r}" for m in INLINE.finditer(response.get_data(as_text=True))
        ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_a_form_post_another_site_made_the_browser_send_is_refused(app, client, make, site):
    user = make.counsellor()
    data = {"email": user.email, "password": PASSWORD}
    assert client.post("/login", data=data, headers={"Sec-Fetch-Site": site}).status_code == 403
    assert client.get("/").status_code == 302, "not signed in"


@pytest.mark.parametrize("site", ["same-origin", "none", None])
def test_own_pages_and_machines_may_post(app, client, make, site):
    user = make.counsellor()
    headers = {"Sec-Fetch-Site": site} if site else {}
    data = {"email": user.email, "password": PASSWORD}
    assert client.post("/login", data=data, headers=headers).status_code == 302
