"""Backup and restore of the whole database, stored mail included, portable between SQLite and
PostgreSQL.

A backup is gzip-compressed JSON lines: a header (format, schema revision, tables), then per
table its column names, its rows as JSON arrays in primary-key order and a closing count, and
a final line that marks the file complete. It is written from one consistent snapshot (on
PostgreSQL a REPEATABLE READ transaction) and streamed, so memory stays flat however much mail
is stored. Tables and columns are read from the database itself (reflection), not from the
models, so a backup of an older release restores into a newer one: restore migrates the empty
database to the backup's revision, loads the rows, then migrates to the code's head.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import (
    JSON,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    Table,
    Time,
    func,
    select,
    text,
)

FORMAT, VERSION = "rota-backup", 1
CHUNK = 500


class BackupError(Exception):
    """A backup cannot be written or restored; the message says why and what to do."""


@dataclass
class Summary:
    """What a backup or restore moved: rows per table."""

    revision: list[str]
    rows: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        total = sum(self.rows.values())
        return f"{len(self.rows)} tables, {total} rows, schema revision {', '.join(self.revision)}"


def _codec(column) -> tuple:
    """(encode, decode) between a column's Python values and JSON, chosen by its type."""
    kind = column.type
    if isinstance(kind, LargeBinary):
        return (lambda v: base64.b64encode(v).decode("ascii")), base64.b64decode
    if isinstance(kind, DateTime):
        return datetime.isoformat, datetime.fromisoformat
    if isinstance(kind, Date):
        return date.isoformat, date.fromisoformat
    if isinstance(kind, Time):
        return time.isoformat, time.fromisoformat
    if isinstance(kind, Numeric) and not isinstance(kind, Float | JSON):
        return str, Decimal
    return None, None


def _encoder(table: Table):
    codecs = [_codec(column)[0] for column in table.columns]
    return lambda row: [
        v if f is None or v is None else f(v) for f, v in zip(codecs, row, strict=True)
    ]


def _decoder(table: Table, names: list[str]):
    codecs = [_codec(table.columns[name])[1] for name in names]
    return lambda row: {
        n: v if f is None or v is None else f(v) for n, f, v in zip(names, codecs, row, strict=True)
    }


def revisions(conn: Connection) -> list[str]:
    """The database's migration revisions; BackupError when it was never migrated."""
    try:
        with conn.begin_nested():
            return sorted(conn.scalars(text("SELECT version_num FROM alembic_version")))
    except Exception as exc:
        raise BackupError(
            "the database has no migration revision: run `flask --app rota db upgrade` first"
        ) from exc


def _tables(conn: Connection) -> list[Table]:
    meta = MetaData()
    meta.reflect(conn)
    return [t for t in meta.sorted_tables if t.name != "alembic_version"]


def _rows(conn: Connection, table: Table) -> Iterator:
    order = list(table.primary_key.columns) or list(table.columns)
    query = select(*table.columns).order_by(*order)
    yield from conn.execution_options(yield_per=CHUNK).execute(query)


def write_backup(engine: Engine, path: Path) -> Summary:
    """Write the whole database to `path` (via a temporary file, renamed when complete)."""
    partial = path.with_name(path.name + ".partial")
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        with conn.begin(), gzip.open(partial, "wt", encoding="utf-8") as out:
            summary = Summary(revisions(conn))
            tables = _tables(conn)
            header = {"format": FORMAT, "version": VERSION, "revision": summary.revision}
            _line(out, {**header, "dialect": conn.dialect.name, "tables": [t.name for t in tables]})
            for table in tables:
                summary.rows[table.name] = _write_table(conn, table, out)
            _line(out, {"end": FORMAT, "tables": len(tables)})
    os.replace(partial, path)
    return summary


def _write_table(conn: Connection, table: Table, out) -> int:
    _line(out, {"table": table.name, "columns": [c.name for c in table.columns]})
    encode, count = _encoder(table), 0
    for row in _rows(conn, table):
        _line(out, encode(row))
        count += 1
    _line(out, {"end": table.name, "rows": count})
    return count


def _line(out, value) -> None:
    out.write(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    out.write("\n")


def read_header(path: Path) -> dict:
    """The backup's header line; BackupError when the file is not a rota backup."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as source:
            header = json.loads(source.readline())
    except (OSError, EOFError, ValueError) as exc:
        raise BackupError(f"{path} is not a rota backup ({type(exc).__name__})") from exc
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        raise BackupError(f"{path} is not a rota backup of format version {VERSION}")
    return header


def check_empty(conn: Connection) -> None:
    """BackupError unless every table of the database is empty."""
    for table in _tables(conn):
        if conn.scalar(select(func.count()).select_from(table)):
            raise BackupError(
                f"the database is not empty (table {table.name} has rows): "
                "restore into a new, empty database"
            )


def load_backup(engine: Engine, path: Path) -> Summary:
    """Load a backup's rows into the (migrated, empty) database, all in one transaction."""
    summary = Summary(read_header(path)["revision"])
    try:
        with engine.begin() as conn, gzip.open(path, "rt", encoding="utf-8") as source:
            check_empty(conn)
            tables = {t.name: t for t in _tables(conn)}
            source.readline()
            _load_tables(conn, tables, source, summary)
            _restart_sequences(conn, tables.values())
    except (OSError, EOFError) as exc:  # a damaged or cut gzip stream
        raise BackupError(f"{path} cannot be read to its end: use another backup") from exc
    return summary


def _load_tables(conn: Connection, tables: dict, source, summary: Summary) -> None:
    for line in source:
        block = _block(line)
        if block.get("end") == FORMAT:
            return
        table = tables.get(block["table"])
        if table is None:
            raise BackupError(f"the database has no table {block['table']}: wrong revision?")
        summary.rows[table.name] = _load_table(conn, table, block["columns"], source)
    raise BackupError("the backup ends early: it is incomplete, use another one")


def _block(line: str) -> dict:
    try:
        block = json.loads(line)
    except ValueError as exc:
        raise BackupError("the backup is damaged: use another one") from exc
    if not isinstance(block, dict) or not ("table" in block or block.get("end") == FORMAT):
        raise BackupError("the backup is damaged: use another one")
    return block


def _load_table(conn: Connection, table: Table, names: list[str], source) -> int:
    decode, batch, count = _decoder(table, names), [], 0
    for line in source:
        row = _row(line)
        if isinstance(row, dict):  # {"end": table, "rows": n}
            if row.get("end") != table.name or row.get("rows") != count + len(batch):
                break
            return count + _insert(conn, table, batch)
        try:
            batch.append(decode(row))
        except (ValueError, TypeError) as exc:
            raise BackupError(
                f"a row of table {table.name} is damaged: use another backup"
            ) from exc
        if len(batch) == CHUNK:
            count += _insert(conn, table, batch)
    raise BackupError(f"the rows of table {table.name} are incomplete: use another backup")


def _row(line: str):
    try:
        return json.loads(line)
    except ValueError as exc:
        raise BackupError("the backup is damaged: use another one") from exc


def _insert(conn: Connection, table: Table, batch: list[dict]) -> int:
    if batch:
        conn.execute(table.insert(), batch)
    done = len(batch)
    batch.clear()
    return done


def _restart_sequences(conn: Connection, tables) -> None:
    """PostgreSQL: set each id sequence past the restored ids (SQLite needs nothing)."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, Integer):
                continue
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                    f'COALESCE(MAX("{column.name}"), 1), MAX("{column.name}") IS NOT NULL) '
                    f'FROM "{table.name}"'
                ),
                {"table": table.name, "column": column.name},
            )
