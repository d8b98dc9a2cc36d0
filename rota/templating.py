"""What every template can use: navigation by role, labels, phone formatting."""

import phonenumbers
from babel.units import format_unit
from flask import current_app
from flask_babel import format_decimal, get_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from rota.members.models import CommitmentUnit, Role

C, A, S = Role.COORDINATOR, Role.ORG_ADMIN, Role.COUNSELLOR

# endpoint, label, roles that see it
NAVIGATION = [
    ("main.home", _l("Front page"), (C, A, S)),
    ("contacts.index", _l("Contacts"), (C, A, S)),
    ("members.organisations", _l("Member organisations"), (C, A, S)),
    ("members.agreements", _l("Memoranda"), (C, A)),
    ("members.members_on_day", _l("Members in force"), (C, A)),
    ("people.index", _l("People"), (C, A)),
    ("auth.token_list", _l("API tokens"), (C, A, S)),
    ("schedule.week", _l("Rota"), (C, A, S)),
    ("schedule.own", _l("Our shifts"), (A,)),
    ("schedule.gaps", _l("Coverage gaps"), (C, A)),
    ("schedule.absence_list", _l("Absences"), (C, A, S)),
    ("feeds.subscribe", _l("Calendar subscription"), (C, A, S)),
    ("planning.planning", _l("Rota planning"), (C,)),
    ("rota_admin.patterns", _l("Service hours"), (C,)),
    ("rota_admin.closure_list", _l("Closures"), (C,)),
    ("planning.fairness", _l("Fairness"), (C, A)),
    ("mail.problems", _l("Shared mailbox"), (C,)),
    ("privacy.admin", _l("Privacy"), (C,)),
]

ROLE_LABELS = {C: _l("coordinator"), A: _l("organisation admin"), S: _l("counsellor")}


def nav_items():
    """The navigation entries for the signed-in person's role."""
    role = current_user.role
    return [(endpoint, label) for endpoint, label, roles in NAVIGATION if role in roles]


def commitment(signature) -> str:
    """A signature's commitment for people: "24 h per month" or "4 shifts per month"."""
    amount = float(signature.commitment_amount)
    shown = format_decimal(amount, format="#,##0.##")
    if signature.commitment_unit == CommitmentUnit.SHIFTS:
        return ngettext("%(num)s shift per month", "%(num)s shifts per month", amount, num=shown)
    return gettext("%(num)s h per month", num=shown)


def format_phone(number: str) -> str:
    """An E.164 number in international format for people to read."""
    try:
        parsed = phonenumbers.parse(number, current_app.config["PHONE_REGION"])
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


FILE_UNITS = (("digital-megabyte", 1_000_000), ("digital-kilobyte", 1_000))


def file_size(size: int) -> str:
    """A file's size in the reader's language and number format (1,5 kt, 1.5 kB)."""
    locale = get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]
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
    app.jinja_env.globals.update(
        nav_items=nav_items,
        commitment=commitment,
        role_label=lambda role: ROLE_LABELS.get(role, role),
        current_locale=lambda: (
            get_locale().language if get_locale() else app.config["BABEL_DEFAULT_LOCALE"]
        ),
    )
    app.jinja_env.filters["phone"] = format_phone
    app.jinja_env.filters["decimal"] = decimal
    app.jinja_env.filters["filesizeformat"] = file_size  # Jinja's own speaks English only
