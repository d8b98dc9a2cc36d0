"""Language and time zone: the person's profile, then the browser, then the ring's default."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, request, session
from flask_babel import force_locale, refresh
from flask_login import current_user

from rota.db import utcnow
from rota.extensions import babel

# The formats a language writes dates and numbers in: English as in the UK (3 March 2026, 15:30),
# not the US; the catalog stays the language's own (gettext falls back from en_GB to en).
BABEL_LOCALES = {"en": "en_GB"}


def formats_of(language: str) -> str:
    """The Babel locale whose date and number formats a language uses."""
    return BABEL_LOCALES.get(language, language)


def writing_in(language: str):
    """Write mail (outside its reader's request) in `language` with that language's formats:
    English dates as in the UK, as the pages write them (a context manager)."""
    return force_locale(formats_of(language))


def select_locale() -> str:
    """The interface language: profile, then the switch, then Accept-Language, then default."""
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():  # scheduled jobs and commands: mail chooses with force_locale
        return formats_of(default)
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return formats_of(current_user.locale)
    if session.get("locale") in languages:
        return formats_of(session["locale"])
    return formats_of(request.accept_languages.best_match(languages) or default)


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
