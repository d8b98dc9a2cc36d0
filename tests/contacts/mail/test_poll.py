"""The shared mailbox ingest against a real Dovecot: exactly once, whatever fails when."""

import os
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import select

from rota.contacts.mail import imap
from rota.contacts.mail import plan as ingest_plan
from rota.contacts.mail.poll import mailbox_key, poll_mailbox
from rota.contacts.models import (
    Contact,
    MailboxState,
    Message,
    MessageDirection,
    RawMessage,
    RawStatus,
)
from rota.extensions import db
from tests.contacts.mail.helpers import (
    NOW,
    assert_each_once,
    contact_of,
    count,
    imap_config,
    mail,
    send_mail_to,
    statuses,
)


@pytest.fixture
def app_config(app_config, imap_mailbox):
    app_config.update(imap_config(imap_mailbox))
    return app_config


def poll(app, **kwargs):
    return poll_mailbox(db.session, app.config, NOW, **kwargs)


def test_every_delivered_message_becomes_one_contact_or_one_threaded_message(app, imap_mailbox):
    imap_mailbox.append_many([mail(n) for n in range(1, 6)])
    report = poll(app)
    reference = contact_of("<m2@example.fi>").reference
    imap_mailbox.append_many(
        [
            mail(6, sender="asiakas1@example.fi", headers={"In-Reply-To": "<m1@example.fi>"}),
            mail(7, sender="asiakas2@example.fi", subject=f"Re: asia [#{reference}]"),
            mail(8, sender="y@example.org", headers={"References": "<zz@x> <m3@example.fi>"}),
        ]
    )
    second = poll(app)

    assert (report.fetched, report.new_contacts) == (5, 5)
    assert (second.fetched, second.new_contacts, second.threaded) == (3, 0, 3)
    assert count(Contact) == 5
    assert_each_once([f"<m{n}@example.fi>" for n in range(1, 9)])
    assert contact_of("<m6@example.fi>") == contact_of("<m1@example.fi>")
    assert contact_of("<m7@example.fi>") == contact_of("<m2@example.fi>")
    assert contact_of("<m8@example.fi>") == contact_of("<m3@example.fi>")
    assert statuses() == {"ingested": 8}


def test_messages_are_fetched_without_setting_seen_and_flagged_after_ingest(app, imap_mailbox):
    uid = imap_mailbox.append(mail(1))
    poll(app)
    assert imap_mailbox.flags(uid) == {r"\Flagged"}
    raw = db.session.scalar(select(RawMessage))
    assert raw.marked_at == NOW and raw.data == mail(1).replace(b"\n", b"\r\n")


def test_leave_mode_changes_nothing_on_the_server(app, imap_mailbox):
    app.config["IMAP_AFTER"] = "leave"
    uid = imap_mailbox.append(mail(1))
    poll(app)
    assert imap_mailbox.flags(uid) == set()
    assert count(Contact) == 1


def test_move_mode_moves_ingested_messages_and_a_new_poll_fetches_nothing(app, imap_mailbox):
    app.config.update(IMAP_AFTER="move", IMAP_MOVE_TO="Done")
    imap_mailbox.append_many([mail(1), mail(2)])
    poll(app)
    assert imap_mailbox.list_uids() == []
    assert len(imap_mailbox.list_uids("Done")) == 2
    assert poll(app).fetched == 0
    assert count(Contact) == 2


def test_high_water_mark_means_a_second_poll_fetches_only_new_mail(app, imap_mailbox):
    app.config["IMAP_BATCH"] = 2  # several UID windows
    imap_mailbox.append_many([mail(n) for n in range(1, 6)])
    assert poll(app).fetched == 5
    imap_mailbox.append(mail(6))
    assert poll(app).fetched == 1
    state = db.session.get(MailboxState, mailbox_key(app.config))
    assert state.last_uid == 6
    assert_each_once([f"<m{n}@example.fi>" for n in range(1, 7)])


class Crash(BaseException):
    """A process dying: not an Exception, so nothing on the way catches it."""


class DyingConnection:
    """A real imaplib connection whose process dies at the (after+1)-th UID `command`."""

    def __init__(self, conn, command, after):
        self._conn, self._command, self._left = conn, command, after

    def uid(self, command, *args):
        if command == self._command:
            if self._left == 0:
                raise Crash(command)
            self._left -= 1
        return self._conn.uid(command, *args)

    def __getattr__(self, name):
        return getattr(self._conn, name)


