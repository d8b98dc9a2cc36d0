"""Password reset links: signed, time-limited, and dead once the password changes."""

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from rota.members.models import User

SALT = "password-reset"


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def make_reset_token(user: User, secret_key: str) -> str:
    """A token naming the user and a fingerprint of the current password hash."""
    return _serializer(secret_key).dumps({"id": user.id, "fp": user.password_hash[-16:]})


def user_for_reset_token(session: Session, token: str, secret_key: str, max_age: int):
    """The user a valid, unused, unexpired token was made for, else None."""
    try:
        data = _serializer(secret_key).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    user = session.get(User, data.get("id"))
    if user is None or not user.active or user.password_hash[-16:] != data.get("fp"):
        return None
    return user
