"""Pure routing decision: (contact's channel, language, arrival, rota view) -> owner + reason.

No Flask, no SQLAlchemy: the service builds a RotaView of plain DutyShift values, this module
decides, and the service writes the decision with its reason as a contact event.
"""

import enum
from dataclasses import dataclass, field
from datetime import datetime


class Route(enum.StrEnum):
    """Why a contact went where it went."""

    ON_DUTY = "on_duty"  # the counsellor on duty for the channel
    ORG_QUEUE = "org_queue"  # on duty, but no counsellor named (or absent): the org's queue
    NEXT_SHIFT = "next_shift"  # outside service hours: the next shift's counsellor
    NEXT_ORG_QUEUE = "next_org_queue"  # outside hours, next shift has nobody: its org's queue
    NO_ROTA = "no_rota"  # nobody on duty and no shift ahead: the ring's unassigned queue


@dataclass(frozen=True)
class DutyShift:
    """One shift as routing sees it: who (if anyone) answers, in which languages."""

    shift_id: int
    organisation_id: int
    channel: str
    starts_at: datetime
    ends_at: datetime
    counsellor_id: int | None = None
    counsellor_languages: tuple[str, ...] = ()
    counsellor_absent: bool = False
    language: str | None = None  # the shift's own language, if the slot has one

    @property
    def staffed(self) -> bool:
        """A counsellor is named and not away."""
        return self.counsellor_id is not None and not self.counsellor_absent

    def speaks(self, language: str | None) -> bool:
        """Whether this shift answers in `language` (its counsellor's languages, else the slot's)."""
        if language is None:
            return False
        if self.staffed:
            return language in self.counsellor_languages
        return self.language == language


@dataclass(frozen=True)
class RotaView:
    """The rota around an instant, for one channel: shifts on duty, and the next ones."""

    on_duty: tuple[DutyShift, ...] = ()
    next_shifts: tuple[DutyShift, ...] = ()


@dataclass(frozen=True)
class Decision:
    """Where a contact goes and why (`params` fill the reason's message)."""

    route: Route
    owner_id: int | None = None
    organisation_id: int | None = None
    shift_id: int | None = None
    shift: DutyShift | None = None
    language_matched: bool = False
    params: dict = field(default_factory=dict)

    @property
    def on_duty(self) -> bool:
        """The contact went to a shift running at the arrival instant."""
        return self.route in (Route.ON_DUTY, Route.ORG_QUEUE)


def _best(shifts: tuple[DutyShift, ...], language: str | None) -> tuple[DutyShift, bool]:
    """Staffed before unstaffed, then the language speakers, then the earliest (by start, id)."""
    ordered = sorted(shifts, key=lambda s: (s.starts_at, s.shift_id))
    staffed = [s for s in ordered if s.staffed] or ordered
    speakers = [s for s in staffed if s.speaks(language)]
    return (speakers or staffed)[0], bool(speakers)


def _to_shift(shifts, language, staffed_route: Route, queue_route: Route) -> Decision:
    shift, matched = _best(shifts, language)
    route = staffed_route if shift.staffed else queue_route
    return Decision(
        route=route,
        owner_id=shift.counsellor_id if shift.staffed else None,
        organisation_id=shift.organisation_id,
        shift_id=shift.shift_id,
        shift=shift,
        language_matched=matched,
        params={"absent": shift.counsellor_absent, "language": language or ""},
    )


def _running(view: RotaView, channel: str, at: datetime) -> tuple[DutyShift, ...]:
    shifts = (*view.on_duty, *view.next_shifts)
    return tuple(s for s in shifts if s.channel == channel and s.starts_at <= at < s.ends_at)


def _upcoming(view: RotaView, channel: str, at: datetime) -> tuple[DutyShift, ...]:
    later = [s for s in (*view.on_duty, *view.next_shifts) if s.channel == channel]
    later = [s for s in later if s.starts_at > at]
    first = min((s.starts_at for s in later), default=None)
    return tuple(s for s in later if s.starts_at == first)


def decide(view: RotaView, channel: str, language: str | None, at: datetime) -> Decision:
    """The owner of a new contact: on duty, else the org's queue, else the next shift, else none."""
    if running := _running(view, channel, at):
        return _to_shift(running, language, Route.ON_DUTY, Route.ORG_QUEUE)
    if upcoming := _upcoming(view, channel, at):
        return _to_shift(upcoming, language, Route.NEXT_SHIFT, Route.NEXT_ORG_QUEUE)
    return Decision(route=Route.NO_ROTA)
