"""Configuration: defaults here, then instance/config.py, then ROTA_* environment variables."""

import os
from urllib.parse import urlsplit

DEFAULTS = {
    "SECRET_KEY": None,
    "BASE_URL": None,  # where people open rota, e.g. https://rota.example.fi: every absolute link
    "TRUSTED_HOSTS": None,  # host names answered; None: BASE_URL's host only
    "PROXY_FIX": 0,  # proxies in front whose X-Forwarded-For/-Proto/-Host/-Prefix are believed
    "WTF_CSRF_TIME_LIMIT": None,  # a form's CSRF token lives as long as the sign-in session
    "WTF_CSRF_SSL_STRICT": False,  # no Referer is sent (no-referrer): see rota/auth/headers.py
    "WTF_CSRF_CHECK_DEFAULT": False,  # checked by rota/auth/headers.py, for writes only
    "DATABASE_URL": None,
    # hide_parameters: an SQL error's message never carries values (client data) into a log
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    # test each pooled connection with a round trip before use: off, as it doubles the round
    # trips of a short request; after a database restart one request per worker then fails
    # (and empties the pool) unless this is on. See README "Configuration".
    "DATABASE_PRE_PING": False,
    # seconds a worker keeps a hot answer (on duty now, a token's check, a feed's validators) at
    # most; changes empty it sooner: see rota/hot.py and README "Configuration". 0: keep none
    "HOT_CACHE_SECONDS": 5,
    "RING_NAME": "Ohjausrengas",
    "RING_EMAIL": "ohjaus@example.fi",
    "RING_PHONE": "+358401234567",
    "TIMEZONE": "Europe/Helsinki",
    "PHONE_REGION": "FI",
    "LANGUAGES": ["fi", "sv", "en"],
    "BABEL_DEFAULT_LOCALE": "fi",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Helsinki",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": True,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_SECURE": True,
    # ASVS 4 level 2 (V3.3.2): sign in again after 30 minutes idle and after 12 hours at most
    "SESSION_IDLE_TIMEOUT": 30 * 60,  # seconds without a request (or typing) before it ends
    "SESSION_LIFETIME": 12 * 3600,  # seconds after which a sign-in ends, however busy
    "REMEMBER_IDLE_TIMEOUT": 30 * 60,  # the same for "keep me signed in" (survives a restart)
    "REMEMBER_COOKIE_DURATION": 12 * 3600,
    "PASSWORD_RESET_MAX_AGE": 3600,
    "SIGN_IN_WINDOW": 15 * 60,  # seconds in which sign-in attempts are counted
    "SIGN_IN_MAX_PER_ACCOUNT": 10,  # attempts on one address in the window
    "SIGN_IN_MAX_PER_CLIENT": 50,  # failed attempts from one client address in the window
    "RESET_MAIL_WINDOW": 3600,
    "RESET_MAIL_MAX_PER_ADDRESS": 3,  # reset mails to one address in the window
    "RESET_MAIL_MAX_PER_CLIENT": 20,  # reset requests from one client address in the window
    "MAX_CONTENT_LENGTH": 1024 * 1024,  # bytes of a request body (forms, webhooks): else 413
    "MAIL_SERVER": "localhost",
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_DEFAULT_SENDER": None,
    "MAIL_TIMEOUT": 10,
    "OUTBOX_MAX_ATTEMPTS": 12,
    "OUTBOX_CLAIM_SECONDS": 30,  # a sender that stops renewing its claims this long has died
    "JOB_LEASE_SECONDS": 30,  # the same for a scheduler process holding a job's lease
    "SHIFT_HOURS": 3.0,  # commitments counted in shifts count this many hours per shift
    "ROTA_HORIZON_WEEKS": 12,  # how far ahead `generate` extends the rota
    "EXCESS_DEMAND": "uncovered",  # service hours beyond the commitments: uncovered | spread
    "COVERAGE_DAYS": 14,  # shifts without a counsellor this many days ahead are warned about
    "SWAP_NEEDS_APPROVAL": False,  # an agreed swap request waits for the coordinator's approval
    "MEMORANDUM_GRACE_DAYS": 30,  # a new version's effective day + this: earlier signatures end
    "MEMORANDUM_REMINDER_DAYS": 30,  # admins are reminded this many days before a signature ends
    "SIGNED_COPY_MAX_BYTES": 960 * 1024,  # a signature's signed PDF (within MAX_CONTENT_LENGTH)
    "IMAP_HOST": "",  # empty: the shared mailbox is not polled
    "IMAP_PORT": 993,
    "IMAP_SECURITY": "ssl",  # ssl | starttls | none
    "IMAP_USER": "",
    "IMAP_PASSWORD": "",
    "IMAP_FOLDER": "INBOX",
    "IMAP_AFTER": "flag",  # after ingest: leave | flag (\Flagged) | move (to IMAP_MOVE_TO)
    "IMAP_MOVE_TO": "Processed",
    "IMAP_TIMEOUT": 60,
    "IMAP_BATCH": 200,
    "IMAP_ALERT_AFTER": 5,  # consecutive failed polls before the coordinator gets one e-mail
    "MAIL_MAX_BYTES": 25 * 1024 * 1024,
    "MAIL_OWN_ADDRESSES": [],  # other addresses of ours that deliver to the shared mailbox
    "ACK_TEXT": {},  # {"fi": "…"}: overrides the acknowledgement; {reference}, {hours} filled in
    # Privacy (rota.privacy): how long each class of personal data is kept, the notice clients read
    "RETENTION_CONTACT_MONTHS": 24,  # message texts, attachments, names: months after closing
    "RETENTION_RAW_MAIL_DAYS": 90,  # the raw bytes of fetched mail: days after ingest
    "RETENTION_CALL_EVENT_DAYS": 30,  # telephony event payloads: days after they came
    "RETENTION_OUTBOX_DAYS": 30,  # outgoing mail's copy in the outbox: days after sending
    "RETENTION_READ_LOG_MONTHS": 24,  # who opened which contact: months
    "PRIVACY_NOTICE": {},  # {"fi": "…"}: the ring's own notice at /privacy, else the built-in one
    "PUBLIC_FEED": True,  # /feeds/public/ring.ics: the ring's rota without personal data
    "FEED_REFRESH_MINUTES": 60,  # REFRESH-INTERVAL / X-PUBLISHED-TTL of the calendar feeds
    "REPORT_SERVICE_TIME": True,  # response times in the reports count service hours only
    "REPORT_FIGURES_BATCH": 20_000,  # contacts whose stored report figures one transaction works out
    "FEEDBACK_MAIL": False,  # after a contact is closed, ask its client for a rating (one mail)
    "FEEDBACK_DAYS": 14,  # how long the feedback link works
    "REPORT_MONTHLY_MAIL": False,  # on the 1st: last month's ring summary and statements by mail
    # Operations (rota.ops): logs, metrics, readiness
    "LOG_FORMAT": "text",  # text | json, for gunicorn and the scheduler
    "LOG_LEVEL": "INFO",
    "METRICS_TOKEN": "",  # empty: /metrics answers 404; else Prometheus sends it as a bearer token
    "READY_SCHEDULER_SECONDS": 180,  # /readyz: a job lease taken or renewed this recently
    "READY_MAIL_SECONDS": 600,  # /readyz: the shared mailbox read this recently (when configured)
    "READY_OUTBOX_SECONDS": 900,  # /readyz: no mail due to go out for longer than this
}


