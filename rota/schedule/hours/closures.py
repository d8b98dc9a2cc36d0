"""Use cases for closures: Finnish public holidays close the ring unless re-opened; own closures."""

import functools
import logging
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rota.errors import DomainError, NotFound
from rota.schedule.days import ensure_order
from rota.schedule.hours.slots import days
from rota.schedule.models import Closure

log = logging.getLogger(__name__)

# the interface language → the `holidays` package's language code for Finland
HOLIDAY_LANGUAGES = {"fi": "fi", "sv": "sv_FI", "en": "en_US"}
MAX_CLOSURE_DAYS = 366


@functools.lru_cache(maxsize=128)
def _holidays_of_year(year: int, language: str) -> dict[date, str]:
    import holidays  # imported when the rota is planned or shown, not by every worker at start

    code = HOLIDAY_LANGUAGES.get(language, "fi")
    return dict(holidays.Finland(years=year, language=code))


def public_holidays(first: date, last: date, language: str = "fi") -> dict[date, str]:
    """Finnish public holidays from `first` to `last`, named in `language` (fi, sv or en)."""
    found: dict[date, str] = {}
    for year in range(first.year, last.year + 1):
        for day, name in _holidays_of_year(year, language).items():
            if first <= day <= last:
                found[day] = name
    return dict(sorted(found.items()))


@dataclass(frozen=True)
class CalendarEntry:
    """A public holiday or an own closure in a date range, as the closures page lists it."""

    first: date
    last: date
    name: str
    is_holiday: bool
    reopened: bool = False
    closure_id: int | None = None


def _closures(session: Session, first: date, last: date, *, reopen: bool) -> list[Closure]:
    until = func.coalesce(Closure.last_day, Closure.day)
    query = select(Closure).where(Closure.reopen.is_(reopen), Closure.day <= last, until >= first)
    return list(session.scalars(query.order_by(Closure.day)))


def closed_days(session: Session, first: date, last: date) -> set[date]:
    """The days from `first` to `last` the ring is closed: holidays not re-opened, own closures."""
    reopened = {c.day for c in _closures(session, first, last, reopen=True)}
    closed = set(public_holidays(first, last)) - reopened
    for closure in _closures(session, first, last, reopen=False):
        closed.update(days(max(first, closure.day), min(last, closure.until)))
    return closed


def calendar(session: Session, first: date, last: date, language: str) -> list[CalendarEntry]:
    """Holidays (marked when re-opened) and own closures from `first` to `last`, by date."""
    reopened = {c.day: c for c in _closures(session, first, last, reopen=True)}
    entries = [
        CalendarEntry(day, day, name, True, day in reopened, getattr(reopened.get(day), "id", None))
        for day, name in public_holidays(first, last, language).items()
    ]
    entries += [
        CalendarEntry(c.day, c.until, c.name, False, closure_id=c.id)
        for c in _closures(session, first, last, reopen=False)
    ]
    return sorted(entries, key=lambda e: (e.first, not e.is_holiday))


def add_closure(
    session: Session, *, first: date, last: date | None, name: str, actor_id: int | None
) -> Closure:
    """Close the ring from `first` to `last` (inclusive); own closures may not overlap."""
    last = last or first
    ensure_order(first, last, "last_day")
    if (last - first).days >= MAX_CLOSURE_DAYS:
        raise DomainError(_l("A closure can last at most a year. Split it in two."), "last_day")
    clashes = _closures(session, first, last, reopen=False)
    clashes += _closures(session, first, last, reopen=True)
    if clashes:
        clash = clashes[0]
        raise DomainError(
            _l(
                "These dates overlap “%(name)s” (%(first)s–%(last)s). Remove it first or "
                "choose other dates.",
                name=clash.name,
                first=clash.day.isoformat(),
                last=clash.until.isoformat(),
            ),
            "first_day",
        )
    closure = Closure(
        day=first, last_day=last, name=name.strip(), reopen=False, created_by_id=actor_id
    )
    session.add(closure)
    session.flush()
    log.info("closure %s–%s added", first, last)
    return closure


def reopen_holiday(session: Session, day: date, actor_id: int | None) -> Closure:
    """Keep the ring open on a public holiday: its slots come back into the rota."""
    name = public_holidays(day, day).get(day)
    if name is None:
        raise DomainError(_l("%(day)s is not a public holiday.", day=day.isoformat()))
    if session.scalar(select(Closure.id).where(Closure.day == day)) is not None:
        raise DomainError(
            _l("%(day)s already has a closure or is already open. Reload the page.", day=day)
        )
    closure = Closure(day=day, last_day=day, name=name, reopen=True, created_by_id=actor_id)
    session.add(closure)
    session.flush()
    return closure


def remove_closure(session: Session, closure_id: int) -> Closure:
    """Remove an own closure, or a holiday's re-opening (the holiday closes the ring again)."""
    closure = session.get(Closure, closure_id)
    if closure is None:
        raise NotFound(_l("No such closure. It may have been removed already."))
    session.delete(closure)
    session.flush()
    return closure
