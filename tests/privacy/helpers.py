"""Helpers for the privacy tests: a report-style count and a search of every stored value."""

import json

from sqlalchemy import extract, func, select

from rota.contacts.models import Contact
from rota.extensions import db


def contacts_per_channel_and_month() -> list[tuple]:
    """The figure a report shows: contacts per channel per month, counted in SQL."""
    year, month = extract("year", Contact.received_at), extract("month", Contact.received_at)
    query = (
        select(Contact.channel, year, month, func.count(Contact.id))
        .group_by(Contact.channel, year, month)
        .order_by(Contact.channel, year, month)
    )
    return [tuple(row) for row in db.session.execute(query)]


def _as_bytes(value) -> bytes:
    if isinstance(value, bytes | memoryview):
        return bytes(value).lower()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False).lower().encode()
    return str(value).lower().encode()


def found_in_tables(needles) -> list[str]:
    """Where (table.column) any of the needles (str or bytes, any case) is stored, anywhere."""
    wanted = [n.lower().encode() if isinstance(n, str) else n.lower() for n in needles]
    hits = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).mappings():
            for column, value in row.items():
                if value is None:
                    continue
                stored = _as_bytes(value)
                hits += [f"{table.name}.{column}: {n!r}" for n in wanted if n in stored]
    return hits


def found_in_files(paths, needles) -> list[str]:
    """Which needles (str or bytes) occur in the bytes of these files (any that exist)."""
    wanted = [n.encode() if isinstance(n, str) else n for n in needles]
    hits = []
    for path in paths:
        if path.exists():
            content = path.read_bytes()
            hits += [f"{path.name}: {n!r}" for n in wanted if n in content]
    return hits
