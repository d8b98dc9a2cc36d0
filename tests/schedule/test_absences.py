"""Absences: recorded in local days, limited to one's own people, and leaving shifts uncovered."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from rota.errors import DomainError, NotFound
from rota.extensions import db
from rota.schedule import absences, coverage, duty, service

NOW = datetime(2026, 3, 25, 8, tzinfo=UTC)
HELSINKI = ZoneInfo("Europe/Helsinki")


def away(person, first, last, actor=None):
    """Record that `person` is away on local days first..last."""
    return absences.record_absence(
        db.session,
        actor or person,
        person_id=person.id,
        first_day=first,
        last_day=last,
        reason="",
        zone=HELSINKI,
    )


def test_absent_counsellor_leaves_the_shift_uncovered(ring, shift):
    service.name_counsellor(db.session, shift.id, ring.admin_a, counsellor_id=ring.aino.id, now=NOW)
    assert duty.duty_at(db.session, shift.starts_at).covering_counsellor(shift) == ring.aino
    away(ring.aino, date(2026, 3, 30), date(2026, 3, 30))
    assert duty.duty_at(db.session, shift.starts_at).covering_counsellor(shift) is None
    gaps = coverage.coverage_gaps(db.session, NOW, 14)
    assert [(g.shift, g.absent) for g in gaps] == [(shift, True)]


def test_absence_ends_at_local_midnight_after_the_last_day(ring):
    absence = away(ring.aino, date(2026, 3, 28), date(2026, 3, 29), actor=ring.admin_a)
    # 2026-03-29 is the spring DST change: the absence ends at 00:00 +03:00
    assert absence.starts_at == datetime(2026, 3, 27, 22, tzinfo=UTC)
    assert absence.ends_at == datetime(2026, 3, 29, 21, tzinfo=UTC)


def test_absence_for_another_organisations_person_is_refused(ring):
    with pytest.raises(NotFound):
        away(ring.bert, date(2026, 3, 30), date(2026, 3, 30), actor=ring.admin_a)


def test_naming_an_absent_counsellor_is_refused(ring, shift):
    away(ring.aino, date(2026, 3, 29), date(2026, 4, 2))
    with pytest.raises(DomainError, match="is away during this shift"):
        service.name_counsellor(
            db.session, shift.id, ring.admin_a, counsellor_id=ring.aino.id, now=NOW
        )
