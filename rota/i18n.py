"""Language and time zone: the person's profile, then the browser, then the ring's default."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, request, session
from flask_babel import refresh
from flask_login import current_user

from rota.db import utcnow
from rota.extensions import babel


def select_locale() -> str:
    """The interface language: profile, then the switch, then Accept-Language, then default."""
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():  # scheduled jobs and commands: mail chooses with force_locale
        return default
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return request.accept_languages.best_match(languages) or default


def select_timezone() -> str:
    """Every page shows the service's local time."""
    return current_app.config["TIMEZONE"]


def service_date(now: datetime, zone: str) -> date:
    """The date in the service's time zone `zone` (the TIMEZONE setting) at `now`."""
    return now.astimezone(ZoneInfo(zone)).date()


def service_today() -> date:
    """Today in the running app's service time zone (for views and commands)."""
    return service_date(utcnow(), current_app.config["TIMEZONE"])


def init_app(app):
    """Bind Flask-Babel with the selectors above; catalogs live in rota/translations."""
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories="translations",
    )
    # Flask-Babel caches the locale on `g`; a request inside a longer-lived app context
    # (a test client, a command) must still choose its own language.
    app.before_request(refresh)
