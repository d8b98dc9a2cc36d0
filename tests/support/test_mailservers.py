"""The mail-server fixtures work against the real Dovecot and aiosmtpd servers."""

import email.policy
import imaplib
import smtplib
import ssl
from email.message import EmailMessage

import pytest

from tests.support import mail_fixtures


def make_raw(number: int) -> bytes:
    """A small RFC 5322 message with CRLF line ends, as a server stores and returns it."""
    return (
        f"From: client{number}@example.org\r\nTo: ring@example.org\r\n"
        f"Subject: Question {number}\r\nMessage-ID: <q{number}@example.org>\r\n\r\n"
        f"Hello, this is question {number}.\r\n"
    ).encode()


def fetch_raw(mailbox, uid: int) -> bytes:
    """Fetch one message's full bytes by UID with plain imaplib."""
    with mailbox.connect() as conn:
        conn.select("INBOX", readonly=True)
        typ, data = conn.uid("FETCH", str(uid), "(BODY.PEEK[])")
    assert typ == "OK"
    return data[0][1]


def make_message(subject: str = "Your contact") -> EmailMessage:
    """An outgoing message as the app would send it."""
    message = EmailMessage()
    message["From"] = "ring@example.org"
    message["To"] = "client@example.org"
    message["Subject"] = subject
    message.set_content("We have received your message.")
    return message


def send(sink, message: EmailMessage) -> None:
    """Send through the sink with smtplib, like Flask-Mail does."""
    with smtplib.SMTP(sink.host, sink.port, timeout=5) as smtp:
        smtp.send_message(message)


def test_a_new_imap_mailbox_is_empty(imap_mailbox):
    assert imap_mailbox.list_uids() == []


def test_appended_messages_read_back_by_uid_in_order(imap_mailbox):
    raws = [make_raw(number) for number in range(3)]
    uids = [imap_mailbox.append(raw) for raw in raws]

    assert uids == [1, 2, 3]
    assert imap_mailbox.list_uids() == uids
    assert [fetch_raw(imap_mailbox, uid) for uid in uids] == raws


def test_append_many_keeps_order_and_reports_uids(imap_mailbox):
    raws = [make_raw(number) for number in range(1200)]

    uids = imap_mailbox.append_many(raws)

    assert uids == list(range(1, 1201))
    assert imap_mailbox.list_uids() == uids
    assert fetch_raw(imap_mailbox, 1200) == raws[-1]


def test_flags_are_stored_per_message_and_folder(imap_mailbox):
    seen = imap_mailbox.append(make_raw(1), flags=["\\Seen"])
    archived = imap_mailbox.append_many([make_raw(2)], folder="Archive", flags=["\\Flagged"])

    assert "\\Seen" in imap_mailbox.flags(seen)
    assert "\\Flagged" in imap_mailbox.flags(archived[0], folder="Archive")
    assert imap_mailbox.list_uids("Archive") == archived


def test_forced_uidvalidity_change_is_seen_by_a_new_imap_session(imap_mailbox):
    imap_mailbox.append(make_raw(1))
    before = imap_mailbox.uidvalidity()

    after = imap_mailbox.set_uidvalidity()

    with imap_mailbox.connect() as conn:
        conn.select("INBOX", readonly=True)
        _, (seen,) = conn.response("UIDVALIDITY")
    assert after != before
    assert int(seen) == after


def test_smtp_sink_receives_message_sent_with_smtplib(smtp_sink):
    send(smtp_sink, make_message("Your contact R-17"))

    (received,) = smtp_sink.wait_for(1)
    assert received.mail_from == "ring@example.org"
    assert received.rcpt_tos == ("client@example.org",)
    assert received.message["Subject"] == "Your contact R-17"
    assert received.message.get_content().strip() == "We have received your message."
    assert email.message_from_bytes(received.raw, policy=email.policy.default)["To"]


def test_smtp_down_refuses_then_delivers_on_the_same_port_when_back(smtp_sink):
    port = smtp_sink.port
    smtp_sink.stop()
    with pytest.raises(ConnectionRefusedError):
        send(smtp_sink, make_message())

    smtp_sink.start()
    send(smtp_sink, make_message("After the outage"))

    assert smtp_sink.port == port
    assert [m.message["Subject"] for m in smtp_sink.wait_for(1)] == ["After the outage"]


@pytest.mark.parametrize("code", [451, 554])
def test_smtp_rejection_raises_with_its_code_and_keeps_nothing(smtp_sink, code):
    smtp_sink.reject(code)
    with pytest.raises(smtplib.SMTPDataError) as failure:
        send(smtp_sink, make_message())
    smtp_sink.accept()
    send(smtp_sink, make_message("Accepted again"))

    assert failure.value.smtp_code == code
    assert [m.message["Subject"] for m in smtp_sink.wait_for(1)] == ["Accepted again"]


def test_wait_for_gives_up_after_its_timeout(smtp_sink):
    with pytest.raises(TimeoutError, match="got 0 of 1"):
        smtp_sink.wait_for(1, timeout=0.05)


def test_missing_dovecot_skips_locally(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(mail_fixtures, "dovecot_available", lambda: (False, "not here"))
    with pytest.raises(pytest.skip.Exception, match="not here"):
        mail_fixtures.require_dovecot()


def test_missing_dovecot_fails_on_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(mail_fixtures, "dovecot_available", lambda: (False, "not here"))
    with pytest.raises(pytest.fail.Exception, match="not here"):
        mail_fixtures.require_dovecot()


def test_private_dovecot_rejects_a_wrong_password(private_dovecot):
    private_dovecot.create_user("counsellor", "right")
    conn = imaplib.IMAP4(private_dovecot.host, private_dovecot.port, timeout=5)
    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        conn.login("counsellor", "wrong")
    conn.logout()


def test_tls_dovecot_offers_starttls_and_imaps_with_its_own_certificate(tls_dovecot):
    tls_dovecot.create_user("counsellor", "right")
    context = ssl.create_default_context(cafile=str(tls_dovecot.cert_path))
    plain = imaplib.IMAP4(tls_dovecot.host, tls_dovecot.port, timeout=5)
    plain.starttls(ssl_context=context)
    implicit = imaplib.IMAP4_SSL(tls_dovecot.host, tls_dovecot.ssl_port, ssl_context=context)

    assert plain.login("counsellor", "right")[0] == "OK"
    assert implicit.login("counsellor", "right")[0] == "OK"
    plain.logout()
    implicit.logout()
