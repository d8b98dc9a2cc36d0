"""What the rota's front-page panels and pages show the signed-in person (view layer)."""

from flask import current_app
from flask_login import current_user
from sqlalchemy import select

from rota.auth import policy
from rota.db import utcnow
from rota.extensions import db
from rota.i18n import service_today
from rota.members.models import Organisation
from rota.schedule import coverage
from rota.schedule.coverage import RotaEntry


def coverage_days() -> int:
    """How many days ahead coverage gaps are shown and warned about."""
    return current_app.config["COVERAGE_DAYS"]


def viewer_gaps() -> list[RotaEntry]:
    """Coverage gaps the viewer answers for: all for the coordinator, own for an organisation."""
    scope = policy.management_scope(current_user)
    org_id = None if scope.reach == policy.Reach.ALL else scope.organisation_id
    return coverage.coverage_gaps(db.session, utcnow(), coverage_days(), org_id)


def my_next_shifts() -> list[RotaEntry]:
    """The signed-in counsellor's next shifts."""
    return coverage.upcoming_for(db.session, current_user.id, utcnow())


def todays_duty() -> list[RotaEntry]:
    """Today's shifts of the whole ring."""
    today = service_today()
    return coverage.rota_between(db.session, today, today)


def viewer_offers():
    """Shifts on offer: other organisations' ones first are what an admin can take."""
    return coverage.offered_shifts(db.session, utcnow())


def organisations() -> list[Organisation]:
    """Every member organisation by name (for the coordinator's choices)."""
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


def init_app(app) -> None:
    """Expose the panel data to templates."""
    app.jinja_env.globals.update(
        rota_gaps=viewer_gaps,
        rota_coverage_days=coverage_days,
        rota_my_next_shifts=my_next_shifts,
        rota_todays_duty=todays_duty,
        rota_offers=viewer_offers,
    )