@pytest.mark.parametrize(("command", "after"), [("STORE", 0), ("FETCH", 4)])
def test_a_crash_at_fetch_or_mark_and_a_restart_lose_and_duplicate_nothing(
    app, imap_mailbox, command, after
):
    app.config["IMAP_BATCH"] = 3  # windows of 3: sizes + bodies are two FETCHes each
    uids = imap_mailbox.append_many([mail(n) for n in range(1, 8)])

    def factory(config):
        return DyingConnection(imap.connect_imap(config), command, after)

    with pytest.raises(Crash):
        poll(app, imap_factory=factory)
    db.session.rollback()  # what the dying process's open transaction amounts to
    stored_before_crash = count(RawMessage)

    report = poll(app)

    assert stored_before_crash == (3 if command == "STORE" else 6)
    assert report.fetched == 7 - stored_before_crash
    assert_each_once([f"<m{n}@example.fi>" for n in range(1, 8)])
    assert count(Contact) == 7
    assert all(imap_mailbox.flags(uid) == {r"\Flagged"} for uid in uids)


def test_a_crash_in_the_middle_of_ingest_loses_and_duplicates_nothing(
    app, imap_mailbox, monkeypatch
):
    imap_mailbox.append_many([mail(n) for n in range(1, 6)])
    real, calls = ingest_plan.route_for, []

    def dying_router(*args, **kwargs):
        calls.append(args)
        if len(calls) == 3:
            raise Crash("killed while routing")
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest_plan, "route_for", dying_router)
    with pytest.raises(Crash):
        poll(app)
    db.session.rollback()
    monkeypatch.setattr(ingest_plan, "route_for", real)

    assert count(RawMessage, RawMessage.status == RawStatus.PENDING) == 5  # the whole batch
    assert count(Contact) == 0
    assert poll(app).fetched == 0
    assert_each_once([f"<m{n}@example.fi>" for n in range(1, 6)])
    assert count(Contact) == 5


KILLED_WORKER = textwrap.dedent(
    """
    import os, signal, sys
    from rota import create_app
    from rota.contacts.mail import imap
    from rota.contacts.mail.poll import poll_mailbox
    from rota.db import utcnow
    from rota.extensions import db

    config = dict(arg.split("=", 1) for arg in sys.argv[1:])
    config["IMAP_PORT"] = int(config["IMAP_PORT"])
    real_flag = imap.flag

    def flag_then_die(conn, uids):
        real_flag(conn, uids)  # the server has flagged them; our note of it never commits
        os.kill(os.getpid(), signal.SIGKILL)

    imap.flag = flag_then_die
    app = create_app(config)
    with app.app_context():
        poll_mailbox(db.session, app.config, utcnow())
    """
)


def test_an_ingest_process_killed_after_marking_is_finished_by_the_next_run(
    app, app_config, imap_mailbox
):
    imap_mailbox.append_many([mail(n) for n in range(1, 5)])
    keys = ("SECRET_KEY", "BASE_URL", "DATABASE_URL", "IMAP_HOST", "IMAP_PORT", "IMAP_USER")
    keys += ("IMAP_PASSWORD",)
    args = [f"{key}={app_config[key]}" for key in keys] + ["IMAP_SECURITY=none"]
    env = {**os.environ, "ROTA_RING_EMAIL": app_config["RING_EMAIL"]}
    worker = subprocess.run(
        [sys.executable, "-c", KILLED_WORKER, *args], env=env, capture_output=True, timeout=60
    )
    assert worker.returncode == -9, worker.stderr.decode()
    db.session.expire_all()
    assert count(RawMessage, RawMessage.marked_at.is_(None)) == 4

    report = poll(app)

    assert (report.fetched, report.marked) == (0, 4)
    assert_each_once([f"<m{n}@example.fi>" for n in range(1, 5)])
    assert count(RawMessage, RawMessage.marked_at.is_(None)) == 0


def test_changed_uidvalidity_re_syncs_without_duplicates(app, imap_mailbox):
    app.config["IMAP_AFTER"] = "leave"
    imap_mailbox.append_many([mail(n) for n in range(1, 4)])
    poll(app)
    imap_mailbox.set_uidvalidity()
    imap_mailbox.append(mail(4))

    report = poll(app)

    assert report.resynced and report.fetched == 4
    assert (report.duplicates, report.new_contacts) == (3, 1)
    assert count(Contact) == 4
    assert_each_once([f"<m{n}@example.fi>" for n in range(1, 5)])
    state = db.session.get(MailboxState, mailbox_key(app.config))
    assert state.uidvalidity == imap_mailbox.uidvalidity()


def test_the_same_message_delivered_twice_is_one_contact(app, imap_mailbox):
    imap_mailbox.append_many([mail(1), mail(1), mail(2)])
    report = poll(app)
    assert (report.new_contacts, report.duplicates) == (2, 1)
    assert statuses() == {"ingested": 2, "duplicate": 1}


