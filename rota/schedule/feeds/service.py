"""Calendar feeds of the rota: who may read which feed, cheap HTTP validators, the calendar.

A feed is the whole ring, one organisation's shifts or one counsellor's shifts, from the start
of the local day 30 days back to the end of the generated rota. The public variant of the ring
feed names organisations only. A counsellor's own feed keeps every shift they were ever named to
(their history says so): one that left them shows as cancelled there, its SEQUENCE growing with
each change, for the rest of its window.

Feeds never lie: ETag and Last-Modified come from one aggregate query over what the calendar
renders (count and newest `updated_at` of the shifts in the window, and of the organisations and
people named on them) plus the feed's own title; an organisation's feed also counts the shifts
that left it, so Last-Modified never goes backwards. A conditional request never loads a shift.
"""

import hashlib
import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from rota.auth import policy, tokens
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
from rota.schedule.models import Shift, ShiftChange, ShiftStatus

log = logging.getLogger(__name__)

# Part of every ETag: bump it when the same shifts start to render differently.
FORMAT_VERSION = 2
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
    window_moves_at: datetime  # when the window next moves on (its start a day later)
    # when the organisation or person the feed is named after last changed
    renamed_at: datetime | None = None


@dataclass(frozen=True)
class Validators:
    """The feed's HTTP validators: a strong ETag (unquoted) and Last-Modified (whole seconds)."""

    etag: str
    last_modified: datetime


def may_read(session: Session, token: tokens.Grant, kind: FeedKind, target_id: int | None) -> bool:
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
    title, renamed_at = _title(session, kind, target_id, ring)
    if not may_read(session, token, kind, target_id):
        raise NotFound(NO_SUCH_FEED)
    feed = _feed(kind, target_id, title, False, locale, alarm_minutes, ring, now)
    return replace(feed, renamed_at=renamed_at)


def public_feed(*, ring: Ring, now: datetime, locale: str, alarm_minutes: int | None) -> Feed:
    """The ring's public feed: organisations only, no counsellor names."""
    return _feed(FeedKind.RING, None, ring.name, True, locale, alarm_minutes, ring, now)


def validators(session: Session, feed: Feed, ring: Ring) -> Validators:
    """ETag and Last-Modified from one aggregate query, so that a 304 builds no calendar.

    Both cover every name the calendar shows (organisations and counsellors change their
    `updated_at` with their name), and shifts that left the feed count as its modifications.
    """
    query = (
        select(
            func.count(Shift.id),
            func.max(Shift.updated_at),
            func.max(Organisation.updated_at),
            func.max(User.updated_at),
        )
        .join(Organisation, Shift.organisation_id == Organisation.id)
        .outerjoin(User, Shift.counsellor_id == User.id)
        .where(*_conditions(feed))
    )
    count, *moments = session.execute(query).one()
    moments += [_left_at(session, feed), feed.renamed_at]
    identity = (FORMAT_VERSION, feed.kind, feed.target_id, feed.title, feed.public, feed.locale)
    identity += (feed.alarm_minutes, feed.window_start.isoformat(), count, *moments, ring)
    etag = hashlib.sha256(repr(identity).encode()).hexdigest()[:40]
    # The window moving on a day changes the content too, so it counts as a modification.
    last_modified = max(moment for moment in (*moments, feed.window_moved_at) if moment)
    return Validators(etag, last_modified.replace(microsecond=0))


def _left_at(session: Session, feed: Feed) -> datetime | None:
    """When the last shift in the window left an organisation's feed (None: none did).

    The ring's feed keeps every shift (cancelled ones too), and a person's keeps the shifts
    that left them; an organisation's loses the shifts another one takes.
    """
    if feed.kind != FeedKind.ORGANISATION:
        return None
    query = (
        select(func.max(ShiftChange.at))
        .join(Shift, ShiftChange.shift_id == Shift.id)
        .where(
            Shift.not_over(feed.window_start),
            ShiftChange.from_organisation_id == feed.target_id,
            Shift.organisation_id != feed.target_id,
        )
    )
    return session.scalar(query)


def feed_events(session: Session, feed: Feed, ring: Ring) -> list[FeedEvent]:
    """Every shift in the feed's window as an event, cancelled ones included."""
    query = _rows(feed).where(*_conditions(feed)).order_by(Shift.starts_at, Shift.id)
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


def _title(session: Session, kind: FeedKind, target_id: int | None, ring: Ring):
    """The feed's title, and when the organisation or person it names last changed."""
    if kind == FeedKind.RING:
        return ring.name, None
    target = session.get(Organisation if kind == FeedKind.ORGANISATION else User, target_id)
    if target is None:
        raise NotFound(NO_SUCH_FEED)
    return f"{ring.name} – {target.name}", target.updated_at


def _feed(kind, target_id, title, public, locale, alarm_minutes, ring, now) -> Feed:
    zone = ZoneInfo(ring.tz)
    back, _end = feed_window(now, now)
    day = back.astimezone(zone).date()
    start = datetime.combine(day, time(), zone).astimezone(UTC)
    following = datetime.combine(day + timedelta(days=1), time(), zone).astimezone(UTC)
    span = now - back
    return Feed(
        kind, target_id, title, public, locale, alarm_minutes, start, start + span, following + span
    )


def _conditions(feed: Feed) -> list:
    conditions = [Shift.not_over(feed.window_start)]
    if feed.kind == FeedKind.ORGANISATION:
        conditions.append(Shift.organisation_id == feed.target_id)
    elif feed.kind == FeedKind.PERSON:
        conditions.append(or_(Shift.counsellor_id == feed.target_id, _named_once(feed.target_id)))
    return conditions


def _named_once(person_id: int):
    """SQL condition: the shift's history names the person (it was theirs at some time)."""
    return exists().where(
        ShiftChange.shift_id == Shift.id,
        or_(ShiftChange.from_counsellor_id == person_id, ShiftChange.to_counsellor_id == person_id),
    )


def _status(feed: Feed | None):
    """The status column: in a person's feed, a shift that is no longer theirs is cancelled."""
    if feed is None or feed.kind != FeedKind.PERSON:
        return Shift.status
    cancelled = literal(ShiftStatus.CANCELLED, Shift.status.type)
    return case((Shift.counsellor_id == feed.target_id, Shift.status), else_=cancelled)


def _rows(feed: Feed | None = None):
    return (
        select(
            Shift.channel,
            Shift.language,
            Shift.starts_at,
            Shift.ends_at,
            _status(feed).label("status"),
            Shift.sequence,
            Shift.created_at,
            Shift.updated_at,
            Organisation.name.label("organisation"),
            User.name.label("counsellor"),
        )
        .join(Organisation, Shift.organisation_id == Organisation.id)
        .outerjoin(User, Shift.counsellor_id == User.id)
    )
