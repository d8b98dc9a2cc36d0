"""A known month of a ring (March 2026, clocks go forward on Sunday the 29th), for the reports.

Org A signs 31 h a month for the whole month ("the project pays the line"); Org B 31 h until it
withdraws on 22 March; Org C joins on 16 March with 62 h. Committed: A 31, B 21, C 32 hours.
Service hours Monday to Friday 09–16. Four shifts of 3 h at 09:00: 2 March A (Anna), 3 March B
(Bert, who is away that day), 17 March B's shift taken by C (nobody named), 30 March C's shift
overridden to A (Aino); and a cancelled shift of A on 5 March that counts nowhere.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from rota.contacts.models import Call, CallOutcome, Contact
from rota.extensions import db
from rota.members import memoranda
from rota.reports import facts
from rota.reports.models import FactKind
from rota.schedule.models import Absence, ShiftChange, ShiftStatus
from tests.factories import HELSINKI

FIRST, LAST = date(2026, 3, 1), date(2026, 3, 31)


def local(text: str) -> datetime:
    """A Helsinki wall-clock time as a UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=HELSINKI).astimezone(UTC)


@dataclass
class History:
    org_a: object
    org_b: object
    org_c: object
    contacts: dict


def _orgs(make):
    agreement = make.agreement()
    org_a = make.org(name="Org A", short_name="A")
    org_b = make.org(name="Org B", short_name="B")
    org_c = make.org(name="Org C", short_name="C")
    make.signature(org_a, agreement, commitment_amount=31, cost_terms="Project pays the line")
    signed_b = make.signature(org_b, agreement, commitment_amount=31, cost_terms="Members split")
    make.signature(
        org_c,
        agreement,
        commitment_amount=62,
        valid_from=date(2026, 3, 16),
        cost_terms="Members split",
    )
    memoranda.withdraw(db.session, signed_b, date(2026, 3, 22), "Project ended")
    return org_a, org_b, org_c


def _moved(shift, kind, giver, taker):
    db.session.add(
        ShiftChange(
            shift_id=shift.id, kind=kind, from_organisation_id=giver.id, to_organisation_id=taker.id
        )
    )


def _shifts(make, org_a, org_b, org_c):
    anna, aino = make.counsellor(org_a, name="Anna"), make.counsellor(org_a, name="Aino")
    bert = make.counsellor(org_b, name="Bert")
    make.shift(org_a, start="2026-03-02T09:00", counsellor=anna)
    make.shift(org_b, start="2026-03-03T09:00", counsellor=bert)
    db.session.add(
        Absence(
            user_id=bert.id, starts_at=local("2026-03-03T00:00"), ends_at=local("2026-03-04T00:00")
        )
    )
    _moved(make.shift(org_c, start="2026-03-17T09:00"), "take", org_b, org_c)
    _moved(make.shift(org_a, start="2026-03-30T09:00", counsellor=aino), "override", org_c, org_a)
    make.shift(org_a, start="2026-03-05T09:00", counsellor=anna, status=ShiftStatus.CANCELLED)


def _contact(org, channel, language, received, responded=None, closed=None):
    row = Contact(
        channel=channel,
        language=language,
        organisation_id=org.id if org else None,
        received_at=local(received),
        updated_at=local(received),
        first_response_at=local(responded) if responded else None,
        closed_at=local(closed) if closed else None,
    )
    db.session.add(row)
    db.session.flush()
    return row


def _contacts(org_a, org_b):
    return {
        # Friday 16:00 (closing time) answered Monday 09:30 after the clocks went forward
        "friday": _contact(
            org_a, "email", "fi", "2026-03-27T16:00", "2026-03-30T09:30", "2026-03-30T10:00"
        ),
        "call": _contact(
            org_b, "phone", "sv", "2026-03-03T10:00", "2026-03-03T10:05", "2026-03-03T10:20"
        ),
        "saturday": _contact(None, "email", "en", "2026-03-14T12:00"),
        "first_night": _contact(org_a, "email", "fi", "2026-03-01T00:30"),
        "february": _contact(org_a, "email", "fi", "2026-02-28T23:30"),
        "april": _contact(org_b, "email", "fi", "2026-04-01T09:00"),
    }


def _calls(contacts):
    db.session.add_all(
        [
            Call(
                contact_id=contacts["call"].id,
                started_at=local("2026-03-03T10:00"),
                duration_seconds=600,
                outcome=CallOutcome.ANSWERED,
            ),
            Call(
                contact_id=contacts["friday"].id,
                started_at=local("2026-03-27T16:05"),
                outcome=CallOutcome.MISSED,
                callback_needed=True,
                callback_done_at=local("2026-03-30T09:15"),
            ),
            Call(
                contact_id=contacts["saturday"].id,
                started_at=local("2026-03-14T12:00"),
                outcome=CallOutcome.VOICEMAIL,
                callback_needed=True,
            ),
            Call(
                contact_id=contacts["april"].id,
                started_at=local("2026-04-01T09:00"),
                duration_seconds=120,
                outcome=CallOutcome.ANSWERED,
            ),
        ]
    )


def _facts(contacts, org_c, actor):
    job = facts.add_option(db.session, FactKind.TOPIC, "Job search")
    study = facts.add_option(db.session, FactKind.TOPIC, "Study choice")
    town = facts.add_option(db.session, FactKind.MUNICIPALITY, "Jyväskylä")
    at = local("2026-03-30T10:00")
    facts.set_facts(
        db.session,
        contacts["friday"],
        actor,
        at,
        topic_id=job.id,
        municipality_id=town.id,
        outcome="referred_member",
        referred_organisation_id=org_c.id,
    )
    facts.set_facts(db.session, contacts["call"], actor, at, topic_id=study.id, outcome="answered")


def build(make) -> History:
    """The month above, stored and committed."""
    org_a, org_b, org_c = _orgs(make)
    make.service_hours(slots=[(day, 9, 16, "phone") for day in range(5)])
    _shifts(make, org_a, org_b, org_c)
    contacts = _contacts(org_a, org_b)
    _calls(contacts)
    _facts(contacts, org_c, make.coordinator())
    db.session.commit()
    return History(org_a, org_b, org_c, contacts)