def test_a_reused_message_id_with_other_content_is_a_new_message(app, imap_mailbox):
    imap_mailbox.append_many([mail(1), mail(2, message_id="<m1@example.fi>")])
    report = poll(app)
    assert (report.new_contacts, report.duplicates, report.threaded) == (2, 0, 0)
    assert count(Message, Message.message_id == "<m1@example.fi>") == 2


def test_over_size_message_is_kept_listed_and_does_not_block_the_next(app, imap_mailbox):
    app.config["MAIL_MAX_BYTES"] = 5000
    uids = imap_mailbox.append_many([mail(1), mail(2, body="iso liite\n" * 2000), mail(3)])
    report = poll(app)
    assert (report.fetched, report.new_contacts, report.failed) == (3, 2, 1)
    big = db.session.scalar(select(RawMessage).where(RawMessage.status == RawStatus.FAILED))
    assert big.uid == uids[1] and big.size > 20000
    assert "over the size limit" in big.error and big.data.startswith(b"From: ")
    assert all(imap_mailbox.flags(uid) == {r"\Flagged"} for uid in uids)


def test_message_without_message_id_gets_a_synthetic_one_and_is_deduped(app, imap_mailbox):
    imap_mailbox.append_many([mail(1, message_id=None), mail(1, message_id=None)])
    report = poll(app)
    assert (report.new_contacts, report.duplicates) == (1, 1)
    incoming = select(Message.message_id).where(Message.direction == MessageDirection.IN)
    assert db.session.scalar(incoming).endswith("@rota.invalid>")


def test_starttls_and_imaps_with_the_servers_certificate(app, tls_dovecot):
    tls_dovecot.create_user("tlsuser", "secret")
    tls_dovecot.append("tlsuser", mail(1))
    app.config.update(IMAP_USER="tlsuser", IMAP_PASSWORD="secret", IMAP_HOST="localhost")
    app.config.update(IMAP_CAFILE=str(tls_dovecot.cert_path), IMAP_AFTER="leave")
    app.config.update(IMAP_SECURITY="starttls", IMAP_PORT=tls_dovecot.port)
    assert poll(app).new_contacts == 1
    app.config.update(IMAP_SECURITY="ssl", IMAP_PORT=tls_dovecot.ssl_port)
    report = poll(app)
    assert report.error == "" and report.fetched == 0


def test_wrong_password_is_recorded_as_the_last_error(app):
    app.config["IMAP_PASSWORD"] = "wrong"
    report = poll(app)
    state = db.session.get(MailboxState, mailbox_key(app.config))
    assert "AUTHENTICATIONFAILED" in report.error or "failed" in report.error.lower()
    assert state.failures == 1 and state.last_error == report.error and state.checked_at == NOW


def test_poll_mail_command_prints_what_it_did(app, imap_mailbox, runner):
    imap_mailbox.append_many([mail(1), mail(1), mail(2)])
    result = runner.invoke(args=["poll-mail"])
    assert result.exit_code == 0, result.output
    assert "fetched 3, new contacts 2, threaded 0, duplicates 1, failed 0" in result.output


def test_poll_mail_command_fails_loudly_when_the_mailbox_is_unreachable(app, runner):
    app.config["IMAP_PORT"] = 9
    result = runner.invoke(args=["poll-mail"])
    assert result.exit_code == 1
    assert "fetched 0" in result.output and "could not be read" in result.output


@pytest.fixture
def sink_config(app_config, smtp_sink):
    """The app sends its mail to the test SMTP server (list this before `app`)."""
    return send_mail_to(app_config, smtp_sink)


def test_repeated_connection_failures_alert_the_coordinator_once_and_reset_on_success(
    sink_config, app, make, smtp_sink, imap_mailbox
):
    app.config["IMAP_ALERT_AFTER"] = 3
    coordinator = make.coordinator()
    db.session.commit()
    app.config["IMAP_PORT"] = 9  # nothing listens: connection refused
    for _minute in range(6):
        assert poll(app).error
    assert [m.rcpt_tos for m in smtp_sink.messages] == [(coordinator.email,)]
    assert "cannot be read" in smtp_sink.messages[0].message["Subject"]

    app.config["IMAP_PORT"] = imap_mailbox.port
    assert poll(app).error == ""
    state = db.session.get(MailboxState, mailbox_key(app.config))
    assert (state.failures, state.last_error, state.alerted_at) == (0, "", None)

    app.config["IMAP_PORT"] = 9
    for _minute in range(3):
        poll(app)
    assert len(smtp_sink.messages) == 2  # a new outage alerts again, once
