"""Which organisations take part in the rotation on each day, with their commitment weights,
which slots each can staff, and the uncovered part of the demand when commitments fall short."""

import bisect
import enum
from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.members.models import Signature, User
from rota.members.roles import Role
from rota.members.service import Term, all_signatures, chosen_on, commitment_weight, terms
from rota.schedule.planning.rotation import GAP

ONE_DAY = timedelta(days=1)


class ExcessDemand(enum.StrEnum):
    """What the rotation does with service hours beyond the commitments in force."""

    UNCOVERED = "uncovered"  # leave them as gaps: nobody works above its commitment
    SPREAD = "spread"  # share them out in proportion: members work above their commitment


def change_days(signing_order: Iterable[Term]) -> set[date]:
    """The days on which the set of signatures in force can change."""
    return {t.starts for t in signing_order} | {
        t.ends + ONE_DAY for t in signing_order if t.ends is not None
    }


def month_of(day: date) -> tuple[int, int]:
    """The (year, month) a day falls in: the period commitments are counted per."""
    return day.year, day.month


def people_languages(session: Session) -> dict[int, frozenset[str]]:
    """Organisation id → the languages its active counsellors speak."""
    query = select(User.organisation_id, User.languages).where(
        User.active.is_(True), User.role == Role.COUNSELLOR, User.organisation_id.is_not(None)
    )
    spoken: dict[int, set[str]] = {}
    for org_id, languages in session.execute(query):
        spoken.setdefault(org_id, set()).update(code for code in languages.split(",") if code)
    return {org_id: frozenset(codes) for org_id, codes in spoken.items()}


def can_staff(
    signature: Signature, spoken: frozenset[str], channel: str, language: str | None
) -> bool:
    """Whether the organisation under `signature` can staff a slot of `channel` and `language`:
    the channels and languages declared on the signature, else every channel and the languages
    its active counsellors speak."""
    channels = signature.channel_list
    if channels and channel not in channels:
        return False
    return language is None or language in (signature.language_list or spoken)


class Eligibility:
    """Weights (hours per month) of the organisations in force, per day, computed per change."""

    def __init__(
        self,
        signatures: list[Signature],
        shift_hours: float,
        spoken: Mapping[int, frozenset[str]] | None = None,
    ):
        self._terms = terms(signatures)
        self._shift_hours = shift_hours
        self._spoken = spoken or {}
        self._changes = sorted(change_days(self._terms))
        self._by_period: dict[int, dict[int, float]] = {}
        self._by_day: dict[date, dict[int, float]] = {}
        self._chosen: dict[int, dict[int, Signature]] = {}
        self._staff: dict[tuple[int, str, str | None], frozenset[int]] = {}

    @classmethod
    def load(cls, session: Session, shift_hours: float) -> "Eligibility":
        """Eligibility from every signature in the database and the people's languages."""
        return cls(all_signatures(session), shift_hours, people_languages(session))

    def _period(self, day: date) -> int:
        return bisect.bisect_right(self._changes, day)

    def weights(self, day: date) -> dict[int, float]:
        """Organisation id → commitment weight on `day`; the same dict for days of one period."""
        found = self._by_day.get(day)
        if found is not None:
            return found
        period = self._period(day)
        found = self._by_period.get(period)
        if found is None:
            chosen = self._chosen[period] = chosen_on(self._terms, day)
            found = {
                org_id: commitment_weight(signature, self._shift_hours)
                for org_id, signature in sorted(chosen.items())
            }
            self._by_period[period] = found
        self._by_day[day] = found
        return found

    def staffed_by(self, day: date, channel: str, language: str | None) -> frozenset[int]:
        """The organisations in force on `day` that can staff a slot of this channel and language."""
        period = self._period(day)
        key = (period, channel, language)
        found = self._staff.get(key)
        if found is None:
            self.weights(day)
            chosen = self._chosen[period]
            found = frozenset(
                org_id
                for org_id, signature in chosen.items()
                if can_staff(signature, self._spoken.get(org_id, frozenset()), channel, language)
            )
            self._staff[key] = found
        return found


class RotationWeights:
    """The weights the rotation runs with: the commitments in force and, when they fall short
    of a month's demand and the ring leaves the excess uncovered, the gap (`GAP`) weighted by
    the hours they leave uncovered, so that gaps spread over the month like anyone's shifts."""

    def __init__(
        self,
        eligibility: Eligibility,
        monthly_demand: Mapping[tuple[int, int], float],
        excess: ExcessDemand,
    ):
        self.eligibility = eligibility
        self.demand = monthly_demand
        self._excess = excess
        self._by_key: dict[tuple[int, tuple[int, int]], dict[int, float]] = {}
        self._by_day: dict[date, dict[int, float]] = {}

    def budget(self, day: date) -> dict[int, float] | None:
        """The hours each member may hold in the month of `day` (its commitment; a member
        reaching it takes no more that month and the slot falls to the gap), or None: the ring
        spreads the excess."""
        if self._excess != ExcessDemand.UNCOVERED:
            return None
        return self.eligibility.weights(day)

    def __call__(self, day: date) -> dict[int, float]:
        """Organisation id (and `GAP`) → weight on `day`; one dict per period and month."""
        found = self._by_day.get(day)
        if found is not None:
            return found
        base = self.eligibility.weights(day)
        key = (id(base), month_of(day))
        found = self._by_key.get(key)
        if found is None:
            found = base
            short = self.demand.get(month_of(day), 0.0) - sum(base.values())
            if base and self._excess == ExcessDemand.UNCOVERED and short > 1e-9:
                found = {**base, GAP: short}
            self._by_key[key] = found
        self._by_day[day] = found
        return found
