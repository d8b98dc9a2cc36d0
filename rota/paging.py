"""Keyset pagination: a page of a list ordered by (instant, id), the links to the pages either
side as cursors, and the list's size from a COUNT query. Growing lists (queues, mail problems,
people, tokens) are read a page at a time, so a page costs the same with ten rows or ten
thousand (tests/perf)."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_
from sqlalchemy.orm import Session
from werkzeug.exceptions import BadRequest

from rota.errors import DomainError

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MICROSECOND = timedelta(microseconds=1)
CURSOR = re.compile(r"([ab])(-?\d{1,20})\.(\d{1,19})")
BAD_CURSOR = _l("This page link is not valid any more. Go back to the first page of the list.")


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after (forward) or before (back) the row with this key and id."""

    forward: bool
    key: datetime
    id: int

    def __str__(self) -> str:
        micros = (self.key - EPOCH) // ONE_MICROSECOND
        return f"{'a' if self.forward else 'b'}{micros}.{self.id}"


def cursors(args, names) -> dict[str, Cursor | None]:
    """The cursor of each named list from a request's query string (`?mine=a…`); a mangled
    one answers 400 with a message that says what to do."""
    try:
        return {name: parse_cursor(args.get(name)) for name in names}
    except DomainError as error:
        raise BadRequest(str(error.user_message)) from error


def parse_cursor(text: str | None) -> Cursor | None:
    """A cursor from a page link; None for the first page; DomainError for a mangled one."""
    if not text:
        return None
    match = CURSOR.fullmatch(text)
    if match is None:
        raise DomainError(BAD_CURSOR)
    key = EPOCH + timedelta(microseconds=int(match[2]))
    return Cursor(match[1] == "a", key, int(match[3]))


@dataclass
class Page:
    """Rows of one page, the total in the list, and cursors to the next and previous pages."""

    rows: list
    total: int
    next: str | None = None
    prev: str | None = None

    def __iter__(self):
        return iter(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)


def count(session: Session, query) -> int:
    """How many rows a select of one entity would return, by a COUNT query (index-only where
    an index covers its conditions)."""
    counted = query.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
    return session.scalar(counted)


def keyset_page(
    session: Session,
    query,
    key,
    id_column,
    cursor: Cursor | None,
    size: int,
    *,
    newest_first: bool = False,
    total: bool = True,
) -> Page:
    """One page of `query` ordered by (`key`, `id_column`) (descending if `newest_first`),
    starting at `cursor`; the total by COUNT unless `total` is False (then -1)."""
    forward = cursor is None or cursor.forward
    ascending = forward != newest_first  # read direction
    listed = count(session, query) if total else -1
    if cursor is not None:
        beyond = (key > cursor.key) if ascending else (key < cursor.key)
        tie = (id_column > cursor.id) if ascending else (id_column < cursor.id)
        query = query.where(or_(beyond, and_(key == cursor.key, tie)))
    order = (key, id_column) if ascending else (key.desc(), id_column.desc())
    rows = list(session.scalars(query.order_by(*order).limit(size + 1)).unique())
    more = len(rows) > size
    rows = rows[:size] if forward else list(reversed(rows[:size]))
    page = Page(rows, listed)
    if rows:
        first, last = rows[0], rows[-1]
        if more if forward else cursor is not None:
            page.next = str(Cursor(True, getattr(last, key.key), last.id))
        if cursor is not None if forward else more:
            page.prev = str(Cursor(False, getattr(first, key.key), first.id))
    return page
