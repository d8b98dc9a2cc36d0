"""The in-force rule: which organisations are members on day D, with what commitment."""

from datetime import date

import pytest

from rota.extensions import db
from rota.members import memoranda
from rota.members.models import SignatureImmutable
from rota.members.service import members_in_force


def shorts(day):
    return [m.organisation.short_name for m in members_in_force(db.session, day)]


def test_signature_is_in_force_from_valid_from_until_valid_until_inclusive(app, make):
    org = make.org(short_name="A")
    make.signature(org, valid_from=date(2025, 2, 1), valid_until=date(2025, 6, 30))
    assert shorts(date(2025, 1, 31)) == []
    assert shorts(date(2025, 2, 1)) == ["A"]
    assert shorts(date(2025, 6, 30)) == ["A"]
    assert shorts(date(2025, 7, 1)) == []


def test_withdrawn_signature_stops_membership_from_the_withdrawal_day(app, make):
    signature = make.signature(make.org(short_name="A"), valid_from=date(2025, 1, 1))
    memoranda.withdraw(db.session, signature, date(2025, 9, 1), "Moved on")
    assert shorts(date(2025, 8, 31)) == ["A"]
    assert shorts(date(2025, 9, 1)) == []


def test_amendment_supersedes_the_earlier_signature_from_its_start(app, make):
    org = make.org(short_name="A")
    first = make.signature(org, valid_from=date(2025, 1, 1), commitment_amount=10)
    terms = dict(
        agreement_id=first.agreement_id,
        signed_on=date(2025, 5, 20),
        signed_by_name="Rehtori",
        valid_from=date(2025, 6, 1),
        commitment_amount=20,
        commitment_unit="hours",
    )
    memoranda.amend(db.session, first, None, **terms)
    (before,) = members_in_force(db.session, date(2025, 5, 31))
    (after,) = members_in_force(db.session, date(2025, 6, 1))
    assert before.signature.id == first.id and before.weight(3.0) == 10
    assert after.signature.supersedes_id == first.id and after.weight(3.0) == 20


def test_two_overlapping_signatures_give_one_membership_with_the_latest_terms(app, make):
    org = make.org(short_name="A")
    make.signature(org, valid_from=date(2025, 1, 1), commitment_amount=8)
    later = make.signature(org, valid_from=date(2025, 3, 1), commitment_amount=4)
    members = members_in_force(db.session, date(2025, 4, 1))
    assert [m.signature.id for m in members] == [later.id]


def test_signature_before_its_agreement_takes_effect_is_refused(app, make):
    agreement = make.agreement(effective_from=date(2026, 1, 1))
    with pytest.raises(memoranda.DomainError, match="takes effect"):
        make.signature(make.org(), agreement, valid_from=date(2025, 12, 1))


def test_commitment_in_shifts_is_weighted_by_shift_hours(app, make):
    make.signature(make.org(), commitment_amount=4, commitment_unit="shifts")
    (member,) = members_in_force(db.session, date(2025, 1, 1))
    assert member.weight(3.0) == 12.0


def test_stored_signature_cannot_be_edited(app, make):
    signature = make.signature(make.org())
    db.session.commit()
    signature.commitment_amount = 99
    with pytest.raises(SignatureImmutable, match="commitment_amount"):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(type(signature), signature.id).commitment_amount == 10


def test_withdrawal_is_recorded_once_and_cannot_be_moved(app, make):
    signature = make.signature(make.org())
    memoranda.withdraw(db.session, signature, date(2025, 9, 1), "")
    db.session.commit()
    with pytest.raises(memoranda.DomainError, match="already withdrawn"):
        memoranda.withdraw(db.session, signature, date(2025, 10, 1), "")
    signature.withdrawn_on = date(2025, 10, 1)
    with pytest.raises(SignatureImmutable):
        db.session.flush()
    db.session.rollback()
