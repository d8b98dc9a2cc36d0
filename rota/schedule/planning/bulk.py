"""Fast bulk INSERT: column-wise values, each distinct value converted once, multi-row statements.

Generated shifts repeat the same few values (one `now`, a few hundred days, the same wall-clock
instants on three channels), so each column type's bind conversion runs once per distinct value
(a C-level cache), the rows are zipped into tuples in C, and the DBAPI cursor gets them as they
are: no ORM objects, no per-row dicts, no per-cell conversion by SQLAlchemy. Each statement
inserts several hundred rows (`INSERT … VALUES (…), (…), …`): on SQLite that is a seventh
cheaper than the same rows through executemany.
"""

import functools
from collections.abc import Mapping, Sequence
from itertools import chain, repeat
from types import FunctionType

from sqlalchemy import Table
from sqlalchemy.orm import Session

from rota.db import wrote

PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}
# Parameters per statement: well within SQLite's limit (32 766) and PostgreSQL's (65 535).
PARAMETERS = 10_000


class Constant:
    """A value that is the same in every row (converted once, repeated)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def _converters(table: Table, names: Sequence[str], dialect) -> list:
    """Per column, its type's bind conversion behind a cache shared by columns of that type.

    The conversion is the dialect's, as SQLAlchemy applies it to a compiled statement: on
    SQLite an instant becomes the same text the ORM writes, so stored values compare equal.
    Only conversions written in Python are cached: a compiled one (a float's) costs less than
    the cache lookup.
    """
    by_type: dict = {}
    result = []
    for name in names:
        column_type = table.c[name].type.dialect_impl(dialect)
        key = (type(column_type), repr(column_type))
        if key not in by_type:
            process = column_type.bind_processor(dialect)
            if isinstance(process, FunctionType):
                process = functools.lru_cache(maxsize=None)(process)
            by_type[key] = process
        result.append(by_type[key])
    return result


def _column(values, convert, rows: int):
    if isinstance(values, Constant):
        return repeat(convert(values.value) if convert else values.value, rows)
    return map(convert, values) if convert else values


def bulk_insert(session: Session, table: Table, columns: Mapping[str, Sequence | Constant]) -> int:
    """Insert rows given column-wise (name → values, or a Constant); how many."""
    sizes = {len(v) for v in columns.values() if not isinstance(v, Constant)}
    if len(sizes) != 1:
        raise ValueError("bulk_insert needs at least one value column, all of the same length")
    rows = sizes.pop()
    if not rows:
        return 0
    connection = session.connection()
    dialect = connection.dialect
    names = list(columns)
    converted = [
        _column(columns[name], convert, rows)
        for name, convert in zip(names, _converters(table, names, dialect), strict=True)
    ]
    values = list(zip(*converted, strict=True))
    per_statement = max(1, PARAMETERS // len(names))
    for start in range(0, rows, per_statement):
        chunk = values[start : start + per_statement]
        connection.exec_driver_sql(
            _statement(table, names, dialect, len(chunk)), tuple(chain.from_iterable(chunk))
        )
    wrote(session, table.name)
    return rows


def _statement(table: Table, names: Sequence[str], dialect, rows: int) -> str:
    """A multi-row INSERT with positional DBAPI placeholders (qmark for SQLite, %s for psycopg)."""
    if dialect.paramstyle not in PLACEHOLDERS:
        raise ValueError(f"bulk_insert does not support the {dialect.paramstyle} paramstyle")
    quote = dialect.identifier_preparer.quote
    row = "(" + ", ".join([PLACEHOLDERS[dialect.paramstyle]] * len(names)) + ")"
    columns = ", ".join(map(quote, names))
    return f"INSERT INTO {quote(table.name)} ({columns}) VALUES {', '.join([row] * rows)}"
