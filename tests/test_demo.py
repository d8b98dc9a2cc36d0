"""The demo ring: the Central Finland pilot's shape, loaded once."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from rota.extensions import db
from rota.members.models import Organisation, Role, Signature, User
from rota.members.service import members_in_force
from rota.schedule.models import Shift, ShiftStatus


def test_demo_ring_has_ten_members_seven_from_the_pilot_and_one_withdrawal(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0 and "Demo ring loaded" in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(Organisation)) == 10
    assert len(members_in_force(db.session, date(2025, 1, 1))) == 7
    assert len(members_in_force(db.session, date(2026, 6, 1))) == 10
    withdrawn = db.session.scalars(
        db.select(Signature).where(Signature.withdrawn_on.is_not(None))
    ).all()
    assert len(withdrawn) == 1
    counsellors = db.session.scalars(db.select(User).filter_by(role=Role.COUNSELLOR)).all()
    assert len(counsellors) == 30
    assert any("ä" in u.name or "ö" in u.name or "å" in u.name.lower() for u in counsellors)
    today = datetime.now(ZoneInfo("Europe/Helsinki")).date()
    coming = [
        s
        for s in db.session.scalars(db.select(Shift).filter_by(status=ShiftStatus.PLANNED))
        if today <= s.local_day <= today + timedelta(weeks=4)
    ]
    assert coming and {s.channel for s in coming} <= {"phone", "email"}
    for shift in coming:  # so that a gap in the coming weeks means something
        assert shift.counsellor is not None, shift.slot_key
        assert shift.counsellor.organisation_id == shift.organisation_id
        assert not shift.language or shift.language in shift.counsellor.language_list
    assert f"Counsellors named on {len(coming)} shifts" in result.output


def test_demo_loads_only_into_an_empty_ring(app, runner, make):
    make.org()
    result = runner.invoke(args=["demo"])
    assert "demo data not loaded" in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(Organisation)) == 1


def test_the_demo_shows_today_working_contacts_in_every_state_and_named_shifts(
    app, runner, monkeypatch
):
    from datetime import UTC, datetime

    import rota.cli
    from rota.contacts.models import Call, Contact, SavedReply
    from rota.schedule.models import Shift

    # a Tuesday in March at 13:00 in Helsinki: the service is open
    monkeypatch.setattr(rota.cli, "utcnow", lambda: datetime(2026, 3, 3, 11, 0, tzinfo=UTC))
    assert runner.invoke(args=["demo"]).exit_code == 0
    today = db.session.scalars(db.select(Shift).filter_by(local_day=date(2026, 3, 3))).all()
    assert today and all(shift.counsellor_id for shift in today)
    contacts = db.session.scalars(db.select(Contact)).all()
    states = {(c.status, c.owner_id is not None, c.first_response_at is not None) for c in contacts}
    assert {("new", False, False), ("open", True, False), ("open", True, True)} <= states
    assert ("closed", True, True) in states
    missed = db.session.scalars(db.select(Call)).one()
    assert missed.callback_needed and missed.callback_done_at is None
    assert {r.language for r in db.session.scalars(db.select(SavedReply))} == {"fi", "sv", "en"}
