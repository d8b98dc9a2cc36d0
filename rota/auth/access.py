"""Permission checks for pages (roles) and for feed URLs (feed tokens).

Thin wrappers: the rules themselves are in `rota.auth.policy`.
"""

from dataclasses import replace
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from rota import hot
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


def live_token(secret: str | None, scope: str) -> tokens.Grant | None:
    """The live token behind `secret` that may use `scope` now, as this worker last checked it
    (rota.hot: a revocation, a person's deactivation or new role empties the check). Its use
    is recorded at most every USE_RECORD_INTERVAL, in a short transaction of its own."""
    if not secret:
        return None
    key, answers, now = token_key(secret, scope), hot.cache(), utcnow()
    checked = answers.generation
    token = answers.answer(key, now, lambda: (tokens.authenticate(db.session, secret, scope), None))
    if token is not None and tokens.use_is_stale(token, now):
        tokens.record_use(db.session, token, now)
        db.session.commit()
        # recorded now, by this request or (within the interval) by another worker's
        token = replace(token, last_used_at=now)
        answers.keep(key, token, now, generation=checked)
    return token


def token_key(secret: str, scope: str) -> tuple:
    """The key of a token's check among the worker's hot answers: its secret's hash, never the
    secret."""
    return ("token", tokens.hash_secret(secret), scope)


def feed_token(secret: str, scope: str = policy.TokenScope.FEEDS) -> tokens.Grant:
    """The live token behind a feed URL, or 404 (revoked and unknown look the same)."""
    token = live_token(secret, scope)
    if token is None:
        abort(404)
    return token
