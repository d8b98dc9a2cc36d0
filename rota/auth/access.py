"""Permission checks for pages (roles, organisation scope) and for feed URLs (feed tokens)."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from rota.auth import tokens
from rota.db import utcnow
from rota.extensions import db
from rota.members.models import Role


def role_required(*roles: Role):
    """Allow a page only to signed-in people with one of `roles` (403 for the others)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def can_manage_org(user, organisation_id: int | None) -> bool:
    """The coordinator manages every organisation; an organisation admin only their own."""
    if user.role == Role.COORDINATOR:
        return True
    return user.role == Role.ORG_ADMIN and organisation_id == user.organisation_id


def require_org(organisation_id: int | None):
    """404 unless the signed-in person manages this organisation (no hint it exists)."""
    if not can_manage_org(current_user, organisation_id):
        abort(404)


def feed_token(secret: str, scope: str = "feeds:read"):
    """The live token behind a feed URL, or 404 (revoked and unknown look the same)."""
    token = tokens.authenticate(db.session, secret, scope, utcnow())
    if token is None:
        abort(404)
    db.session.commit()
    return token
