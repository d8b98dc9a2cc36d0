"""No client data in the server log: failed statements, ingest failures and refused mail."""

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from rota.contacts.models import Acknowledgement, Contact
from rota.db import utcnow
from rota.extensions import db
from rota.outbox.delivery import deliver
from rota.outbox.service import queue_mail

CALLER = "+358401234567"
NOW = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)


def our_log(caplog) -> str:
    """What rota's own loggers wrote, as the server log shows it (the test SMTP server's not)."""
    return "\n".join(caplog.handler.format(r) for r in caplog.records if r.name.startswith("rota"))


def test_a_refused_statement_logs_what_failed_but_no_client_data(app, caplog):
    db.session.add(Contact(channel=None, client_phone=CALLER, subject=f"Call from {CALLER}"))
    with pytest.raises(IntegrityError) as failure:
        db.session.flush()
    db.session.rollback()
    logging.getLogger("rota").error("request failed", exc_info=failure.value)

    log = our_log(caplog)
    assert "contacts" in log and "channel" in log  # what failed, for the operator
    assert CALLER not in log and "Call from" not in log


def test_mail_the_server_refuses_is_logged_without_the_clients_address(app, smtp_sink, caplog):
    app.config.update(MAIL_PORT=smtp_sink.port)
    smtp_sink.refuse_recipients({"client@example.fi"})
    queue_mail(db.session, to="client@example.fi", subject="Re: Hakemus", text="Hei")
    db.session.commit()
    with caplog.at_level(logging.INFO):
        deliver(db.session, app.extensions["mail"], utcnow())

    log = our_log(caplog)
    assert "not sent" in log and "SMTPRecipientsRefused" in log and "550" in log
    assert "client@example.fi" not in log


def test_a_duplicate_key_names_its_constraint_but_not_the_clients_address(app, caplog):
    contact = Contact(channel="email", client_email="client@example.fi")
    db.session.add(contact)
    db.session.flush()
    for _ in range(2):
        db.session.add(
            Acknowledgement(address="client@example.fi", day=NOW.date(), contact_id=contact.id)
        )
    with pytest.raises(IntegrityError) as failure:
        db.session.flush()
    db.session.rollback()
    logging.getLogger("rota.contacts").warning("clash", exc_info=failure.value)

    log = our_log(caplog)
    assert "acknowledgements" in log and "client@example.fi" not in log
