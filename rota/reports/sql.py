"""The service report's per-contact arithmetic as SQL, on PostgreSQL and SQLite: an instant in
seconds since the epoch, its local hour of the week and its week in the service's zone, its
place on the service clock (`figures.ServiceClock`); and the nearest-rank percentile. The
per-contact figures are worked out with it once and stored (`rota.reports.stored`).

PostgreSQL does it all in SQL: the zone's offsets as a CASE over the clock changes, the clock
as three arrays read with `width_bucket`, `percentile_disc`. SQLite has no arrays and no
percentiles: it gets Python functions on its connection that read the same clock (`register`)
and the percentile aggregate (`percentiles`), so both give the same figures."""

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from sqlalchemy import BigInteger, Float, Integer, case, cast, func, literal, select, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from rota.reports import figures

EPOCH_DAY = date(1970, 1, 1)
THURSDAY = 3  # the epoch's weekday, Monday being 0


class Arithmetic:
    """Expressions for one session's database and one report's clock and zone offsets."""

    def __init__(
        self, session: Session, clock: figures.ServiceClock, offsets: list[tuple[float, int]]
    ):
        connection = session.connection()
        self.postgres = connection.dialect.name == "postgresql"
        self.offsets = offsets
        if self.postgres:
            arrays = [
                literal(values, ARRAY(Float)).label(name)
                for name, values in (
                    ("starts", clock.starts),
                    ("ends", clock.ends),
                    ("offsets", clock.offsets),
                )
            ]
            self.arrays = select(*arrays).subquery("clock")
        else:
            register(connection.connection.dbapi_connection, clock)

    def reading_clock(self, query):
        """`query` with the clock's arrays beside its rows (one row, joined to each)."""
        return query.join(self.arrays, true()) if self.postgres else query

    def epoch(self, column):
        """Seconds since the epoch of a stored (naive UTC) instant."""
        if self.postgres:
            return func.date_part("epoch", column, type_=Float)
        return func.rota_epoch(column, type_=Float)

    def position(self, seconds):
        """Service seconds before an instant (clock time when the clock counts every second)."""
        if not self.postgres:
            return func.rota_position(seconds)
        i = func.width_bucket(seconds, self.arrays.c.starts)
        return self.arrays.c.offsets[i] + func.least(seconds, self.arrays.c.ends[i])

    def open_at(self, seconds):
        """1 when the instant falls within service hours, else 0."""
        if not self.postgres:
            return func.rota_open_at(seconds)
        ends = self.arrays.c.ends[func.width_bucket(seconds, self.arrays.c.starts)]
        return case((seconds < ends, 1), else_=0)

    def whole(self, value):
        """The whole number at or below a non-negative value."""
        return cast(func.floor(value), BigInteger) if self.postgres else cast(value, Integer)

    def local_hours(self, seconds):
        """Hours since the epoch on the zone's wall clock: each offset holds until the next
        change."""
        held = [
            (seconds < until, offset)
            for (_since, offset), (until, _next) in itertools.pairwise(self.offsets)
        ]
        offset = case(*held, else_=self.offsets[-1][1]) if held else self.offsets[0][1]
        return self.whole((seconds + offset) / 3600.0)


@contextmanager
def without_jit(session: Session) -> Iterator[None]:
    """PostgreSQL's JIT compilation off for what runs inside, then as it was: the report's
    statement costs enough for the planner to compile it, which takes longer than it saves."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        yield
        return
    was = connection.execute(select(func.current_setting("jit"))).scalar_one()
    connection.execute(select(func.set_config("jit", "off", True)))
    try:
        yield
    finally:
        connection.execute(select(func.set_config("jit", was, True)))


def percentiles(session: Session):
    """For the session's database: (value, share) → the nearest-rank percentile of `value` in
    the group (`figures.percentile`); SQLite gets the aggregate on its connection for it."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return lambda value, share: func.percentile_disc(share).within_group(value)
    connection.connection.dbapi_connection.create_aggregate("rota_percentile", 2, _NearestRank)
    return lambda value, share: func.rota_percentile(value, share)


def hour_of_week(hours):
    """Weekday × 24 + hour (Monday 0) of wall-clock hours since the epoch."""
    days = hours // 24
    return (days + THURSDAY) % 7 * 24 + hours % 24


def monday_of(hours):
    """Days since the epoch of the Monday of the week of wall-clock hours since the epoch."""
    days = hours // 24
    return days - (days + THURSDAY) % 7


def day_of(days: int) -> date:
    """The day `days` after the epoch."""
    return EPOCH_DAY + timedelta(days=days)


class _NearestRank:
    """SQLite's aggregate `rota_percentile(value, share)`."""

    def __init__(self):
        self.values: list[float] = []
        self.share = 0.5

    def step(self, value, share):
        self.share = share
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return figures.percentile(self.values, self.share)


def _epoch(stored: str | None) -> float | None:
    return None if stored is None else figures.epoch_seconds(datetime.fromisoformat(stored))


def register(dbapi_connection, clock: figures.ServiceClock) -> None:
    """Give a SQLite connection the functions the arithmetic calls, reading `clock`."""
    dbapi_connection.create_function("rota_epoch", 1, _epoch, deterministic=True)
    dbapi_connection.create_function(
        "rota_position", 1, lambda s: None if s is None else clock.position(s)
    )
    dbapi_connection.create_function(
        "rota_open_at", 1, lambda s: None if s is None else int(clock.open_at(s))
    )
