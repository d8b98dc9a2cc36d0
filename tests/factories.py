"""Factories for test data; every argument can be overridden."""

import functools
import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from werkzeug.security import generate_password_hash

from rota.contacts.models import Contact
from rota.extensions import db
from rota.members import memoranda, people, service
from rota.members.models import Agreement, Organisation, Role, User
from rota.outbox.service import MailSettings

PASSWORD = "correct horse battery"
HELSINKI = ZoneInfo("Europe/Helsinki")
_counter = itertools.count(1)


@functools.cache
def _password_hash():
    """PASSWORD hashed once per test session: hashing is slow on purpose."""
    return generate_password_hash(PASSWORD)


def _saved(record):
    """Commit, as a real request would, so the app's own requests see the record."""
    db.session.commit()
    return record


def org(**overrides):
    """A member organisation."""
    n = next(_counter)
    fields = {"name": f"Organisation {n}", "short_name": f"ORG{n}", "colour": "#123456"}
    fields.update(overrides)
    return _saved(service.save_organisation(db.session, None, "FI", **fields))


def agreement(**overrides):
    """A memorandum version in effect from 2024-01-01."""
    n = next(_counter)
    fields = {"title": "Memorandum", "version_label": f"v{n}", "effective_from": date(2024, 1, 1)}
    fields.update(overrides)
    return _saved(memoranda.create_agreement(db.session, **fields))


def signature(organisation=None, agreement_=None, **overrides):
    """A signature of an agreement version by an organisation, 10 h per month, open-ended."""
    organisation = organisation or org()
    agreement_ = agreement_ or agreement()
    terms = {
        "agreement_id": agreement_.id,
        "signed_on": date(2024, 1, 1),
        "signed_by_name": "Rehtori Testinen",
        "valid_from": max(date(2024, 1, 1), agreement_.effective_from),
        "commitment_amount": 10,
        "commitment_unit": "hours",
    }
    terms.update(overrides)
    return _saved(memoranda.sign(db.session, organisation, None, **terms))


def user(role=Role.COUNSELLOR, organisation=None, **overrides):
    """A person; counsellors and organisation admins get an organisation if none is given."""
    n = next(_counter)
    if organisation is None and role != Role.COORDINATOR:
        organisation = org()
    fields = {
        "name": f"Person {n}",
        "email": f"person{n}@example.fi",
        "languages": ["fi"],
        "role": role,
        "password_hash": _password_hash(),
    }
    fields.update(overrides)
    return _saved(
        people.save_person(db.session, None, actor=None, organisation=organisation, **fields)
    )


def mail_settings():
    """How the test app writes its mail (its configuration as the use cases take it)."""
    return MailSettings.from_config(current_app.config)


def coordinator(**overrides):
    return user(role=Role.COORDINATOR, **overrides)


def org_admin(organisation=None, **overrides):
    return user(role=Role.ORG_ADMIN, organisation=organisation, **overrides)


def counsellor(organisation=None, **overrides):
    return user(role=Role.COUNSELLOR, organisation=organisation, **overrides)


def shift(organisation=None, start="2026-03-30T09:00", hours=3, channel="phone", **overrides):
    """A planned shift of an organisation (a new one if none is given), `hours` long from
    `start` in Helsinki wall time: an ISO string, a naive datetime, or a day (then 09:00)."""
    from rota.schedule.models import Channel, Shift

    if isinstance(start, str):
        start = datetime.fromisoformat(start)
    elif not isinstance(start, datetime):
        start = datetime.combine(start, time(9))
    local = start.replace(tzinfo=HELSINKI)
    starts_at = local.astimezone(UTC)
    fields = {
        "slot_key": f"{local:%Y-%m-%d}/{channel}/{local:%H:%M}",
        "channel": Channel(channel),
        "local_day": local.date(),
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=hours),
        "organisation": organisation or org(),
    }
    fields.update(overrides)
    row = Shift(**fields)
    db.session.add(row)
    db.session.flush()
    return row


def service_hours(slots=((0, 9, 12, "phone"),), valid_from=date(2024, 1, 1), **overrides):
    """A service hours pattern from (weekday, start hour, end hour, channel[, language]) slots."""
    from rota.schedule.hours import patterns as hours

    fields = {"name": f"Service hours {next(_counter)}", "valid_from": valid_from}
    fields.update({"valid_until": None, **overrides})
    pattern = hours.save_pattern(db.session, None, **fields)
    for weekday, start, end, channel, *language in slots:
        hours.add_slot(
            db.session,
            pattern,
            weekday=weekday,
            start_time=time(start),
            end_time=time(end),
            channel=channel,
            language=language[0] if language else None,
        )
    return pattern


def contact(subject="Asia", owner=None, org=None, **fields):
    """A client e-mail contact, owned by a counsellor or waiting in an organisation's queue."""
    organisation_id = org.id if org else (owner.organisation_id if owner else None)
    row = Contact(
        channel="email",
        subject=subject,
        owner_id=owner.id if owner else None,
        organisation_id=organisation_id,
        **fields,
    )
    db.session.add(row)
    return _saved(row)


@dataclass(frozen=True)
class Ring:
    """Two member organisations, both signed, and a person in every role."""

    agreement: Agreement
    org_a: Organisation
    org_b: Organisation
    coordinator: User
    admin_a: User
    admin_b: User
    anna: User  # counsellor of Org A
    aino: User  # counsellor of Org A
    bert: User  # counsellor of Org B


def ring():
    """Org A (admin, counsellors Anna and Aino Aalto) and Org B (admin, counsellor Bert), each
    signed for 10 h a month from 2024, and the coordinator; all Finnish-speaking."""
    agreement_ = agreement()
    org_a = org(name="Org A", short_name="A", colour="#aa0000")
    org_b = org(name="Org B", short_name="B", colour="#0050aa")
    signature(org_a, agreement_)
    signature(org_b, agreement_)
    return Ring(
        agreement=agreement_,
        org_a=org_a,
        org_b=org_b,
        coordinator=coordinator(name="Coordinator"),
        admin_a=org_admin(org_a, name="Admin A"),
        admin_b=org_admin(org_b, name="Admin B"),
        anna=counsellor(org_a, name="Anna"),
        aino=counsellor(org_a, name="Aino Aalto"),
        bert=counsellor(org_b, name="Bert"),
    )
