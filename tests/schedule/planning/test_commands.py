"""The commands a script or a check runs: members sign / withdraw, replan, fairness --json."""

import json
from datetime import date, timedelta

from rota.extensions import db
from rota.members.models import Signature
from rota.schedule.models import ShiftStatus
from tests.schedule.planning.helpers import WEEKDAYS, shifts


def _day(days):
    return (date.today() + timedelta(days=days)).isoformat()


def test_sign_then_replan_apply_gives_the_newcomer_its_share(committed, make, runner):
    agreement, big, small = committed
    make.service_hours(WEEKDAYS)
    db.session.commit()
    assert runner.invoke(args=["generate", "--until", _day(56)]).exit_code == 0
    new = make.org(short_name="NEW")
    db.session.commit()
    args = ["members", "sign", "--org", "NEW", "--agreement", agreement.version_label]
    args += [
        "--from",
        _day(7),
        "--hours-per-month",
        "60",
        "--languages",
        "fi",
        "--channels",
        "phone",
    ]
    signed = runner.invoke(args=args)
    assert signed.exit_code == 0, signed.output
    assert "Signature recorded for NEW: 60 h a month" in signed.output
    assert "NEW: +" in signed.output and "replan --from" in signed.output
    signature = db.session.scalar(db.select(Signature).filter_by(organisation_id=new.id))
    assert (signature.languages, signature.channels) == ("fi", "phone")
    assert shifts(organisation_id=new.id) == []  # only offered
    applied = runner.invoke(args=["replan", "--from", _day(0), "--to", _day(56), "--apply"])
    assert applied.exit_code == 0, applied.output
    assert applied.output.splitlines()[1].startswith("  NEW: +")
    assert min(s.local_day for s in shifts(organisation_id=new.id)) >= date.today() + timedelta(7)
    again = runner.invoke(args=["replan", "--from", _day(0), "--to", _day(56)])
    assert ": 0 shifts change hands" in again.output


def test_withdraw_then_generate_moves_the_leavers_shifts(committed, make, runner):
    make.service_hours(WEEKDAYS)
    db.session.commit()
    assert runner.invoke(args=["generate", "--until", _day(56)]).exit_code == 0
    withdrawn = runner.invoke(args=["members", "withdraw", "--org", "SMALL", "--from", _day(14)])
    assert withdrawn.exit_code == 0, withdrawn.output
    assert "SMALL: +0.0 h / -" in withdrawn.output
    generated = runner.invoke(args=["generate", "--until", _day(56)])
    assert generated.exit_code == 0 and "changed signatures" in generated.output
    small = committed[2]
    later = [
        s
        for s in shifts(organisation_id=small.id, status=ShiftStatus.PLANNED)
        if s.local_day >= date.today() + timedelta(14)
    ]
    assert later == []


def test_member_commands_refuse_bad_input_with_what_to_do(committed, runner):
    agreement = committed[0]
    unknown = runner.invoke(args=["members", "withdraw", "--org", "NOPE", "--from", _day(1)])
    assert unknown.exit_code != 0 and "no organisation with short name 'NOPE'" in unknown.output
    args = ["members", "sign", "--org", "BIG", "--from", _day(1), "--hours-per-month", "10"]
    version = runner.invoke(args=[*args, "--agreement", "v99"])
    assert version.exit_code != 0 and "Versions: " in version.output
    language = runner.invoke(
        args=[*args, "--agreement", agreement.version_label, "--languages", "de"]
    )
    assert language.exit_code != 0 and "Unknown: de. Choose from fi, sv, en." in language.output
    assert db.session.scalar(db.select(db.func.count()).select_from(Signature)) == 2


def test_fairness_json_gives_committed_entitled_assigned_per_member_and_month(app, make, runner):
    agreement = make.agreement()
    for short, hours in (("A", 20), ("B", 10)):
        make.signature(make.org(short_name=short), agreement, commitment_amount=hours)
    make.service_hours(WEEKDAYS)
    db.session.commit()
    assert runner.invoke(args=["generate", "--until", _day(70)]).exit_code == 0
    first = date.today().replace(day=1) + timedelta(days=32)
    last = (first.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    result = runner.invoke(
        args=["fairness", "--json", "--from", first.replace(day=1).isoformat(), "--to", str(last)]
    )
    assert result.exit_code == 0, result.output
    [month] = json.loads(result.output)["months"]
    assert month["committed_hours"] == 30 and month["demand_hours"] > 100
    members = {m["organisation"]: m for m in month["members"]}
    for short, hours in (("A", 20), ("B", 10)):
        assert members[short]["committed_hours"] == hours
        assert members[short]["assigned_hours"] <= hours + 3
        assert abs(members[short]["assigned_hours"] - members[short]["entitled_hours"]) < 3
