"""Flask-Login wired to server-side sessions (rota.auth.sessions).

Flask-Login's id attribute is `User.get_session_key`: the secret of the session the person was
loaded for, so that secret, not the user id, goes in the session and remember cookies.
"""

from flask import current_app, g, request, session
from flask_login import current_user, login_user, logout_user, user_loaded_from_cookie

from rota.auth import sessions
from rota.auth.cookies import CookieSession, carries_sign_in
from rota.db import utcnow
from rota.extensions import db, login


def limits() -> sessions.Limits:
    """The session limits of this app's settings."""
    return sessions.Limits.from_config(current_app.config)


def load_user(secret: str):
    """The person of a live session, with the session remembered in `g`; None otherwise."""
    row = sessions.find_live(db.session, secret, utcnow(), limits())
    if row is None:
        return None
    g.login_session = row
    row.user.session_key = secret
    return row.user


def sign_in(user, remember: bool) -> None:
    """Start a server-side session for the person and give the browser its cookies (and a new
    CSRF secret: nothing from before the sign-in carries over)."""
    g.login_session, user.session_key = sessions.start(db.session, user, utcnow(), remember)
    db.session.commit()
    session.pop("csrf_token", None)
    login_user(user, remember=remember)


def sign_out() -> None:
    """End the current session on the server and forget it in the browser."""
    sessions.end(db.session, current_session())
    db.session.commit()
    logout_user()


def current_session():
    """This browser's sign-in session (None when signed out)."""
    return g.get("login_session")


def renew_cookies(user, secret: str) -> None:
    """Give this browser cookies carrying its session's new secret (sessions.rotate)."""
    user.session_key = secret
    login_user(user, remember=g.login_session.remember, fresh=False)


def replace_key() -> None:
    """Give the current session a new secret and the browser new cookies with it."""
    user = current_user._get_current_object()
    secret = sessions.rotate(db.session, g.login_session)
    db.session.commit()
    renew_cookies(user, secret)


def _rotate_remember_cookie(_app, user) -> None:
    """A remember cookie signs a browser in once: it is replaced by a new one at once."""
    g.rotate_session = True


def _keep_session_alive():
    """Record activity of the signed-in person (and rotate a used remember cookie)."""
    if not carries_sign_in() or request.endpoint == "static" or not current_user.is_authenticated:
        return
    if g.pop("rotate_session", False):
        replace_key()
    elif sessions.touch(g.login_session, utcnow()):
        db.session.commit()


def init_app(app) -> None:
    """Load people from server-side sessions; keep sessions alive request by request."""
    app.session_interface = CookieSession()
    login.init_app(app)
    login.login_view = "auth.login"
    login.login_message_category = "info"
    login.id_attribute = "get_session_key"
    login.user_loader(load_user)
    user_loaded_from_cookie.connect(_rotate_remember_cookie, app)
    app.before_request(_keep_session_alive)
