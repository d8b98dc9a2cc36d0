"""Stored raw mail -> contacts: routing, concurrency, failures and the coordinator's pages."""

import threading
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from rota.contacts.mail import ingest as ingest_module
from rota.contacts.mail import plan as ingest_plan
from rota.contacts.mail.ingest import ingest_pending
from rota.contacts.mail.mime.message import UnparseableMessage
from rota.contacts.models import (
    Acknowledgement,
    Contact,
    ContactEvent,
    Message,
    MessageDirection,
    RawMessage,
    RawStatus,
)
from rota.extensions import db
from rota.outbox.models import OutboxMessage
from rota.reports import stored
from tests.contacts.mail.helpers import (
    NOW,
    RING_EMAIL,
    contact_of,
    count,
    mail,
    statuses,
    store,
)


@pytest.fixture
def app_config(app_config):
    app_config["RING_EMAIL"] = RING_EMAIL
    return app_config


def test_a_new_contact_is_routed_to_the_counsellor_on_duty_with_an_event(app, make):
    org = make.org()
    counsellor = make.counsellor(org)
    make.shift(org, channel="email", counsellor=counsellor)
    store(mail(1))
    report = ingest_pending(db.session, app.config, NOW)

    contact = db.session.scalar(select(Contact))
    assert report.new_contacts == 1
    assert (contact.owner_id, contact.reference) == (counsellor.id, f"R-{contact.id}")
    kinds = [e.kind for e in contact.events]
    assert kinds.count("received") == 1 and kinds.count("routed") == 1


def test_each_new_contact_of_a_batch_tells_its_counsellor_with_its_own_reference_and_link(
    app, make
):
    org = make.org()
    counsellor = make.counsellor(org)
    counsellor.locale = "sv"  # her interface, and so her mail, in Swedish
    make.shift(org, channel="email", counsellor=counsellor)
    store(mail(1), mail(2), mail(3))
    report = ingest_pending(db.session, app.config, NOW)

    notices = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "contact_notification")
    ).all()
    contacts = db.session.scalars(select(Contact).order_by(Contact.id)).all()
    assert report.new_contacts == len(notices) == len(contacts) == 3
    for notice, contact in zip(sorted(notices, key=lambda n: n.id), contacts, strict=True):
        assert notice.recipients == [counsellor.email]
        assert f"Ny kontakt {contact.reference} " in notice.subject
        assert f"/contacts/{contact.id}\n" in notice.body_text + "\n"
        assert "{" not in notice.subject + notice.body_text


def test_a_reply_in_the_same_batch_as_the_message_it_answers_joins_its_contact(app):
    store(
        mail(1),
        mail(2, sender="asiakas1@example.fi", headers={"In-Reply-To": "<m1@example.fi>"}),
        mail(3),
    )
    report = ingest_pending(db.session, app.config, NOW)

    assert (report.new_contacts, report.threaded, report.acknowledged) == (2, 1, 2)
    first = contact_of("<m1@example.fi>")
    assert contact_of("<m2@example.fi>") == first != contact_of("<m3@example.fi>")
    assert [e.kind for e in first.events] == ["received", "routed", "message"]


def test_a_subject_tag_follows_the_rule_for_a_contact_opened_earlier_in_the_same_batch(app):
    tagged_by = {"subject": "Re: Kysymys [#R-1]"}
    store(mail(1), mail(2, sender="asiakas1@example.fi", **tagged_by), mail(3, **tagged_by))
    report = ingest_pending(db.session, app.config, NOW)

    first, second, third = (contact_of(f"<m{n}@example.fi>") for n in (1, 2, 3))
    tagged = db.session.scalar(select(Contact).where(Contact.reference == "R-1"))
    # SQLite gives the first contact R-1 again after the batch's first try; PostgreSQL's
    # sequence has moved on. Either way the tag joins the contact that bears it, if any, and
    # only from its client; another sender's mail opens a contact that mentions it.
    assert second == (tagged or second) and third not in (first, second)
    assert third.mentions_id == (tagged.id if tagged else None)
    assert (report.new_contacts, report.threaded) == ((2, 1) if tagged else (3, 0))
    assert first == tagged or tagged is None


