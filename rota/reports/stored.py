"""The service report's per-contact figures, stored on the contact (`Contact.figures_*`): its
local hour of the week and week in the service's zone, whether it came in service hours, and
its minutes to the first response and to closing in service time and in wall time.

They are worked out by the SQL arithmetic of `rota.reports.sql` and kept with the fingerprint
of what they were worked out with (`fingerprint`: the zone, the service-hours patterns, the
closures, the public holidays). A contact's figures are stale when its fingerprint is not the
current one: NULL from its creation and whenever its times change (`Contact`'s before_update
event), another one when the service hours or the zone changed since. `refresh` works out the
stale ones in one UPDATE: the service report refreshes its period before it counts (so it is
always exact), the `report_figures` job and `flask --app rota report refresh` all of them.
"""

import hashlib
from datetime import datetime, timedelta
from importlib.metadata import version
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from rota.contacts.models import FIGURED_TIMES, Contact
from rota.db import lock_for_transaction
from rota.reports import figures, sql
from rota.schedule.hours.patterns import templates
from rota.schedule.models import Closure
from rota.schedule.planning.generation import open_slots

REPORTED = (Contact.merged_into_id.is_(None),)  # a merged contact counts in the one it joined
FIGURES = ("hour", "week", "inside", "response", "close", "response_wall", "close_wall")
LOCK = "rota.reports.stored"


def fingerprint(session: Session, zone: ZoneInfo) -> int:
    """A 64-bit digest of what the figures depend on besides the contact's own times: the zone,
    every service-hours pattern, every closure and the holidays package that names the public
    holidays. It changes when any of them does."""
    hours = sorted(
        repr((t.valid_from, t.valid_until, sorted(map(repr, t.slots)))) for t in templates(session)
    )
    closures = session.execute(
        select(Closure.day, Closure.last_day, Closure.reopen).order_by(Closure.day, Closure.id)
    ).all()
    text = repr((zone.key, hours, [tuple(c) for c in closures], version("holidays")))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big", signed=True)


def stale(clock: int):
    """The contacts whose figures were not worked out with the service hours `clock` (written
    as two ranges, so that the index on the fingerprint finds the few stale ones)."""
    column = Contact.figures_clock
    return or_(column.is_(None), column < clock, column > clock)


def _bounds(session: Session, where) -> tuple[datetime | None, datetime | None]:
    """The first arrival and the last instant (arrival, answer, close) of the contacts `where`."""
    query = select(
        func.min(Contact.received_at),
        func.max(Contact.received_at),
        func.max(Contact.first_response_at),
        func.max(Contact.closed_at),
    ).where(*where)
    first, *lasts = session.execute(query).one()
    return first, max((at for at in lasts if at is not None), default=None)


def _arithmetic(session: Session, zone: ZoneInfo, first: datetime, last: datetime):
    """The SQL arithmetic with the service clock and the zone's offsets from `first` to `last`
    (the clock from the local day before, so that every instant has an interval before it)."""
    slots = open_slots(
        session,
        first.astimezone(zone).date() - timedelta(days=1),
        last.astimezone(zone).date(),
        zone,
    )
    clock = figures.ServiceClock((s.starts_at, s.ends_at) for s in slots)
    offsets = figures.zone_offsets(zone, first, last + timedelta(seconds=1))
    return sql.Arithmetic(session, clock, offsets)


def _worked_out(arithmetic: sql.Arithmetic, where):
    """Per contact `where`: its id and figures. Two steps, each worked out once per row (OFFSET
    0 keeps the database from inlining the first into the second): the instants in seconds,
    their places on the service clock and the local hours; then the figures."""
    instants = (
        select(
            Contact.id.label("id"),
            *(getattr(Contact, name) for name in FIGURED_TIMES),
            *(
                arithmetic.epoch(column).label(name)
                for name, column in (
                    ("received", Contact.received_at),
                    ("responded", Contact.first_response_at),
                    ("closed", Contact.closed_at),
                )
            ),
        )
        .where(*where)
        .offset(0)
        .subquery("instants")
    )
    places = (
        arithmetic.reading_clock(
            select(
                instants,
                arithmetic.local_hours(instants.c.received).label("hours"),
                arithmetic.open_at(instants.c.received).label("inside"),
                *(
                    arithmetic.position(instants.c[name]).label(f"service_{name}")
                    for name in ("received", "responded", "closed")
                ),
            ).select_from(instants)
        )
        .offset(0)
        .subquery("places")
    )
    c = places.c
    return select(
        c.id,
        *(c[name] for name in FIGURED_TIMES),
        sql.hour_of_week(c.hours).label("hour"),
        sql.monday_of(c.hours).label("week"),
        c.inside,
        ((c.service_responded - c.service_received) / 60.0).label("response"),
        ((c.service_closed - c.service_received) / 60.0).label("close"),
        ((c.responded - c.received) / 60.0).label("response_wall"),
        ((c.closed - c.received) / 60.0).label("close_wall"),
    ).subquery("worked_out")


def refresh(
    session: Session,
    zone: ZoneInfo,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int | None = None,
) -> int:
    """Work out the stale figures of the contacts received from `start` to before `end` (None:
    without that bound), of the first `limit` of them by id (None: all); returns how many.

    Refreshes run in turn (a transaction lock, taken only when some are stale), so two never
    update the same contacts at once; it locks its contacts in id order first, the order the
    mail ingest takes several contacts in, so that the two wait for each other rather than
    deadlock. A contact whose times change while the figures are worked
    out keeps none: the UPDATE writes only rows whose times are still the ones it read."""
    clock = fingerprint(session, zone)
    where = [*REPORTED, stale(clock)]
    if start is not None:
        where.append(Contact.received_at >= start)
    if end is not None:
        where.append(Contact.received_at < end)
    if session.scalar(select(Contact.id).where(*where).limit(1)) is None:
        return 0
    lock_for_transaction(session, LOCK)
    if limit is not None:
        last_id = session.scalar(
            select(Contact.id).where(*where).order_by(Contact.id).offset(limit - 1).limit(1)
        )
        where += [] if last_id is None else [Contact.id <= last_id]
    first, last = _bounds(session, where)  # read again under the lock: another may have done it
    if first is None:
        return 0
    # the contacts locked in id order, as other writers of several contacts take them
    session.execute(select(Contact.id).where(*where).order_by(Contact.id).with_for_update())
    rows = _worked_out(_arithmetic(session, zone, first, last), where)
    table = Contact.__table__
    values = {
        table.c.figures_clock: clock,
        **{table.c[f"figures_{name}"]: rows.c[name] for name in FIGURES},
    }
    unchanged = [table.c[name].is_not_distinct_from(rows.c[name]) for name in FIGURED_TIMES]
    result = session.execute(
        update(table).where(table.c.id == rows.c.id, *unchanged).values(values)
    )
    return result.rowcount


def refresh_in_batches(session: Session, zone: ZoneInfo, batch: int) -> int:
    """Work out every stale figure, `batch` contacts at a time, committing each batch (its
    contacts stay locked only that long): for the job and the command, which are boundaries.
    Returns how many."""
    done = 0
    while count := refresh(session, zone, limit=batch):
        session.commit()
        done += count
    return done


def forget(session: Session) -> int:
    """Make every contact's figures stale; returns how many had some."""
    table = Contact.__table__
    query = update(table).where(table.c.figures_clock.is_not(None)).values(figures_clock=None)
    return session.execute(query).rowcount
