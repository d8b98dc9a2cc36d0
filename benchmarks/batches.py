"""Bulk loading for the benchmarks: rows from a generator, inserted a batch at a time."""

from itertools import islice

from sqlalchemy import insert


def insert_in_batches(session, model, rows, size: int) -> None:
    """Insert the row dicts `rows` into `model`'s table, `size` at a time, then commit."""
    rows = iter(rows)
    while batch := list(islice(rows, size)):
        session.execute(insert(model), batch)
    session.commit()
