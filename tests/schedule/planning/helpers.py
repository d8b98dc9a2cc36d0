"""Service hours, the clock and a shift query shared by the planning tests."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from rota.extensions import db
from rota.schedule.models import Shift
from rota.schedule.planning.generation import RotaSettings

NEW_YEAR = datetime(2025, 12, 31, 22, tzinfo=UTC)  # 2026-01-01 00:00 in Helsinki
WEEKDAYS = [(day, start, start + 3, "phone") for day in range(5) for start in (9, 12)]
EVERY_DAY = [(day, 9, 12, "phone") for day in range(7)]
SETTINGS = RotaSettings(ZoneInfo("Europe/Helsinki"))


def shifts(**where):
    """The stored shifts matching `where`, in time order."""
    query = select(Shift).filter_by(**where).order_by(Shift.starts_at)
    return list(db.session.scalars(query))
