"""Instants from text, as integrations send them: ISO 8601 with a UTC offset."""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from rota.errors import DomainError


def parse_instant(raw, field: str) -> datetime:
    """An aware instant from ISO 8601 text; DomainError on `field` otherwise."""
    try:
        moment = datetime.fromisoformat(str(raw))
    except ValueError as exc:
        raise DomainError(
            _l("%(field)s must be ISO 8601, e.g. 2026-03-30T09:15:00+03:00.", field=field), field
        ) from exc
    if moment.tzinfo is None:
        raise DomainError(_l("%(field)s needs a time zone, e.g. +03:00 or Z.", field=field), field)
    return moment
