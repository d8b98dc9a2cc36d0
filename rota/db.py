"""Declarative base, column types and time helpers shared by every domain's models."""

import hashlib
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, TypeDecorator, func, select, text
from sqlalchemy.orm import DeclarativeBase, Session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every model; constraint names are stable so migrations match on both databases."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """An instant: stored as naive UTC, always returned as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC instant column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)


def ping(session) -> None:
    """Ask the database for one row: raises when it cannot be reached."""
    session.execute(text("SELECT 1"))


def lock_for_transaction(session: Session, name: str) -> None:
    """Hold a lock on `name` until the transaction ends: check-then-insert use cases run in turn.

    PostgreSQL takes a transaction-level advisory lock on a 64-bit hash of the name. SQLite has
    one writer: the transaction starts writing now (BEGIN IMMEDIATE, unless it already writes),
    so what it reads next includes every earlier commit and no other writer runs until it ends.
    Call it before the transaction reads what it checks.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        connection.execute(select(func.pg_advisory_xact_lock(key)))
    elif not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


# session.info key: the tables a transaction wrote outside the ORM's unit of work (bulk inserts);
# rota.hot adds those it sees itself and forgets its answers when one of them is among its own
WRITTEN_TABLES = "rota.written_tables"


def written_tables(session: Session) -> set:
    """The tables the session's transaction is known to have written (see WRITTEN_TABLES)."""
    return session.info.setdefault(WRITTEN_TABLES, set())


def wrote(session: Session, table: str) -> None:
    """Note that the session's transaction wrote rows of `table` by plain SQL."""
    written_tables(session).add(table)


# execution option of a write that no hot answer depends on (a token's last use): rota.hot keeps
# its answers
BOOKKEEPING = "rota_bookkeeping"
