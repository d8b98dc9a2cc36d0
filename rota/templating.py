"""What every template can use: navigation by role, labels, phone formatting, kept rows."""

import functools
import secrets

import phonenumbers
from babel.units import format_unit
from flask import current_app, render_template, request, url_for
from flask_babel import format_decimal, get_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from rota.auth import policy
from rota.inputs import DB_INTEGER_MAX
from rota.members.models import CommitmentUnit, Role
from rota.schedule.models import Channel

C, A, S = Role.COORDINATOR, Role.ORG_ADMIN, Role.COUNSELLOR

# the navigation by task, the role's own work first: (group, [(endpoint, label)]) per role
FRONT_PAGE = ("main.home", _l("Front page"))
ROTA = ("schedule.week", _l("Rota"))
ABSENCES = ("schedule.absence_list", _l("Absences"))
SWAPS = ("schedule.swap_list", _l("Swap requests"))
SUBSCRIPTION = ("feeds.subscribe", _l("Calendar subscription"))
ORGANISATIONS = ("members.organisations", _l("Member organisations"))
MEMORANDA = ("members.agreements", _l("Memoranda"))
IN_FORCE = ("members.members_on_day", _l("Members in force"))
GAPS = ("schedule.gaps", _l("Coverage gaps"))
FAIRNESS = ("planning.fairness", _l("Fairness"))
REPORTS = ("reports.summary", _l("Reports"))
TOKENS = ("auth.token_list", _l("API tokens"))
NAVIGATION = {
    S: [
        (
            _l("My work"),
            [
                FRONT_PAGE,
                ("contacts.index", _l("My queue")),
                ("schedule.mine", _l("My shifts")),
                ABSENCES,
                SWAPS,
            ],
        ),
        (_l("The ring"), [ROTA, ORGANISATIONS]),
        (_l("Settings"), [SUBSCRIPTION, TOKENS]),
    ],
    A: [
        (
            _l("Our organisation"),
            [
                FRONT_PAGE,
                ("schedule.own", _l("Our shifts")),
                ("people.index", _l("Our people")),
                GAPS,
                ABSENCES,
                SWAPS,
                ("contacts.index", _l("Contacts")),
            ],
        ),
        (_l("The ring"), [ROTA, ORGANISATIONS, MEMORANDA, IN_FORCE, REPORTS, FAIRNESS]),
        (_l("Settings"), [SUBSCRIPTION, TOKENS]),
    ],
    C: [
        (_l("Today"), [FRONT_PAGE, ("contacts.index", _l("Contacts")), GAPS]),
        (
            _l("Rota"),
            [ROTA, ("planning.planning", _l("Rota planning")), ABSENCES, SWAPS, SUBSCRIPTION],
        ),
        (_l("Members"), [ORGANISATIONS, MEMORANDA, IN_FORCE, ("people.index", _l("People"))]),
        (_l("Mail"), [("mail.problems", _l("Shared mailbox"))]),
        (_l("Reports"), [REPORTS, FAIRNESS, ("reports.lists", _l("Lists for contact facts"))]),
        (
            _l("Settings"),
            [
                ("rota_admin.patterns", _l("Service hours")),
                ("rota_admin.closure_list", _l("Closures")),
                ("privacy.admin", _l("Privacy")),
                TOKENS,
            ],
        ),
    ],
}

ROLE_LABELS = {C: _l("coordinator"), A: _l("organisation admin"), S: _l("counsellor")}


def nav_items(role: str):
    """The navigation groups of a role: (group, [(endpoint, label)])."""
    groups = NAVIGATION.get(role, [])
    if policy.uses_api_tokens(role):
        return groups
    shown = [(group, [item for item in items if item != TOKENS]) for group, items in groups]
    return [(group, items) for group, items in shown if items]


def id_links(endpoint: str, key: str, **values):
    """A function giving url_for(endpoint, **{key: id}) for any id at the cost of one url_for:
    a list of a hundred rows links each row without building a hundred URLs (the rule is the
    same for every row; only the number changes). `values`: the endpoint's other arguments,
    the same for every row (a contact's id for the links to its parts)."""
    marker = str(DB_INTEGER_MAX)  # an id the rule accepts, found again in the path built
    head, _marker, tail = url_for(endpoint, **values, **{key: DB_INTEGER_MAX}).rpartition(marker)
    return lambda value: f"{head}{int(value)}{tail}"


KEPT_MAX = 20_000  # pieces of HTML a worker keeps written (a few MB); beyond, it starts afresh


def written_for() -> tuple:
    """What any kept HTML depends on besides its data: the language, the service zone and
    where the app is mounted (its links)."""
    return str(get_locale()), current_app.config["TIMEZONE"], request.script_root


# Kept HTML that holds forms carries this in place of the CSRF token (random: nobody can write
# it into a subject); `filled` puts the request's own token there.
CSRF_HOLE = f"csrf-hole-{secrets.token_hex(16)}"


