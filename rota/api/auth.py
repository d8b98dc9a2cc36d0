"""Token authentication for the API: a thin decorator around `access.live_token`."""

from functools import wraps

from flask import g, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from rota.auth.access import live_token


def bearer(environ) -> str | None:
    """The secret of the request's `Authorization: Bearer <secret>` header, if it has one."""
    scheme, _sep, secret = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else None


def token_required(scope: str):
    """Run the endpoint only with a live bearer token that may use `scope` now (in
    `g.api_token`, a `tokens.Grant`): not revoked, its person still active and still offered
    the scope by their role (`policy.usable_scopes`, checked at every use against this worker's
    hot answer, rota.hot); otherwise a 401 (JSON, see rota.api.errors) that names the scope."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            token = live_token(bearer(request.environ), scope)
            if token is None:
                raise Unauthorized(
                    f"Send `Authorization: Bearer <token>` with a live API token that has the "
                    f"scope `{scope}`.",
                    www_authenticate=WWWAuthenticate("bearer", {"scope": scope}),
                )
            g.api_token = token
            return view(*args, **kwargs)

        return wrapped

    return decorator
