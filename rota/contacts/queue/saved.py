"""Saved replies: canned answers per language, ring-wide or one organisation's. Flushes."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, case, or_, select
from sqlalchemy.orm import Session, joinedload

from rota.auth import policy
from rota.contacts.models import Contact, SavedReply
from rota.contacts.queue.service import fresh
from rota.errors import DomainError, NotFound
from rota.members.models import Role, User

LANGUAGES = ("fi", "sv", "en")
NOT_YOURS = _l("No such saved reply, or it is not yours to change.")


def manageable(session: Session, actor: User) -> list[SavedReply]:
    """The saved replies a person sees on the management page: the coordinator all of them; an
    organisation admin the ring's (to read) and their organisation's."""
    query = select(SavedReply).options(joinedload(SavedReply.organisation))
    if actor.role != Role.COORDINATOR:
        query = query.where(
            or_(
                SavedReply.organisation_id.is_(None),
                SavedReply.organisation_id == actor.organisation_id,
            )
        )
    order = (SavedReply.organisation_id.is_not(None), SavedReply.language, SavedReply.title)
    return list(session.scalars(query.order_by(*order, SavedReply.id)))


# the ring's saved replies and those of the organisations in "owners", those in "language"
# first: built once
USABLE = (
    select(SavedReply.id, SavedReply.title, SavedReply.language, SavedReply.text)
    .where(
        or_(
            SavedReply.organisation_id.is_(None),
            SavedReply.organisation_id.in_(bindparam("owners", expanding=True)),
        )
    )
    .order_by(
        case((SavedReply.language == bindparam("language"), 0), else_=1),
        SavedReply.language,
        SavedReply.title,
        SavedReply.id,
    )
)


def usable(session: Session, viewer: User, contact: Contact, keep=fresh) -> list:
    """The saved replies for this contact's reply box, the contact's language first: rows of
    their id, title, language and text (shared: read them, never change them), read by
    `keep(key, read)` (see queue.queues) under a key of the organisations and language."""
    owners = policy.saved_reply_organisations(viewer, contact.organisation_id)
    ids = sorted(o for o in owners if o is not None)
    language = contact.language or ""
    params = {"owners": ids, "language": language}
    return keep(
        ("saved replies", tuple(ids), language),
        lambda: (session.execute(USABLE, params).all(), None),
    )


def get_usable(session: Session, viewer: User, contact: Contact, reply_id: int):
    """One saved reply the viewer may use on the contact (a row of `usable`), or NotFound."""
    for reply in usable(session, viewer, contact):
        if reply.id == reply_id:
            return reply
    raise NotFound(_l("No such saved reply."))


def get_own(session: Session, actor: User, reply_id: int) -> SavedReply:
    """A saved reply the actor may change, or NotFound (others' look like missing ones)."""
    reply = session.get(SavedReply, reply_id)
    if reply is None or not policy.may_manage_saved_replies(actor, reply.organisation_id):
        raise NotFound(NOT_YOURS)
    return reply


def _fill(actor: User, reply: SavedReply, *, organisation_id, language, title, text, now) -> None:
    if not policy.may_manage_saved_replies(actor, organisation_id):
        raise DomainError(
            _l("Only the coordinator keeps ring-wide saved replies. Choose your organisation."),
            "organisation_id",
        )
    if language not in LANGUAGES:
        raise DomainError(_l("Choose the language of the reply."), "language")
    if not (title or "").strip() or not (text or "").strip():
        raise DomainError(_l("Give the saved reply a name and a text."), "title")
    reply.organisation_id, reply.language = organisation_id, language
    reply.title, reply.text, reply.updated_at = title.strip(), text.strip(), now


def create(session: Session, actor: User, *, now: datetime, **fields) -> SavedReply:
    """A new saved reply (organisation_id None: ring-wide)."""
    reply = SavedReply()
    _fill(actor, reply, now=now, **fields)
    session.add(reply)
    session.flush()
    return reply


def update(session: Session, actor: User, reply_id: int, *, now: datetime, **fields) -> SavedReply:
    """Change a saved reply the actor keeps (also its owner, within what they may keep)."""
    reply = get_own(session, actor, reply_id)
    _fill(actor, reply, now=now, **fields)
    session.flush()
    return reply


def delete(session: Session, actor: User, reply_id: int) -> None:
    """Remove a saved reply the actor keeps."""
    session.delete(get_own(session, actor, reply_id))
    session.flush()
