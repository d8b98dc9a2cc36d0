"""Feed secrets, bare token rows and the days either side of the next DST changes, for the
feed, token and permission tests."""

import secrets
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from rota.auth import tokens
from rota.auth.models import ApiToken
from rota.auth.policy import TokenScope
from rota.extensions import db

HELSINKI = ZoneInfo("Europe/Helsinki")
# every scope an API token may carry together (a calendar token carries feeds:read alone)
API_SCOPES = tuple(scope for scope in TokenScope if scope != TokenScope.FEEDS)


def feed_secret(scopes=("feeds:read",), **owner) -> str:
    """A new token's secret, owned by user= or organisation=."""
    _token, secret = tokens.create_token(db.session, name="Calendar", scopes=scopes, **owner)
    return secret


def stored_token(scopes: str, **owner) -> str:
    """The secret of a token stored as a bare row with these scopes (space-separated), as if
    made before the scope rules or before its person's role changed."""
    secret = f"rota_{secrets.token_urlsafe(16)}"
    hashed = tokens.hash_secret(secret)
    db.session.add(
        ApiToken(name=scopes, token_hash=hashed, prefix=secret[:9], scopes=scopes, **owner)
    )
    return secret


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def days_around_dst(today: date) -> tuple[list[date], list[date]]:
    """(winter days, summer days) either side of the next spring and autumn changes in the EU."""
    changes = []
    for month in (3, 10):
        change = _last_sunday(today.year, month)
        changes.append(change if change > today else _last_sunday(today.year + 1, month))
    spring, autumn = changes
    one = timedelta(days=1)
    return [spring - one, autumn + one], [spring + one, autumn - one]
