"""Use cases for API tokens: create (secret shown once), authenticate, list, revoke."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, true, update
from sqlalchemy.orm import Session, joinedload, selectinload

from rota.auth import policy
from rota.auth.models import ApiToken
from rota.db import BOOKKEEPING
from rota.errors import DomainError, NotFound
from rota.members.models import Organisation, Role, User
from rota.paging import Cursor, Page, keyset_page

SECRET_PREFIX = "rota_"
# "last used" is recorded at most this often, so a calendar polling a feed does not write each time
USE_RECORD_INTERVAL = timedelta(minutes=5)


def hash_secret(secret: str) -> str:
    """The stored form of a token secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    session: Session,
    *,
    name: str,
    scopes,
    user: User | None = None,
    organisation: Organisation | None = None,
    created_by: User | None = None,
) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is never stored or shown again.

    A person gives only the scopes their role is offered (policy.offered_scopes); the
    operator's command line (no `created_by`) any.
    """
    scopes = list(dict.fromkeys(scopes))
    allowed = policy.offered_scopes(created_by.role) if created_by else tuple(policy.TokenScope)
    if not scopes or any(scope not in allowed for scope in scopes):
        raise DomainError(
            _l("Choose one or more of these scopes: %(scopes)s.", scopes=", ".join(allowed)),
            "scopes",
        )
    if lone := policy.combination_problem(scopes):
        raise DomainError(
            _l(
                "A calendar token (%(scope)s) carries no other scope: its secret travels in "
                "calendar links. Make a separate token for the rest.",
                scope=lone,
            ),
            "scopes",
        )
    if not name or not name.strip():
        raise DomainError(_l("Give the token a name that says where it is used."), "name")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name.strip(),
        token_hash=hash_secret(secret),
        prefix=secret[: len(SECRET_PREFIX) + 4],
        scopes=" ".join(scopes),
        user=user,
        organisation=organisation,
        created_by_id=created_by.id if created_by else None,
    )
    session.add(token)
    session.flush()
    return token, secret


@dataclass(frozen=True)
class TokenPerson:
    """A token's person as the policy sees them (policy.Actor), and their language."""

    id: int
    role: Role
    organisation_id: int | None
    active: bool
    locale: str | None


@dataclass(frozen=True)
class Grant:
    """What `authenticate` decided about a token, as plain values that a worker may keep
    between requests (rota.hot): whom it speaks for, the scopes it may use now, and when its
    use was last recorded."""

    id: int
    holder: policy.TokenHolder
    usable_scopes: frozenset[str]
    last_used_at: datetime | None


def _grant(token: ApiToken) -> Grant:
    user = token.user
    person = None
    if user is not None:
        person = TokenPerson(user.id, user.role, user.organisation_id, user.active, user.locale)
    holder = policy.TokenHolder(person, token.organisation_id)
    return Grant(token.id, holder, token.usable_scopes, token.last_used_at)


def authenticate(session: Session, secret: str | None, scope: str) -> Grant | None:
    """The live token with this secret that may use `scope` now (policy.usable_scopes: its
    person active and offered the scope), in one statement and without writing; None
    otherwise. Its use is recorded by `record_use`."""
    if not secret or not secret.startswith(SECRET_PREFIX):
        return None
    query = select(ApiToken).where(ApiToken.token_hash == hash_secret(secret))
    token = session.scalar(query.options(joinedload(ApiToken.user)))
    if token is None or token.revoked_at is not None or scope not in token.usable_scopes:
        return None
    return _grant(token)


def use_is_stale(token: Grant, now: datetime) -> bool:
    """Whether the token's last use is due to be recorded (at most every USE_RECORD_INTERVAL,
    so a phone system or a calendar polling does not write on every read)."""
    return token.last_used_at is None or now - token.last_used_at >= USE_RECORD_INTERVAL


def record_use(session: Session, token: Grant | ApiToken, now: datetime) -> bool:
    """Note that the token was used at `now`, unless another request did so within the
    interval (one conditional UPDATE: of two workers that both saw it stale, one writes).
    Whether this call wrote; the caller commits it on its own, before the request's reads."""
    stale = or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - USE_RECORD_INTERVAL)
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.id == token.id, stale)
        .values(last_used_at=now)
        .execution_options(synchronize_session=False, **{BOOKKEEPING: True})
    )
    return result.rowcount == 1


def _in_scope(scope: policy.Scope):
    """SQL condition: the tokens a policy scope reaches (an organisation's: its own tokens and
    its people's)."""
    if scope.reach == policy.Reach.ALL:
        return true()
    owned = [ApiToken.user_id == scope.person_id]
    if scope.reach == policy.Reach.ORGANISATION:
        owned.append(ApiToken.organisation_id == scope.organisation_id)
        owned.append(ApiToken.user.has(User.organisation_id == scope.organisation_id))
    return or_(*owned)


PAGE_SIZE = 50  # tokens on a page of the list


def _visible(viewer: User):
    return select(ApiToken).where(_in_scope(policy.token_scope(viewer)))


def visible_tokens(session: Session, viewer: User, cursor: Cursor | None = None) -> Page:
    """A page of the tokens the viewer may see, newest first: all for the coordinator; an
    organisation admin's own, their organisation's and its people's; anyone else's own."""
    query = _visible(viewer).options(
        selectinload(ApiToken.user), selectinload(ApiToken.organisation)
    )
    return keyset_page(
        session, query, ApiToken.created_at, ApiToken.id, cursor, PAGE_SIZE, newest_first=True
    )


def revoke(session: Session, viewer: User, token_id: int, now: datetime) -> ApiToken:
    """Revoke a token the viewer may see; revoking twice keeps the first time."""
    token = session.scalar(_visible(viewer).where(ApiToken.id == token_id))
    if token is None:
        raise NotFound(_l("No such token."))
    if token.revoked_at is None:
        token.revoked_at = now
    session.flush()
    return token
