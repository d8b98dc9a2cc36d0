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


# The start of a stored failure reason -> (what a coordinator reads, whether re-processing can help).
# A message over the size limit or one that is not an e-mail fails the same way every time; a
# failure of our own code may be fixed by an update, so only that one offers "re-process".
REASONS = (
    (
        "over the size limit",
        _l(
            "The message is over the size limit: only its header was kept. Open it in the shared mailbox with an e-mail program."
        ),
        False,
    ),
    (
        "only the header",
        _l(
            "Only the header of the message was kept. Open it in the shared mailbox with an e-mail program."
        ),
        False,
    ),
    (
        "cannot be read as an e-mail: unexpected",
        _l(
            "The program failed while reading this message. Re-process it after the next update, or download it."
        ),
        True,
    ),
    (
        "cannot be read as an e-mail",
        _l(
            "This is not a readable e-mail message (it is empty, has no header or is broken). Download it to look at it."
        ),
        False,
    ),
    (
        "ingest failed",
        _l(
            "The program failed while turning this message into a contact. Re-process it after the next update, or download it."
        ),
        True,
    ),
)
UNKNOWN_REASON = _l("The message could not be turned into a contact. Download it to look at it.")


def reason_of(error: str | None) -> tuple[str, bool]:
    """What a coordinator reads about a stored failure, and whether re-processing can help."""
    for start, text, retry in REASONS:
        if (error or "").startswith(start):
            return text, retry
    return UNKNOWN_REASON, True


def describe(row) -> dict:
    """A failed row for the page: id, date, size, reason, and sender/subject when readable."""
    sender = subject = ""
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(bytes(row.head or b""))
        raw = {name.lower(): value for name, value in reversed(list(headers.raw_items()))}
        found = parse_addresses(raw.get("from"))
        sender = found[0][1] if found else decode_words(raw.get("from") or "")
        subject = decode_words(raw.get("subject") or "")
    except Exception:  # the header block is what failed; the page shows the reason instead
        pass
    reason, retry = reason_of(row.error)
    return {
        "id": row.id,
        "fetched_at": row.fetched_at,
        "size": row.size,
        "error": row.error,
        "reason": reason,
        "retry": retry,
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
