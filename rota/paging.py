"""Keyset pagination: a page of a list ordered by (instant, id), the links to the pages either
side as cursors, and the list's size from a COUNT query. Growing lists (queues, mail problems,
people, tokens) are read a page at a time, so a page costs the same with ten rows or ten
thousand (tests/perf)."""

import base64
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
CURSOR = re.compile(r"([ab])(t-?\d{1,20}|s[A-Za-z0-9_=-]{0,700})\.(\d{1,19})")
BAD_CURSOR = _l("This page link is not valid any more. Go back to the first page of the list.")


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after (forward) or before (back) the row with this key (an instant
    or a text) and id."""

    forward: bool
    key: datetime | str
    id: int

    def __str__(self) -> str:
        if isinstance(self.key, datetime):
            key = f"t{(self.key - EPOCH) // ONE_MICROSECOND}"
        else:
            key = "s" + base64.urlsafe_b64encode(self.key.encode()).decode()
        return f"{'a' if self.forward else 'b'}{key}.{self.id}"


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
    kind, value = match[2][0], match[2][1:]
    try:
        key = (
            EPOCH + timedelta(microseconds=int(value))
            if kind == "t"
            else base64.urlsafe_b64decode(value).decode()
        )
    except (ValueError, OverflowError) as error:
        raise DomainError(BAD_CURSOR) from error
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


def counted(query):
    """The COUNT query of a select of one entity (index-only where an index covers its
    conditions)."""
    return query.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)


def count(session: Session, query) -> int:
    """How many rows a select of one entity would return, by a COUNT query (counted)."""
    return session.scalar(counted(query))


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
    entities: bool = True,
) -> Page:
    """One page of `query` ordered by (`key`, `id_column`) (descending if `newest_first`),
    starting at `cursor`; the total by COUNT unless `total` is False (then -1). `key` may be
    an expression (lower(name)): its value is read with the rows. With `entities` the rows are
    the query's one entity, else its rows of columns (one of them `id`). The COUNT comes with
    the rows, as a subquery of the same statement (one round trip); a page past the end reads
    it alone."""
    keyed = keyset_select(
        query, key, id_column, cursor, size, newest_first=newest_first, total=total
    )
    return read_page(session, keyed, cursor, size, total=total, entities=entities, whole=query)


def keyset_select(
    query, key, id_column, cursor: Cursor | None, size: int, *, newest_first=False, total=True
):
    """The statement keyset_page reads (read_page reads it): `size` + 1 rows of `query` from
    `cursor` with each one's key, and the list's total. A list whose first page is read again
    and again may keep its statement: building one costs about as much as reading it."""
    forward = cursor is None or cursor.forward
    ascending = forward != newest_first  # read direction
    whole, columns = query, [key.label("page_key")]
    if total:  # not correlated: the subquery counts the whole list on its own
        columns.append(counted(whole).correlate(None).scalar_subquery().label("page_total"))
    if cursor is not None:
        beyond = (key > cursor.key) if ascending else (key < cursor.key)
        tie = (id_column > cursor.id) if ascending else (id_column < cursor.id)
        query = query.where(or_(beyond, and_(key == cursor.key, tie)))
    order = (key, id_column) if ascending else (key.desc(), id_column.desc())
    return query.add_columns(*columns).order_by(*order).limit(size + 1)


def read_page(
    session: Session,
    keyed,
    cursor: Cursor | None,
    size: int,
    *,
    total=True,
    entities=True,
    whole=None,
) -> Page:
    """The page a keyset_select statement `keyed` reads from `cursor` (as keyset_page says);
    `whole`, the list's query, is counted alone when a page past the end has no rows."""
    forward = cursor is None or cursor.forward
    result = session.execute(keyed)
    found = list(result.unique() if entities else result)  # rows of columns are each one row
    listed = -1
    if total:
        listed = found[0].page_total if found else count(session, whole) if cursor else 0
    more = len(found) > size
    found = found[:size] if forward else list(reversed(found[:size]))
    page = Page([row[0] if entities else row for row in found], listed)
    if found:
        first, last = page.rows[0], page.rows[-1]
        if more if forward else cursor is not None:
            page.next = str(Cursor(True, found[-1].page_key, last.id))
        if cursor is not None if forward else more:
            page.prev = str(Cursor(False, found[0].page_key, first.id))
    return page