def test_an_unparseable_message_fails_alone_and_never_blocks_the_ones_after_it(app):
    store(b"\n\n\n", b"\x00\x01\x02 binary \xff\xfe", mail(1), b"", mail(2))
    report = ingest_pending(db.session, app.config, NOW)
    assert (report.failed, report.new_contacts) == (3, 2)
    errors = db.session.scalars(select(RawMessage.error).where(RawMessage.status == "failed"))
    assert all(error.startswith("cannot be read as an e-mail") for error in errors)


def test_a_client_writing_to_a_closed_contact_opens_it_again_and_tells_its_owner(app, make):
    store(mail(1))
    ingest_pending(db.session, app.config, NOW)
    contact = db.session.scalar(select(Contact))
    owner = make.counsellor(make.org(), email="anna@example.fi")
    contact.status, contact.owner_id = "closed", owner.id
    db.session.commit()
    db.session.add(
        RawMessage(
            mailbox="test",
            uidvalidity=1,
            uid=9,
            message_id="",
            digest="",
            size=1,
            data=mail(2, headers={"References": "<m1@example.fi>"}),
        )
    )
    db.session.commit()
    assert ingest_pending(db.session, app.config, NOW).threaded == 1
    db.session.refresh(contact)
    assert contact.status == "open" and contact.events[-1].kind == "reopened"
    notice = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "contact_notification")
    ).one()
    assert (
        notice.recipients == ["anna@example.fi"]
        and f"{contact.reference} reopened" in notice.subject
    )


def test_a_client_reopening_a_contact_by_mail_makes_its_report_figures_stale(app):
    store(mail(1))
    ingest_pending(db.session, app.config, NOW)
    contact = db.session.scalar(select(Contact))
    contact.status, contact.closed_at = "closed", NOW
    db.session.commit()
    assert stored.refresh(db.session, ZoneInfo(app.config["TIMEZONE"])) == 1
    db.session.commit()
    store(mail(2, headers={"References": "<m1@example.fi>"}))
    assert ingest_pending(db.session, app.config, NOW).threaded == 1
    db.session.refresh(contact)
    assert (contact.closed_at, contact.figures_clock) == (None, None)


def _worker(app, barrier, errors):
    with app.app_context():
        try:
            barrier.wait()
            ingest_pending(db.session, app.config, NOW)
        except Exception as exc:  # reported by the test, not lost in the thread
            errors.append(exc)
        finally:
            db.session.remove()


def test_eight_concurrent_workers_assign_no_contact_twice_and_lose_no_event(app, make):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (set ROTA_TEST_POSTGRES_URL)")
    org = make.org()
    make.shift(org, channel="email", counsellor=make.counsellor(org))
    unique = [mail(n) for n in range(1, 121)]
    store(*unique, *unique[::3])  # 40 copies delivered twice
    barrier, errors = threading.Barrier(8), []
    workers = [threading.Thread(target=_worker, args=(app, barrier, errors)) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)

    assert errors == []
    assert statuses() == {"ingested": 120, "duplicate": 40}
    assert count(Contact) == 120 and count(Contact, Contact.owner_id.is_(None)) == 0
    assert count(Message, Message.direction == MessageDirection.IN) == 120
    for kind in ("received", "routed"):
        per_contact = select(ContactEvent.contact_id, func.count()).where(ContactEvent.kind == kind)
        counts = db.session.execute(per_contact.group_by(ContactEvent.contact_id)).all()
        assert len(counts) == 120 and {n for _id, n in counts} == {1}
    assert count(Acknowledgement) == 120


