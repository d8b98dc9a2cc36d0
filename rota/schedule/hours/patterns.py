"""Use cases for service hours: weekly patterns and their slots, with validity dates."""

import logging
from datetime import date, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from rota.errors import DomainError, NotFound, found
from rota.schedule.days import ensure_order
from rota.schedule.hours.slots import Template, WeeklySlot, overlapping
from rota.schedule.models import Channel, PatternSlot, ServicePattern

log = logging.getLogger(__name__)


def patterns(session: Session) -> list[ServicePattern]:
    """Every service pattern with its slots, the latest first."""
    query = select(ServicePattern).options(selectinload(ServicePattern.slots))
    return list(session.scalars(query.order_by(ServicePattern.valid_from.desc())))


def get_pattern(session: Session, pattern_id: int) -> ServicePattern:
    """The service pattern with this id, or NotFound."""
    return found(session.get(ServicePattern, pattern_id), _l("No such service hours pattern."))


def _check_validity(session: Session, pattern_id: int | None, first: date, last: date | None):
    if last is not None:
        ensure_order(first, last, "valid_until")
    query = select(ServicePattern).where(ServicePattern.valid_from <= (last or date.max))
    query = query.where(
        (ServicePattern.valid_until.is_(None)) | (ServicePattern.valid_until >= first)
    )
    if pattern_id is not None:
        query = query.where(ServicePattern.id != pattern_id)
    other = session.scalars(query.order_by(ServicePattern.valid_from)).first()
    if other is not None:
        ends = other.valid_until.isoformat() if other.valid_until else _l("further notice")
        raise DomainError(
            _l(
                "“%(name)s” is already valid from %(first)s until %(last)s. Only one pattern can "
                "be in force on a day: give “%(name)s” a last day before this one starts, or "
                "choose other dates.",
                name=other.name,
                first=other.valid_from.isoformat(),
                last=ends,
            ),
            "valid_from",
        )


def save_pattern(
    session: Session,
    pattern: ServicePattern | None,
    *,
    name: str,
    valid_from: date,
    valid_until: date | None,
) -> ServicePattern:
    """Create (pattern=None) or change a pattern; validity periods of patterns never overlap."""
    _check_validity(session, pattern.id if pattern else None, valid_from, valid_until)
    pattern = pattern or ServicePattern()
    pattern.name, pattern.valid_from, pattern.valid_until = name.strip(), valid_from, valid_until
    session.add(pattern)
    session.flush()
    log.info("service pattern %s valid %s–%s saved", pattern.id, valid_from, valid_until)
    return pattern


def weekly(slot: PatternSlot) -> WeeklySlot:
    """A stored pattern slot as the pure expansion's weekly slot."""
    channel = Channel(slot.channel).value
    return WeeklySlot(slot.weekday, slot.start_time, slot.end_time, channel, slot.language)


def add_slot(
    session: Session,
    pattern: ServicePattern,
    *,
    weekday: int,
    start_time: time,
    end_time: time,
    channel: str,
    language: str | None,
) -> PatternSlot:
    """Add a weekly slot; it must end after it starts and not overlap its channel's others."""
    if end_time <= start_time:
        raise DomainError(
            _l(
                "The slot must end after it starts (%(start)s).", start=start_time.strftime("%H:%M")
            ),
            "end_time",
        )
    slot = PatternSlot(
        weekday=weekday,
        start_time=start_time,
        end_time=end_time,
        channel=Channel(channel),
        language=language or None,
    )
    new = weekly(slot)
    clash = overlapping([*(weekly(s) for s in pattern.slots), new])
    if clash is not None:
        before = clash[1] if clash[0] == new else clash[0]
        raise DomainError(
            _l(
                "This overlaps the slot %(start)s–%(end)s of the same channel on the same day. "
                "Choose times that do not overlap, or remove that slot first.",
                start=before.start.strftime("%H:%M"),
                end=before.end.strftime("%H:%M"),
            ),
            "start_time",
        )
    pattern.slots.append(slot)
    session.flush()
    return slot


def remove_slot(session: Session, pattern: ServicePattern, slot_id: int) -> None:
    """Remove a weekly slot from a pattern (shifts already generated stay until re-planned)."""
    slot = next((s for s in pattern.slots if s.id == slot_id), None)
    if slot is None:
        raise NotFound(_l("No such slot in this pattern."))
    pattern.slots.remove(slot)
    session.flush()


def templates(session: Session) -> list[Template]:
    """Every pattern as a pure template for slot expansion, by validity."""
    return [
        Template(p.valid_from, p.valid_until, tuple(weekly(s) for s in p.slots))
        for p in sorted(patterns(session), key=lambda p: p.valid_from)
    ]
