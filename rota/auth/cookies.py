"""Flask's signed-cookie session (it holds the sign-in session's secret and the CSRF secret)
and Flask-Login's remember cookie, made cheap for the requests that carry neither: machines
calling the API, feed readers, health checks.

Flask builds a new signer for every request, and itsdangerous then serialises an empty dict to
learn the serialiser's type; here the signer is built once per set of keys, and a request
without the cookie opens an empty session without one; an empty session nobody read or wrote
is not saved (Flask would read seven cookie settings to do nothing). Flask-Login looks into
the session after every request for a remember cookie to set or clear; without a sign-in
cookie or a sign-in there is none.
"""

from flask import current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import COOKIE_NAME, LoginManager


class CookieSession(SecureCookieSessionInterface):
    """`SecureCookieSessionInterface` with its signer kept while the secret keys stay the same."""

    def __init__(self):
        self._keys: tuple | None = None
        self._signer = None

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if keys != self._keys:
            self._keys, self._signer = keys, super().get_signing_serializer(app)
        return self._signer

    def open_session(self, app, request):
        if "HTTP_COOKIE" not in request.environ:  # cookies not even parsed
            return self.session_class() if app.secret_key else None
        if self.get_signing_serializer(app) is None:
            return None
        if not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if session or session.modified or session.accessed:
            super().save_session(app, session, response)


class SignIns(LoginManager):
    """Flask-Login's manager, its after-request look for a remember cookie to set or clear
    skipped when the request brought no sign-in cookie and nobody was signed in, out or loaded
    (Flask-Login keeps that person in `g._login_user`): the session then holds no such order,
    and looking would mark it read (Flask then answers `Vary: Cookie` and saves it)."""

    def _update_remember_cookie(self, response):
        if "_login_user" not in g and not carries_sign_in():
            return response
        return super()._update_remember_cookie(response)


def carries_sign_in() -> bool:
    """Whether the request has a session or remember cookie: without either nobody is signed
    in, and Flask-Login need not be asked (machines calling the API, feed readers)."""
    asked = request._get_current_object()
    if "HTTP_COOKIE" not in asked.environ:  # not even parsed
        return False
    config, cookies = current_app.config, asked.cookies
    return (
        config["SESSION_COOKIE_NAME"] in cookies
        or config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in cookies
    )