def load_config(app, overrides=None):
    """Fill app.config: defaults → instance/config.py → ROTA_* environment → overrides."""
    app.config.update(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("ROTA")
    if overrides:
        app.config.update(overrides)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = "sqlite:///" + os.path.join(app.instance_path, "rota.sqlite3")
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config["MAX_FORM_MEMORY_SIZE"] = app.config["MAX_CONTENT_LENGTH"]  # one limit to state
    # no client data in logs: a failed statement's exception never shows its values
    options = {
        "pool_pre_ping": app.config["DATABASE_PRE_PING"],
        **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
    }
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, "hide_parameters": True}
    if not app.config["MAIL_DEFAULT_SENDER"]:
        app.config["MAIL_DEFAULT_SENDER"] = (app.config["RING_NAME"], app.config["RING_EMAIL"])
    _check_base_url(app.config)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError(
            "SECRET_KEY is not set: put SECRET_KEY = '...' in instance/config.py "
            "or set ROTA_SECRET_KEY (scripts/dev writes one for development)."
        )


DEVELOPMENT_BASE_URL = "http://localhost:5000"


def _check_base_url(config):
    """BASE_URL is an http(s) address (required outside development and tests); by default the
    app answers only to its host name."""
    if not config.get("BASE_URL"):
        if not (config.get("DEBUG") or config.get("TESTING")):
            raise RuntimeError(
                "BASE_URL is not set: put BASE_URL = 'https://rota.example.fi' (the address "
                "people open rota at) in instance/config.py or set ROTA_BASE_URL; every link in "
                "mail and calendar feeds is built from it."
            )
        config["BASE_URL"] = DEVELOPMENT_BASE_URL
    parts = urlsplit(config["BASE_URL"])
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise RuntimeError(
            f"BASE_URL {config['BASE_URL']!r} is not an address like https://rota.example.fi."
        )
    config["BASE_URL"] = config["BASE_URL"].rstrip("/")
    if config.get("TRUSTED_HOSTS") is None:
        config["TRUSTED_HOSTS"] = [parts.hostname]
