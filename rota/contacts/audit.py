"""Contacts for integrations and audits: changed since an instant, paged by a keyset cursor."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, joinedload

from rota.auth import policy
from rota.auth.tokens import Grant
from rota.contacts.models import Contact
from rota.contacts.queue.service import in_scope, message_counts


@dataclass(frozen=True)
class Page:
    """One page of contacts, their message counts, and whether more follow the last one."""

    contacts: list
    counts: dict
    more: bool


def contacts_page(
    session: Session,
    token: Grant,
    *,
    since: datetime | None,
    after: tuple[datetime, int] | None,
    limit: int,
) -> Page:
    """Contacts the token may see, changed at or after `since` and after the (updated_at, id)
    of `after`, oldest change first; at most `limit`."""
    query = select(Contact).where(in_scope(policy.token_contact_scope(token.holder)))
    if since is not None:
        query = query.where(Contact.updated_at >= since)
    if after is not None:
        at, last_id = after
        query = query.where(
            or_(Contact.updated_at > at, and_(Contact.updated_at == at, Contact.id > last_id))
        )
    query = query.options(joinedload(Contact.owner), joinedload(Contact.organisation))
    rows = list(session.scalars(query.order_by(Contact.updated_at, Contact.id).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, message_counts(session, [c.id for c in rows]), more)
