"""Two organisation admins take the same offered shift at the same moment: exactly one wins."""

import os
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from rota.errors import DomainError
from rota.extensions import db
from rota.members.models import User
from rota.schedule import service
from rota.schedule.models import Shift, ShiftChange
from tests import factories

NOW = datetime(2026, 3, 25, 8, tzinfo=UTC)


@pytest.fixture
def postgres_app(app):
    if not os.environ.get("ROTA_TEST_POSTGRES_URL"):
        pytest.skip("set ROTA_TEST_POSTGRES_URL to race two real connections on PostgreSQL")
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the race needs row locks between two connections: runs on PostgreSQL")
    return app


def _take(app, shift_id, admin_id, barrier, outcomes):
    """One admin's request: own connection, read the offer, wait for the other, take."""
    with app.app_context(), Session(db.engine) as session:
        admin = session.get(User, admin_id)
        version = session.get(Shift, shift_id).version
        barrier.wait(timeout=30)
        try:
            service.take_shift(
                session,
                shift_id,
                admin,
                reason="",
                now=NOW,
                version=version,
                settings=factories.mail_settings(),
            )
            session.commit()
            outcomes[admin_id] = "taken"
        except DomainError as exc:
            session.rollback()
            outcomes[admin_id] = str(exc.user_message)


def test_two_admins_taking_the_same_shift_at_once_exactly_one_wins(postgres_app, make):
    offerer = make.org_admin(make.org(name="Org A"))
    make.signature(offerer.organisation)
    takers = []
    for name in ("Org B", "Org C"):
        admin = make.org_admin(make.org(name=name))
        make.signature(admin.organisation)
        takers.append(admin)
    shifts = [make.shift(offerer.organisation, start=f"2026-03-{d}T09:00") for d in (30, 31)]
    for shift in shifts:
        service.offer_shift(db.session, shift.id, offerer, note="", now=NOW)
    db.session.commit()
    for shift in shifts:
        outcomes, barrier = {}, threading.Barrier(2)
        threads = [
            threading.Thread(target=_take, args=(postgres_app, shift.id, a.id, barrier, outcomes))
            for a in takers
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert list(outcomes.values()).count("taken") == 1, outcomes
        winner = next(a for a in takers if outcomes[a.id] == "taken")
        loser = next(a for a in takers if a is not winner)
        assert outcomes[loser.id] == (
            f"This shift was just taken by {winner.organisation.name}; it is no longer offered."
        )
        db.session.expire_all()
        assert db.session.get(Shift, shift.id).organisation_id == winner.organisation_id
        takes = db.session.scalars(db.select(ShiftChange).filter_by(shift_id=shift.id, kind="take"))
        assert [c.actor_id for c in takes] == [winner.id]
