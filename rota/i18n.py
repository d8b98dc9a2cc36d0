"""Language and time zone: the person's profile, then the browser, then the ring's default."""

import functools
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import flask_babel
import pytz
from babel import Locale
from babel.dates import get_date_format, get_datetime_format, get_time_format, parse_pattern
from flask import current_app, g, has_request_context, request, session
from flask_babel import force_locale, get_locale
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


# --- dates and times in templates: Flask-Babel's output, with the patterns looked up once ---
# Flask-Babel's filters find the locale's pattern and parse it on every call; a page of a
# hundred rows makes hundreds of calls. These keep the parsed pattern per locale and format.
NAMED = ("short", "medium", "long", "full")
DEFAULT = "medium"  # Flask-Babel's default format for all three
NAMED_PATTERN = {"date": get_date_format, "time": get_time_format}
PART = {  # what Babel's format_date and format_time take of a datetime
    "date": lambda value: value.date() if isinstance(value, datetime) else value,
    "time": datetime.timetz,
    "datetime": lambda value: value,
}


@functools.cache
def _formatter(kind: str, format: str, language: str, territory: str | None):
    """A function that writes a local date, time or datetime as Babel's format_date,
    format_time or format_datetime do for the locale (language, territory)."""
    locale = Locale(language, territory)
    if kind == "datetime" and format in NAMED:  # Babel's date and time joined by its glue
        glue = get_datetime_format(format, locale=locale).replace("'", "")
        time = _formatter("time", format, language, territory)
        day = _formatter("date", format, language, territory)
        return lambda value: glue.replace("{0}", time(value)).replace("{1}", day(value))
    pattern = parse_pattern(NAMED_PATTERN[kind](format, locale) if format in NAMED else format)
    part = PART[kind]
    return lambda value: pattern.apply(part(value), locale)


@functools.cache
def _service_zone(name: str):
    """The pytz zone Flask-Babel's get_timezone() gives for select_timezone's `name` (the same
    object, zone names and all), without its lookups on every date of a page."""
    return pytz.timezone(name)


def _filter(kind: str, babel_format):
    """A Jinja filter like Flask-Babel's for `kind`: a datetime rebased to the service's zone
    (a naive one taken as UTC), then written in the request's locale. Anything else (no
    request, no rebasing, a time or a number) goes to Flask-Babel's own function."""
    accepted = date if kind == "date" else datetime

    def write(value, format: str | None = None, rebase: bool = True) -> str:
        locale = get_locale()
        if not rebase or locale is None or not isinstance(value, accepted):
            return babel_format(value, format, rebase)
        if not isinstance(value, datetime):  # a day: the rows of a rota share a few
            return _day(value, format or DEFAULT, locale.language, locale.territory)
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(
            _service_zone(select_timezone())
        )  # pytz's astimezone: already normal
        return _formatter(kind, format or DEFAULT, locale.language, locale.territory)(value)

    return write


@functools.lru_cache(maxsize=4096)
def _day(value: date, format: str, language: str, territory: str | None) -> str:
    """A day written in a locale: once each (a rota page writes each of its days many times)."""
    return _formatter("date", format, language, territory)(value)


class Catalogs(flask_babel.Domain):
    """Flask-Babel's message domain, finding the request's catalog once per request and
    language (a language forced for a mail finds its own), not once per message: a page
    translates hundreds, lazy strings included."""

    def get_translations(self):
        locale = get_locale()
        if locale is None:  # no request: Flask-Babel's answer
            return super().get_translations()
        found = g.get("message_catalog")
        if found is None or found[0] is not locale:
            found = g.message_catalog = (locale, super().get_translations())
        return found[1]


CATALOGS = Catalogs()


def init_app(app):
    """Bind Flask-Babel with the selectors above; catalogs live in rota/translations."""
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories="translations",
    )
    babel.domain_instance = CATALOGS  # the domain get_domain() answers, for lazy strings too
    app.jinja_env.install_gettext_callables(  # templates: straight to the request's catalog
        gettext=lambda message: CATALOGS.get_translations().ugettext(message),
        ngettext=lambda one, many, n: CATALOGS.get_translations().ungettext(one, many, n),
        pgettext=lambda context, message: CATALOGS.get_translations().upgettext(context, message),
        npgettext=lambda context, one, many, n: CATALOGS.get_translations().unpgettext(
            context, one, many, n
        ),
        newstyle=True,
    )
    app.jinja_env.filters.update(
        datetimeformat=_filter("datetime", flask_babel.format_datetime),
        dateformat=_filter("date", flask_babel.format_date),
        timeformat=_filter("time", flask_babel.format_time),
    )
