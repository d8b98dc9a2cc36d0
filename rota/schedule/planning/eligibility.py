"""Which organisations take part in the rotation on each day, with their commitment weights."""

import bisect
from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy.orm import Session

from rota.members.models import Signature
from rota.members.service import Term, all_signatures, chosen_on, commitment_weight, terms

ONE_DAY = timedelta(days=1)


def change_days(signing_order: Iterable[Term]) -> set[date]:
    """The days on which the set of signatures in force can change."""
    return {t.starts for t in signing_order} | {
        t.ends + ONE_DAY for t in signing_order if t.ends is not None
    }


class Eligibility:
    """Weights (hours per month) of the organisations in force, per day, computed per change."""

    def __init__(self, signatures: list[Signature], shift_hours: float):
        self._terms = terms(signatures)
        self._shift_hours = shift_hours
        self._changes = sorted(change_days(self._terms))
        self._by_period: dict[int, dict[int, float]] = {}
        self._by_day: dict[date, dict[int, float]] = {}

    @classmethod
    def load(cls, session: Session, shift_hours: float) -> "Eligibility":
        """Eligibility from every signature in the database."""
        return cls(all_signatures(session), shift_hours)

    def weights(self, day: date) -> dict[int, float]:
        """Organisation id → commitment weight on `day`; the same dict for days of one period."""
        found = self._by_day.get(day)
        if found is not None:
            return found
        period = bisect.bisect_right(self._changes, day)
        found = self._by_period.get(period)
        if found is None:
            chosen = chosen_on(self._terms, day)
            found = {
                org_id: commitment_weight(signature, self._shift_hours)
                for org_id, signature in sorted(chosen.items())
            }
            self._by_period[period] = found
        self._by_day[day] = found
        return found
