"""Delivering the outbox through a real SMTP server: one connection per run, retries, no loss."""

from datetime import timedelta

from sqlalchemy import select

from rota.db import utcnow
from rota.extensions import db, mail
from rota.outbox.delivery import deliver
from rota.outbox.models import OutboxMessage, OutboxStatus
from rota.outbox.service import outbox_values, queue_mail


def queue(count):
    for n in range(count):
        queue_mail(db.session, to=f"asiakas{n}@example.fi", subject=f"Viesti {n}", text="Hei")
    db.session.commit()


def statuses():
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    return [(row.status, row.attempts) for row in rows]


def test_a_run_of_messages_goes_out_over_one_smtp_connection(app, smtp_sink):
    queue(3)
    assert deliver(db.session, mail, utcnow()) == 3
    received = smtp_sink.wait_for(3)
    assert sorted(m.rcpt_tos[0] for m in received) == [f"asiakas{n}@example.fi" for n in range(3)]
    assert len({m.peer for m in received}) == 1
    assert statuses() == [(OutboxStatus.SENT, 1)] * 3


def test_refused_messages_wait_for_a_retry_and_then_go_out_once_each(app, smtp_sink):
    queue(2)
    smtp_sink.reject(451)
    assert deliver(db.session, mail, utcnow()) == 0
    assert statuses() == [(OutboxStatus.QUEUED, 1)] * 2
    errors = db.session.scalars(select(OutboxMessage.last_error)).all()
    assert all("451" in error for error in errors)
    smtp_sink.accept()
    later = utcnow() + timedelta(minutes=5)
    assert deliver(db.session, mail, later) == 2
    assert deliver(db.session, mail, later + timedelta(hours=1)) == 0
    assert len(smtp_sink.wait_for(2)) == 2
    assert statuses() == [(OutboxStatus.SENT, 2)] * 2


def test_smtp_down_leaves_no_claimed_message_behind(app, smtp_sink):
    queue(2)
    smtp_sink.stop()
    assert deliver(db.session, mail, utcnow()) == 0
    assert statuses() == [(OutboxStatus.QUEUED, 1)] * 2
    assert all(
        "ConnectionRefusedError" in e for e in db.session.scalars(select(OutboxMessage.last_error))
    )


def test_the_message_id_of_outgoing_mail_cannot_be_predicted():
    # make_msgid() is time.pid.random(64-bit Mersenne Twister): acknowledgements show enough of
    # them to predict the next, and a reply naming a message of a contact joins that contact.
    ids = {
        outbox_values(to="a@x.fi", subject="s", text="t", domain="r.fi")["message_id"] for _ in "ab"
    }
    for message_id in ids:
        local, _at, domain = message_id.strip("<>").partition("@")
        assert domain == "r.fi" and "." not in local and len(local) >= 32
    assert len(ids) == 2
