"""A real Chromium (Debian's, through Playwright) against the real app served on a loopback port.

One browser and one live server per session: the app runs in a thread, over HTTPS (a throw-away
certificate that Chromium trusts by its key, secure cookies as in production), on a SQLite file with the demo ring loaded, the
rota generated as the nightly job does, CSRF protection on, and its mail going to a real SMTP
server (aiosmtpd) the tests can read. Each test gets a fresh browser context (its own cookies)
and signs in as it needs.
"""

import os
import ssl
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from rota import create_app
from rota.db import utcnow
from rota.demo import load_demo
from rota.extensions import db
from rota.schedule.planning import generation
from tests.browser.helpers import AXE, demo_objects
from tests.support.certificates import self_signed_certificate, spki_pin
from tests.support.smtp import SmtpSink

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _require(condition: bool, reason: str):
    """Skip where the browser cannot be installed; on CI a missing piece is a failure."""
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: browser tests must run)", pytrace=False)
    pytest.skip(reason)


class LiveServer:
    """The app served by werkzeug over HTTPS in a thread; `app` is for looking at stored rows."""

    def __init__(self, app, objects, certificate, mail):
        self.app, self.objects, self.mail = app, objects, mail
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(*certificate)
        self.server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=tls)
        self.url = f"https://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def mail_server():
    """A real SMTP server (aiosmtpd) on loopback: the live app's mail arrives here."""
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory):
    """The live server's throw-away certificate and key."""
    return self_signed_certificate(tmp_path_factory.mktemp("certificate"))


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, mail_server, certificate):
    """The real app with the demo ring and its rota on a SQLite file, served over HTTPS."""
    folder = tmp_path_factory.mktemp("live")
    app = create_app(
        {
            "SECRET_KEY": "browser-tests",
            "BASE_URL": "https://127.0.0.1",  # and the port, once the server has one (below)
            "DATABASE_URL": f"sqlite:///{folder / 'rota.sqlite3'}",
            "WTF_CSRF_ENABLED": True,
            "MAIL_SERVER": mail_server.host,
            "MAIL_PORT": mail_server.port,
            "MAIL_TIMEOUT": 5,
            "SEND_FILE_MAX_AGE_DEFAULT": 3600,  # a page load fetches no unchanged CSS/JS again
        }
    )
    with app.app_context():
        db.create_all()
        load_demo(db.session)
        objects = demo_objects(db.session)
        generation.generate(
            db.session, None, utcnow(), settings=generation.RotaSettings.from_config(app.config)
        )
        db.session.commit()
        db.session.remove()
    with LiveServer(app, objects, certificate, mail_server) as server:
        app.config["BASE_URL"] = server.url
        yield server
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser(certificate):
    """One headless Debian Chromium for the whole session, trusting the live server's
    certificate as a real one (by its key)."""
    _require(Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: scripts/system-deps installs it")
    _require(AXE.exists(), f"{AXE} is missing: npm ci --prefix tests/js installs axe-core")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                *CHROMIUM_ARGS,
                f"--ignore-certificate-errors-spki-list={spki_pin(certificate[0])}",
            ],
            headless=True,
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in fresh browser contexts: new_page(locale="fi-FI", width=1280, **options)."""
    contexts = []

    def open_page(locale="fi-FI", width=1280, height=900, **options):
        context = browser.new_context(
            base_url=live_server.url,
            locale=locale,
            viewport={"width": width, "height": height},
            ignore_https_errors=True,  # the live server's certificate is self-signed
            **options,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A page in a fresh context with a Finnish browser, desktop size."""
    return new_page()
