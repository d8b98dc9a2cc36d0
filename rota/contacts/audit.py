"""Contacts for integrations and audits: changed since an instant, paged by a keyset cursor."""

import base64
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, joinedload

from rota.auth import policy, tokens
from rota.auth.models import ApiToken
from rota.contacts.models import Contact
from rota.contacts.queue.service import in_scope, message_counts
from rota.errors import DomainError
from rota.instants import parse_instant

MAX_LIMIT = 500
DEFAULT_LIMIT = 100


@dataclass(frozen=True)
class Page:
    """One page of contacts, their message counts and the cursor of the next page (or None)."""

    contacts: list
    counts: dict
    next_cursor: str | None


def encode_cursor(contact: Contact) -> str:
    """An opaque cursor pointing just after `contact` in (updated_at, id) order."""
    text = f"{contact.updated_at.isoformat()}|{contact.id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (updated_at, id) a cursor points after; DomainError when it was not ours."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, _sep, contact_id = text.partition("|")
        return datetime.fromisoformat(moment), int(contact_id)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DomainError(_l("cursor is not one this API gave out."), "cursor") from exc


def _limit(raw: str | None) -> int:
    limit = int(raw) if raw and raw.isdigit() else (DEFAULT_LIMIT if raw is None else 0)
    if not 1 <= limit <= MAX_LIMIT:
        raise DomainError(_l("limit must be a number from 1 to %(max)s.", max=MAX_LIMIT), "limit")
    return limit


def contacts_page(
    session: Session, token: ApiToken, since: str | None, cursor: str | None, limit: str | None
) -> Page:
    """Contacts the token may see, changed at or after `since`, oldest change first."""
    limit = _limit(limit)
    query = select(Contact).where(in_scope(policy.token_contact_scope(tokens.holder(token))))
    if since:
        query = query.where(Contact.updated_at >= parse_instant(since, "since"))
    if cursor:
        at, last_id = decode_cursor(cursor)
        query = query.where(
            or_(Contact.updated_at > at, and_(Contact.updated_at == at, Contact.id > last_id))
        )
    query = query.options(joinedload(Contact.owner), joinedload(Contact.organisation))
    rows = list(session.scalars(query.order_by(Contact.updated_at, Contact.id).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(
        rows,
        message_counts(session, [c.id for c in rows]),
        encode_cursor(rows[-1]) if more else None,
    )
