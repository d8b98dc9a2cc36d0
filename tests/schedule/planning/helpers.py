"""Service hours, the clock and a shift query shared by the planning tests."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from rota.extensions import db
from rota.schedule.models import Shift
from rota.schedule.planning import replan
from rota.schedule.planning.generation import RotaSettings
from tests import factories

NEW_YEAR = datetime(2025, 12, 31, 22, tzinfo=UTC)  # 2026-01-01 00:00 in Helsinki
WEEKDAYS = [(day, start, start + 3, "phone") for day in range(5) for start in (9, 12)]
EVERY_DAY = [(day, 9, 12, "phone") for day in range(7)]
SETTINGS = RotaSettings(ZoneInfo("Europe/Helsinki"))


def shifts(**where):
    """The stored shifts matching `where`, in time order."""
    query = select(Shift).filter_by(**where).order_by(Shift.starts_at)
    return list(db.session.scalars(query))


def apply_previewed(plan, first, last, **options):
    """Apply the re-plan previewed as `plan` for `first`..`last` at NEW_YEAR, without an actor."""
    return replan.apply_replan(
        db.session,
        first,
        last,
        NEW_YEAR,
        actor_id=None,
        fingerprint=plan.fingerprint,
        settings=SETTINGS,
        mail=factories.mail_settings(),
        **options,
    )