def test_mail_problems_page_lists_a_failure_and_reprocess_ingests_it_after_a_fix(
    app, client, login, make, monkeypatch
):
    [raw_id] = store(mail(1, subject="Apua hakemukseen"))

    def broken_parser(raw, **kwargs):
        raise UnparseableMessage("simulated parser bug")

    monkeypatch.setattr(ingest_module, "parse_message", broken_parser)
    ingest_pending(db.session, app.config, NOW)
    monkeypatch.undo()
    login(make.coordinator())

    page = client.get("/mail").get_data(as_text=True)
    assert "simulated parser bug" in page and "Apua hakemukseen" in page
    assert "asiakas1@example.fi" in page
    download = client.get(f"/mail/raw/{raw_id}.eml")
    assert download.mimetype == "message/rfc822" and download.data == mail(
        1, subject="Apua hakemukseen"
    )

    response = client.post(f"/mail/raw/{raw_id}/reprocess", follow_redirects=True)
    assert "The message is now a new contact." in response.get_data(as_text=True)
    assert statuses() == {"ingested": 1} and count(Contact) == 1
    assert "No mail problems" in client.get("/mail").get_data(as_text=True)


def test_reprocess_refuses_an_ingested_or_over_size_message_and_changes_nothing(
    app, client, login, make
):
    ingested = store(mail(1), mail(2), size=10**9)[0]
    db.session.get(RawMessage, ingested).size = len(mail(1))
    db.session.commit()
    ingest_pending(db.session, app.config, NOW)
    too_big = db.session.scalar(select(RawMessage.id).where(RawMessage.status == RawStatus.FAILED))
    login(make.coordinator())

    page = client.post(f"/mail/raw/{ingested}/reprocess", follow_redirects=True)
    assert "already ingested" in page.get_data(as_text=True)
    page = client.post(f"/mail/raw/{too_big}/reprocess", follow_redirects=True)
    assert "over the size limit" in page.get_data(as_text=True)
    assert statuses() == {"ingested": 1, "failed": 1} and count(Contact) == 1
    assert client.post("/mail/raw/999999/reprocess").status_code == 302


def test_an_error_in_one_message_of_a_batch_rolls_back_that_message_alone(app, monkeypatch):
    store(mail(1), mail(2), mail(3))
    real = ingest_plan.acknowledgement_mail

    def failing_for_the_second(session, contact, parsed, *args, **kwargs):
        if parsed.from_addr == "asiakas2@example.fi":
            raise RuntimeError("simulated bug while acknowledging")
        return real(session, contact, parsed, *args, **kwargs)

    monkeypatch.setattr(ingest_plan, "acknowledgement_mail", failing_for_the_second)
    report = ingest_pending(db.session, app.config, NOW)

    assert (report.new_contacts, report.failed, report.acknowledged) == (2, 1, 2)
    assert statuses() == {"ingested": 2, "failed": 1}
    failed = db.session.scalar(select(RawMessage).where(RawMessage.status == RawStatus.FAILED))
    assert "simulated bug while acknowledging" in failed.error and failed.contact_id is None
    assert count(Contact) == 2 and count(Acknowledgement) == 2
    assert count(Message, Message.direction == MessageDirection.IN) == 2


def test_mail_problems_show_raw_8bit_headers_decoded_a_readable_reason_and_no_useless_reprocess(
    app, client, login, make
):
    raw = (
        "From: Äiti Ääninen <aiti@example.fi>\r\nSubject: pitkä otsikko\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nhei\r\n"
    ).encode()
    [raw_id] = store(raw, size=10**9)
    ingest_pending(db.session, app.config, NOW)
    login(make.coordinator())

    page = client.get("/mail", headers={"Accept-Language": "fi"}).get_data(as_text=True)
    assert "pitkä otsikko" in page and "aiti@example.fi" in page and "\ufffd" not in page
    assert "Viestistä säilytettiin vain otsake." in page  # the reason in the reader's language
    assert f"/mail/raw/{raw_id}/reprocess" not in page


def test_the_history_of_an_ingested_contact_is_in_the_readers_language(app, client, login, make):
    store(mail(1), mail(2, headers={"Auto-Submitted": "auto-replied"}, sender="auto@example.fi"))
    ingest_pending(db.session, app.config, NOW)
    login(make.coordinator())
    client.post("/language", data={"language": "fi"})
    for contact in db.session.scalars(select(Contact)):
        page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
        assert "e-mail from" not in page and "automatic:" not in page
        assert f"sähköposti osoitteesta {contact.client_email}" in page
