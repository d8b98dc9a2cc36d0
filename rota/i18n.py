"""Language and time zone: the person's profile, then the browser, then the ring's default."""

from collections.abc import Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, request, session
from flask_babel import force_locale, refresh
from flask_login import current_user

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


def service_date(now: datetime, config: Mapping | None = None) -> date:
    """The date in the service's time zone (TIMEZONE of `config`, else the app's) at `now`."""
    config = current_app.config if config is None else config
    return now.astimezone(ZoneInfo(config["TIMEZONE"])).date()


def recipient_locale(user) -> str:
    """The language to write to this person in: their profile's choice, else the ring's default."""
    locale = getattr(user, "locale", None)
    if locale in current_app.config["LANGUAGES"]:
        return locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def in_language_of(user):
    """Context manager: gettext and the date filters speak the recipient's language inside it."""
    return force_locale(recipient_locale(user))


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
