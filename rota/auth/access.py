"""Permission checks for pages (roles) and for feed URLs (feed tokens).

Thin wrappers: the rules themselves are in `rota.auth.policy`.
"""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from rota.auth import policy, tokens
from rota.db import utcnow
from rota.extensions import db
from rota.members.models import Role


def role_required(*roles: Role):
    """Allow a page only to signed-in people with one of `roles` (403 for the others)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not policy.has_role(current_user, roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def feed_token(secret: str, scope: str = policy.TokenScope.FEEDS):
    """The live token behind a feed URL, or 404 (revoked and unknown look the same)."""
    now = utcnow()
    token = tokens.authenticate(db.session, secret, scope, now)
    if token is None:
        abort(404)
    if tokens.use_is_stale(token, now):  # a short transaction of its own, seldom
        tokens.record_use(db.session, token, now)
        db.session.commit()
    return token
