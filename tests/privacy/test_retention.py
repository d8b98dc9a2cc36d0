"""Retention: each class of data goes exactly when its period is past (a second either side),
a dry run changes nothing, runs are stored and shown, and report figures stay the same."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from rota.contacts.models import (
    Attachment,
    Call,
    CallEvent,
    Contact,
    ContactStatus,
    Message,
    RawMessage,
    RawStatus,
)
from rota.extensions import db
from rota.outbox.models import OutboxMessage, OutboxStatus
from rota.privacy import retention
from rota.privacy.models import ReadEntry, RetentionRun
from rota.privacy.periods import months_before
from tests.privacy.helpers import contacts_per_channel_and_month

NOW = datetime(2026, 6, 15, 0, 30, tzinfo=UTC)  # 03:30 in Helsinki (summer time)
SECOND = timedelta(seconds=1)
CUTOFFS = {  # the defaults: 24 months, 90 days, 30 days, 30 days, 24 months
    "contacts": datetime(2024, 6, 15, 0, 30, tzinfo=UTC),
    "raw_mail": NOW - timedelta(days=90),
    "call_events": NOW - timedelta(days=30),
    "outbox": NOW - timedelta(days=30),
    "read_log": datetime(2024, 6, 15, 0, 30, tzinfo=UTC),
}
SIDES = {"past": -SECOND, "at": timedelta(0), "inside": SECOND}


def _closed_contact(side: str, closed_at: datetime) -> Contact:
    contact = Contact(
        channel="email",
        status=ContactStatus.CLOSED,
        subject=f"Aihe {side}",
        client_name=f"Asiakas {side}",
        client_email=f"{side}@example.fi",
        client_phone="+358401112223",
        language="fi",
        received_at=closed_at - timedelta(days=3),
        first_response_at=closed_at - timedelta(days=2),
        closed_at=closed_at,
    )
    db.session.add(contact)
    db.session.flush()
    message = Message(
        contact_id=contact.id, direction="in", from_addr=contact.client_email, body_text="Teksti"
    )
    db.session.add(message)
    db.session.flush()
    db.session.add(
        Attachment(
            message_id=message.id,
            filename="a.pdf",
            content_type="application/pdf",
            size=3,
            data=b"pdf",
        )
    )
    db.session.add(
        Call(contact_id=contact.id, caller="+358401112223", summary="Muistio", started_at=closed_at)
    )
    return contact


@pytest.fixture
def data(app, make):
    """Per data class, one record a second past its period, one exactly at it, one inside it;
    and what never goes: an open old contact, pending raw mail, queued mail."""
    reader = make.coordinator()
    made = {name: {} for name in CUTOFFS}
    for side, offset in SIDES.items():
        made["contacts"][side] = _closed_contact(side, CUTOFFS["contacts"] + offset)
        raw = RawMessage(
            mailbox="INBOX",
            uidvalidity=1,
            uid=len(made["raw_mail"]) + 1,
            message_id="<x>",
            digest="d",
            size=3,
            data=b"raw",
            status=RawStatus.INGESTED,
            fetched_at=CUTOFFS["raw_mail"] + offset,
            processed_at=CUTOFFS["raw_mail"] + offset,
        )
        event = CallEvent(
            external_id=f"call-{side}",
            event="new",
            payload='{"caller": "+358401112223"}',
            received_at=CUTOFFS["call_events"] + offset,
        )
        sent = OutboxMessage(
            message_id=f"<out-{side}@rota>",
            recipients=["a@example.fi"],
            subject="Re: Aihe",
            body_text="Vastaus",
            raw=b"raw mail",
            status=OutboxStatus.SENT,
            created_at=CUTOFFS["outbox"] + offset,
            sent_at=CUTOFFS["outbox"] + offset,
        )
        db.session.add_all([raw, event, sent])
        db.session.flush()
        read = ReadEntry(
            at=CUTOFFS["read_log"] + offset,
            user_id=reader.id,
            contact_id=made["contacts"][side].id,
        )
        db.session.add(read)
        made["raw_mail"][side], made["call_events"][side] = raw, event
        made["outbox"][side], made["read_log"][side] = sent, read
    old_open = Contact(
        channel="phone", subject="Auki", received_at=datetime(2020, 1, 1, tzinfo=UTC)
    )
    pending = RawMessage(
        mailbox="INBOX",
        uidvalidity=1,
        uid=99,
        message_id="",
        digest="",
        size=3,
        data=b"new",
        fetched_at=datetime(2020, 1, 1, tzinfo=UTC),
    )
    queued = OutboxMessage(
        message_id="<q@rota>",
        recipients=["b@example.fi"],
        subject="Jonossa",
        body_text="Teksti",
        created_at=datetime(2020, 1, 1, tzinfo=UTC),
    )
    db.session.add_all([old_open, pending, queued])
    db.session.commit()
    ids = {name: {side: row.id for side, row in rows.items()} for name, rows in made.items()}
    return ids, (old_open.id, pending.id, queued.id)


def _state(ids) -> dict:
    """Per data class and side, whether the personal data is still there."""
    db.session.expire_all()
    get = db.session.get
    return {
        "contacts": {s: get(Contact, i).client_email != "" for s, i in ids["contacts"].items()},
        "raw_mail": {s: get(RawMessage, i).data is not None for s, i in ids["raw_mail"].items()},
        "call_events": {s: get(CallEvent, i).payload != "" for s, i in ids["call_events"].items()},
        "outbox": {s: get(OutboxMessage, i).body_text != "" for s, i in ids["outbox"].items()},
        "read_log": {s: get(ReadEntry, i) is not None for s, i in ids["read_log"].items()},
    }


def test_each_class_goes_exactly_when_its_period_is_past_and_reports_stay_the_same(app, data):
    ids, (old_open, pending, queued) = data
    report_before = contacts_per_channel_and_month()
    settings = retention.RetentionSettings.from_config(app.config)

    report = retention.purge(db.session, NOW, settings)
    db.session.commit()

    kept = {"past": False, "at": True, "inside": True}
    assert _state(ids) == {name: kept for name in CUTOFFS}
    assert report.counts == {name: 1 for name in CUTOFFS}
    assert contacts_per_channel_and_month() == report_before
    purged = db.session.get(Contact, ids["contacts"]["past"])
    assert (purged.subject, purged.client_name, purged.client_phone) == ("", "", "")
    assert purged.first_response_at is not None and purged.anonymised_at == NOW
    assert [
        m.body_text
        for m in db.session.scalars(select(Message).where(Message.contact_id == purged.id))
    ] == [""]
    assert (
        db.session.scalar(
            select(Attachment.id).join(Message).where(Message.contact_id == purged.id)
        )
        is None
    )
    assert [
        c.caller for c in db.session.scalars(select(Call).where(Call.contact_id == purged.id))
    ] == [""]
    assert db.session.get(Contact, old_open).subject == "Auki"
    assert db.session.get(RawMessage, pending).data == b"new"
    assert db.session.get(OutboxMessage, queued).body_text == "Teksti"
    assert db.session.scalar(select(RetentionRun)).counts == report.counts

    again = retention.purge(db.session, NOW, settings)
    assert again.counts == {name: 0 for name in CUTOFFS}


def test_a_dry_run_lists_what_would_go_and_changes_nothing(app, data):
    ids, _others = data
    settings = retention.RetentionSettings.from_config(app.config)
    report = retention.purge(db.session, NOW, settings, dry_run=True)
    db.session.commit()
    assert report.ids == {name: [ids[name]["past"]] for name in CUTOFFS}
    assert _state(ids) == {name: dict.fromkeys(SIDES, True) for name in CUTOFFS}
    assert db.session.scalar(select(RetentionRun)) is None


def test_the_periods_are_settings(app, data):
    ids, _others = data
    app.config["RETENTION_RAW_MAIL_DAYS"] = 91
    settings = retention.RetentionSettings.from_config(app.config)
    assert retention.purge(db.session, NOW, settings, dry_run=True).ids["raw_mail"] == []
    app.config["RETENTION_RAW_MAIL_DAYS"] = 0
    with pytest.raises(ValueError, match="RETENTION_RAW_MAIL_DAYS must be a whole number"):
        retention.RetentionSettings.from_config(app.config)


def test_the_job_and_its_dry_run_from_the_command_line_and_the_last_run_on_the_page(
    app, data, runner, client, login, make
):
    ids, _others = data  # today all three sides are long past
    dry = runner.invoke(args=["run-job", "retention", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would clear 3 contacts, 3 raw_mail" in dry.output
    contact_ids = ", ".join(str(ids["contacts"][side]) for side in SIDES)
    assert f"contacts: 3 (ids {contact_ids})" in dry.output
    assert db.session.scalar(select(RetentionRun)) is None
    assert runner.invoke(args=["run-job", "horizon", "--dry-run"]).exit_code == 2

    done = runner.invoke(args=["run-job", "retention"])
    assert done.exit_code == 0 and "cleared" in done.output, done.output
    login(make.coordinator())
    page = client.get("/privacy/admin").get_data(as_text=True)
    assert "The retention job has not run yet." not in page
    assert "24 months after the contact is closed" in page and "90 days after ingest" in page


@pytest.mark.parametrize(
    ("instant", "months", "expected"),
    [
        (datetime(2026, 3, 31, 12, tzinfo=UTC), 1, datetime(2026, 2, 28, 12, tzinfo=UTC)),
        (datetime(2028, 3, 31, 12, tzinfo=UTC), 1, datetime(2028, 2, 29, 12, tzinfo=UTC)),
        (datetime(2026, 1, 15, tzinfo=UTC), 24, datetime(2024, 1, 15, tzinfo=UTC)),
        (datetime(2026, 1, 15, tzinfo=UTC), 13, datetime(2024, 12, 15, tzinfo=UTC)),
    ],
)
def test_months_before_clamps_to_the_end_of_a_shorter_month(instant, months, expected):
    assert months_before(instant, months) == expected
