"""Use cases for API tokens: create (secret shown once), authenticate, list, revoke."""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session

from rota.auth import policy
from rota.auth.models import ApiToken
from rota.errors import DomainError, NotFound
from rota.members.models import Organisation, User

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


def authenticate(
    session: Session, secret: str | None, scope: str, now: datetime
) -> ApiToken | None:
    """The live token with this secret that may use `scope` now (policy.usable_scopes: its
    person active and offered the scope), its use recorded; None otherwise."""
    if not secret or not secret.startswith(SECRET_PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    if token is None or token.revoked_at is not None or scope not in token.usable_scopes:
        return None
    if token.last_used_at is None or now - token.last_used_at >= USE_RECORD_INTERVAL:
        token.last_used_at = now
        session.flush()
    return token


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


def visible_tokens(session: Session, viewer: User) -> list[ApiToken]:
    """Tokens the viewer may see: all for the coordinator; an organisation admin's own, their
    organisation's and its people's; anyone else's own."""
    query = select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
    return list(session.scalars(query.where(_in_scope(policy.token_scope(viewer)))))


def revoke(session: Session, viewer: User, token_id: int, now: datetime) -> ApiToken:
    """Revoke a token the viewer may see; revoking twice keeps the first time."""
    token = next((t for t in visible_tokens(session, viewer) if t.id == token_id), None)
    if token is None:
        raise NotFound(_l("No such token."))
    if token.revoked_at is None:
        token.revoked_at = now
    session.flush()
    return token
