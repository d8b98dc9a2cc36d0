"""Calendar feeds of the rota: who may read which feed, cheap HTTP validators, the calendar.

A feed is the whole ring, one organisation's shifts or one counsellor's shifts, from the start
of the local day 30 days back to the end of the generated rota. The public variant of the ring
feed names organisations only. ETag and Last-Modified come from one aggregate query (count and
newest `updated_at` of the shifts in the window), so a conditional request never loads a shift.
"""

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rota.auth import policy, tokens
from rota.auth.models import ApiToken
from rota.errors import NotFound
from rota.members.models import Organisation, User
from rota.members.service import organisations_by_name
from rota.schedule.feeds.ical import (
    FeedEvent,
    FeedOptions,
    feed_window,
    render_calendar,
    render_event_file,
)
from rota.schedule.feeds.text import Ring, shift_event, texts_for
from rota.schedule.models import Shift

log = logging.getLogger(__name__)

# Part of every ETag: bump it when the same shifts start to render differently.
FORMAT_VERSION = 1
NO_SUCH_FEED = _l("No such calendar feed. Ask for a new subscription link.")


class FeedKind(StrEnum):
    """What a feed covers."""

    RING = "ring"
    ORGANISATION = "organisation"
    PERSON = "person"


@dataclass(frozen=True)
class Feed:
    """One feed as asked for: what it covers, its title, language, reminder and window."""

    kind: FeedKind
    target_id: int | None
    title: str
    public: bool
    locale: str
    alarm_minutes: int | None
    window_start: datetime
    window_moved_at: datetime


@dataclass(frozen=True)
class Validators:
    """The feed's HTTP validators: a strong ETag (unquoted) and Last-Modified (whole seconds)."""

    etag: str
    last_modified: datetime


def may_read(session: Session, token: ApiToken, kind: FeedKind, target_id: int | None) -> bool:
    """Whether a live feeds token may read a feed (the rules are in `rota.auth.policy`)."""
    holder = token.holder
    if kind == FeedKind.RING:
        return policy.may_read_ring_feed(holder)
    if kind == FeedKind.ORGANISATION:
        return policy.may_read_organisation_feed(holder, target_id)
    person = session.get(User, target_id)
    return person is not None and policy.may_read_person_feed(
        holder, person.id, person.organisation_id
    )


def open_feed(session, token, kind, target_id, *, ring, now, locale, alarm_minutes) -> Feed:
    """The feed a token asks for, or NotFound.

    The ring's token and a coordinator's read every feed; a counsellor's only their own; an
    organisation admin's and an organisation's token that organisation's feed and its people's.
    The rules are `rota.auth.policy.may_read_*_feed`.
    """
    title = _title(session, kind, target_id, ring)
    if not may_read(session, token, kind, target_id):
        raise NotFound(NO_SUCH_FEED)
    return _feed(kind, target_id, title, False, locale, alarm_minutes, ring, now)


def public_feed(*, ring: Ring, now: datetime, locale: str, alarm_minutes: int | None) -> Feed:
    """The ring's public feed: organisations only, no counsellor names."""
    return _feed(FeedKind.RING, None, ring.name, True, locale, alarm_minutes, ring, now)


def validators(session: Session, feed: Feed, ring: Ring) -> Validators:
    """ETag and Last-Modified from one aggregate query, so that a 304 builds no calendar."""
    query = select(func.count(Shift.id), func.max(Shift.updated_at)).where(*_conditions(feed))
    count, newest = session.execute(query).one()
    identity = (FORMAT_VERSION, feed.kind, feed.target_id, feed.title, feed.public, feed.locale)
    identity += (feed.alarm_minutes, feed.window_start.isoformat(), count, newest, ring)
    etag = hashlib.sha256(repr(identity).encode()).hexdigest()[:40]
    # The window moving on a day changes the content too, so it counts as a modification.
    last_modified = max(moment for moment in (newest, feed.window_moved_at) if moment)
    return Validators(etag, last_modified.replace(microsecond=0))


def feed_events(session: Session, feed: Feed, ring: Ring) -> list[FeedEvent]:
    """Every shift in the feed's window as an event, cancelled ones included."""
    query = _rows().where(*_conditions(feed)).order_by(Shift.starts_at, Shift.id)
    texts = texts_for(feed.locale)
    return [shift_event(row, texts, ring, feed.public) for row in session.execute(query)]


def render_feed(session: Session, feed: Feed, ring: Ring) -> bytes:
    """The calendar of a feed: every shift in its window, cancelled ones as STATUS:CANCELLED."""
    events = feed_events(session, feed, ring)
    log.debug("feed %s/%s: %d events", feed.kind, feed.target_id, len(events))
    options = FeedOptions(
        name=feed.title,
        tz=ring.tz,
        refresh_minutes=ring.refresh_minutes,
        alarm_minutes=feed.alarm_minutes,
    )
    return render_calendar(events, options)


def shift_file(session: Session, shift_id: int, ring: Ring, locale: str) -> bytes:
    """One shift as a downloadable .ics file (with the counsellor's name), or NotFound."""
    row = session.execute(_rows().where(Shift.id == shift_id)).one_or_none()
    if row is None:
        raise NotFound(_l("No such shift. It may have been removed; check the rota."))
    event = shift_event(row, texts_for(locale), ring, public=False)
    return render_event_file(event, FeedOptions(name=ring.name, tz=ring.tz))


def create_subscription(
    session: Session, *, created_by: User, organisation: Organisation | None = None
) -> str:
    """A new feeds:read token for the person (or their organisation); returns its secret."""
    name = _l("Calendar subscription") if organisation is None else _l("Organisation calendar")
    _token, secret = tokens.create_token(
        session,
        name=str(name),
        scopes=[policy.TokenScope.FEEDS],
        user=None if organisation is not None else created_by,
        organisation=organisation,
        created_by=created_by,
    )
    return secret


def managed_organisations(session: Session, user: User) -> list[Organisation]:
    """Organisations whose feed the person may hand out: all (coordinator), own (admin)."""
    return organisations_by_name(session, policy.management_scope(user))


def _title(session: Session, kind: FeedKind, target_id: int | None, ring: Ring) -> str:
    if kind == FeedKind.RING:
        return ring.name
    target = session.get(Organisation if kind == FeedKind.ORGANISATION else User, target_id)
    if target is None:
        raise NotFound(NO_SUCH_FEED)
    return f"{ring.name} – {target.name}"


def _feed(kind, target_id, title, public, locale, alarm_minutes, ring, now) -> Feed:
    zone = ZoneInfo(ring.tz)
    back, _end = feed_window(now, now)
    day = back.astimezone(zone).date()
    start = datetime.combine(day, time(), zone).astimezone(UTC)
    moved_at = start + (now - back)
    return Feed(kind, target_id, title, public, locale, alarm_minutes, start, moved_at)


def _conditions(feed: Feed) -> list:
    conditions = [Shift.not_over(feed.window_start)]
    if feed.kind == FeedKind.ORGANISATION:
        conditions.append(Shift.organisation_id == feed.target_id)
    elif feed.kind == FeedKind.PERSON:
        conditions.append(Shift.counsellor_id == feed.target_id)
    return conditions


def _rows():
    return (
        select(
            Shift.channel,
            Shift.language,
            Shift.starts_at,
            Shift.ends_at,
            Shift.status,
            Shift.sequence,
            Shift.created_at,
            Shift.updated_at,
            Organisation.name.label("organisation"),
            User.name.label("counsellor"),
        )
        .join(Organisation, Shift.organisation_id == Organisation.id)
        .outerjoin(User, Shift.counsellor_id == User.id)
    )
