"""Count what a request does to the database: SQL statements and connection checkouts, seen by
SQLAlchemy event listeners on the app's engine (tests/perf, benchmarks/load.py)."""

from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass
class Tally:
    """The statements run (their SQL text, and their parameters for EXPLAIN) and how many times
    a connection left the pool."""

    statements: list[str] = field(default_factory=list)
    parameters: list = field(default_factory=list)
    checkouts: int = 0

    @property
    def writes(self) -> list[str]:
        verbs = ("INSERT", "UPDATE", "DELETE")
        return [s for s in self.statements if s.lstrip().upper().startswith(verbs)]


@contextmanager
def counting(engine: Engine):
    """Count while the block runs: `with counting(db.engine) as tally: client.get(...)`."""
    tally = Tally()

    def statement(conn, cursor, sql, parameters, context, executemany):
        tally.statements.append(sql)
        tally.parameters.append(parameters)

    def checkout(dbapi_connection, record, proxy):
        tally.checkouts += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine.pool, "checkout", checkout)
    try:
        yield tally
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine.pool, "checkout", checkout)
