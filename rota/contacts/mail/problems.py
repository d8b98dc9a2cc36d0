"""Mail problems: the raw messages that could not be ingested, for the coordinator to act on."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import compat32

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rota.contacts.mail.ingest import ingest_raw
from rota.contacts.mail.mime.decode import decode_words, parse_addresses
from rota.contacts.models import RawMessage, RawStatus
from rota.errors import DomainError, NotFound
from rota.paging import Cursor, Page, keyset_page


def reprocess(session: Session, raw_id: int, config: Mapping, now: datetime):
    """Try a failed message again (after a parser fix); what became of it (the ingest outcome)."""
    raw = session.get(RawMessage, raw_id)
    if raw is None:  # the list the coordinator saw is stale: say so on the list
        raise DomainError(_l("That message is not in the list any more. Reload the page."))
    if raw.status != RawStatus.FAILED:
        raise DomainError(_l("This message was already ingested. Reload the page to see the list."))
    if raw.size > len(raw.data or b""):
        raise DomainError(
            _l(
                "Only the header of this message was kept because it is over the size limit. "
                "Open it in the shared mailbox with an e-mail program."
            )
        )
    raw.status = RawStatus.PENDING
    session.flush()
    return ingest_raw(session, raw.id, config, now)


def raw_message(session: Session, raw_id: int) -> RawMessage:
    """A stored raw message with its bytes (to download), or NotFound."""
    raw = session.get(RawMessage, raw_id)
    if raw is None or raw.data is None:
        raise NotFound(_l("There is nothing here. Check the address."))
    return raw


def describe(row) -> dict:
    """A failed row for the page: id, date, size, reason, and sender/subject when readable."""
    sender = subject = ""
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(bytes(row.head or b""))
        found = parse_addresses(headers.get("from"))
        sender = found[0][1] if found else ""
        subject = decode_words(headers.get("subject") or "")
    except Exception:  # the header block is what failed; the page shows the reason instead
        pass
    return {
        "id": row.id,
        "fetched_at": row.fetched_at,
        "size": row.size,
        "error": row.error,
        "sender": sender,
        "subject": subject,
    }


PAGE_SIZE = 50  # failed messages on a page of the list


def failed_messages(session: Session, cursor: Cursor | None = None) -> Page:
    """A page of the failed raw messages, newest first, with only their first bytes loaded."""
    head = func.substr(RawMessage.data, 1, 4096).label("head")
    query = select(
        RawMessage.id, RawMessage.fetched_at, RawMessage.size, RawMessage.error, head
    ).where(RawMessage.status == RawStatus.FAILED)
    return keyset_page(
        session,
        query,
        RawMessage.fetched_at,
        RawMessage.id,
        cursor,
        PAGE_SIZE,
        newest_first=True,
        entities=False,
    )