def keepable(template: str, **context) -> Markup:
    """A template written to be kept by the worker for everyone the key says: each CSRF token
    in it (csrf_token()'s and the forms' hidden fields alike hold the request's one token,
    which no other text can hold) is CSRF_HOLE."""
    return Markup(render_template(template, **context).replace(generate_csrf(), CSRF_HOLE))


def filled(html: Markup) -> Markup:
    """Kept HTML (`keepable`) with the request's CSRF token in its holes."""
    return Markup(html.replace(CSRF_HOLE, generate_csrf()))


def kept(template: str, values) -> list[Markup]:
    """Each of `values` written by `template` (as its one variable `row`), once per language,
    service zone and mount point, then kept by the worker: the key is everything the HTML
    depends on, so it needs no forgetting. The template sees what a page sees, but may use
    only `row`, labels and helpers: nothing of the request or the person (no CSRF token). For
    the rows of a list (rows of columns, as a page of a queue section holds): one call a list."""
    here, written = (template, *written_for()), []
    for value in values:

        def write(value=value):
            context = {"row": value}
            current_app.update_template_context(context)
            return Markup(current_app.jinja_env.get_template(template).render(context))

        written.append(kept_piece((here, value), write))
    return written


def kept_piece(key, write) -> Markup:
    """The worker's kept HTML for `key` (everything it depends on), else `write()`'s, kept."""
    pieces = current_app.extensions["rota.kept"]
    html = pieces.get(key)
    if html is None:
        if len(pieces) >= KEPT_MAX:
            pieces.clear()
        html = pieces[key] = write()
    return html


def kept_with(value, name: str, caller) -> Markup:
    """What a `{% call kept_with(value, name) %}` block writes, kept on `value` (its `html`
    dict) once per language, service zone and mount point. `value` is a hot answer (a contact
    page's record, say), forgotten when what it was read from changes, so the HTML it holds
    goes with it; the block may show only `value`, labels and helpers: nothing of the request
    or the person (no CSRF token)."""
    here = (name, *written_for())
    html = value.html.get(here)
    if html is None:
        html = value.html[here] = Markup(caller())
    return html


def commitment(signature) -> str:
    """A signature's commitment for people: "24 h per month" or "4 shifts per month"."""
    amount = float(signature.commitment_amount)
    shown = format_decimal(amount, format="#,##0.##")
    if signature.commitment_unit == CommitmentUnit.SHIFTS:
        return ngettext("%(num)s shift per month", "%(num)s shifts per month", amount, num=shown)
    return gettext("%(num)s h per month", num=shown)


def format_phone(number: str) -> str:
    """An E.164 number in international format for people to read."""
    return _international(number, current_app.config["PHONE_REGION"])


@functools.lru_cache(maxsize=4096)
def _international(number: str, region: str) -> str:
    """Parsing a number costs more than the rest of a row of the calls to return, and the same
    callers come back: each number is written once."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def contact_subject(contact) -> str:
    """A contact's subject for people: the client's own, else for a call who called, written in
    the reader's language each time it shows (never stored in its writer's)."""
    if contact.subject or contact.channel != Channel.PHONE or contact.anonymised_at:
        return contact.subject
    caller = format_phone(contact.client_phone) if contact.client_phone else _l("a withheld number")
    return gettext("Call from %(caller)s", caller=caller)


FILE_UNITS = (("digital-megabyte", 1_000_000), ("digital-kilobyte", 1_000))


def file_size(size: int) -> str:
    """A file's size in the reader's language and number format (1,5 kt, 1.5 kB)."""
    return _size_in(size, get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


@functools.lru_cache(maxsize=4096)
def _size_in(size: int, locale) -> str:
    """Babel's unit formatting costs more than the rest of an attachment's line: each size is
    written once per language."""
    for unit, scale in FILE_UNITS:
        if size >= scale:
            return format_unit(size / scale, unit, length="short", format="#,##0.#", locale=locale)
    return format_unit(size, "digital-byte", length="short", locale=locale)


def decimal(value: float, signed: bool = False) -> str:
    """A number with one decimal in the reader's format (12,5 in fi/sv; 12.5 in en)."""
    return format_decimal(value, "+#,##0.0;-#,##0.0" if signed else "#,##0.0")


def init_app(app):
    """Expose the helpers to Jinja."""
    app.jinja_env.add_extension("jinja2.ext.do")
    app.extensions["rota.kept"] = {}
    app.jinja_env.globals.update(
        nav_items=nav_items,
        id_links=id_links,
        kept=kept,
        kept_with=kept_with,
        zip=zip,  # a list's rows beside their kept HTML
        commitment=commitment,
        contact_subject=contact_subject,
        role_label=lambda role: ROLE_LABELS.get(role, role),
        current_locale=lambda: (
            get_locale().language if get_locale() else app.config["BABEL_DEFAULT_LOCALE"]
        ),
    )
    app.jinja_env.filters["phone"] = format_phone
    app.jinja_env.filters["decimal"] = decimal
    app.jinja_env.filters["filesizeformat"] = file_size  # Jinja's own speaks English only
