"""Erasing one client: two clients mail and call in one thread, one is erased through the
coordinator's page, and nothing of theirs is left — in any table, the raw mail, or the bytes of
the SQLite database file and its log — while the other client's data and the report figures
stay as they were."""

import base64
import json
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from rota.auth import tokens
from rota.contacts.mail.ingest import ingest_pending
from rota.contacts.models import Attachment, Call, Contact, Message, MessageDirection
from rota.extensions import db
from rota.privacy.models import ClientRequest
from tests.contacts.mail.helpers import NOW, RING_EMAIL, store
from tests.privacy.helpers import contacts_per_channel_and_month, found_in_files, found_in_tables

AINO = {
    "email": "aino.asiakas@koti.example",
    "name": "Aino Asiakas",
    "phone_given": "040 555 1234",
    "phone": "+358405551234",
    "subject": "Vuokravakuus Kalliossa",
    "body": "Minulla on vuokravelkaa tasan 4321 euroa ja pelkään häätöä.",
    "file": b"%PDF-1.4 AINON-VUOKRASOPIMUS-0xC0FFEE " * 20,
    "summary": "Soitti velkaneuvonnasta",
}
BERTTA = {
    "email": "bertta.toinen@muualla.example",
    "name": "Bertta Toinen",
    "phone_given": "050 666 9876",
    "phone": "+358506669876",
    "subject": "Lisätietoa sisareltani",
    "body": "Bertan oma viesti pysyy tallessa kokonaan.",
    "file": b"BERTAN-LIITE-0xBEEF " * 20,
}


def mail_from(person: dict, message_id: str, **headers) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"{person['name']} <{person['email']}>"
    msg["To"] = RING_EMAIL
    msg["Subject"] = person["subject"]
    msg["Date"] = format_datetime(NOW)
    msg["Message-ID"] = message_id
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(person["body"] + "\n")
    msg.add_attachment(person["file"], maintype="application", subtype="pdf", filename="liite.pdf")
    return msg.as_bytes()


def secrets_of(person: dict) -> list:
    """Everything that would identify the person or tell what they wrote."""
    encoded = base64.b64encode(person["file"])[:60]  # as it travels in the raw mail
    return [
        person["email"],
        person["name"],
        person["phone"],
        person["phone_given"],
        person["subject"],
        person["body"],
        person["file"],
        encoded,
        *[v for k, v in person.items() if k == "summary"],
    ]


@pytest.fixture
def app_config(app_config, smtp_sink):
    app_config.update(RING_EMAIL=RING_EMAIL, MAIL_PORT=smtp_sink.port)
    return app_config


@pytest.fixture
def thread(app, make, client, login, smtp_sink):
    """Aino mails with Bertta in copy, Bertta answers into the thread, the counsellor replies
    to both and logs Aino's call; Aino and Bertta each call the ring's number."""
    org = make.org()
    anna = make.counsellor(org, name="Anna Ohjaaja")
    make.shift(org, "2026-03-30T09:00", channel="email", counsellor=anna)
    make.shift(org, "2026-03-30T09:00", channel="phone", counsellor=anna)
    coordinator = make.coordinator()
    _token, secret = tokens.create_token(db.session, name="PBX", scopes=["telephony:write"])
    db.session.commit()
    store(mail_from(AINO, "<aino-1@koti.example>", Cc=BERTTA["email"]))
    ingest_pending(db.session, app.config, NOW)
    store(mail_from(BERTTA, "<bertta-1@muualla.example>", In_Reply_To="<aino-1@koti.example>"))
    ingest_pending(db.session, app.config, NOW)
    contact = db.session.scalar(select(Contact).where(Contact.client_email == AINO["email"]))
    assert {m.from_addr for m in contact.messages if m.direction == "in"} == {
        AINO["email"],
        BERTTA["email"],
    }
    for person, call_id in ((AINO, "call-a"), (BERTTA, "call-b")):
        event = {
            "event": "new",
            "call_id": call_id,
            "caller": person["phone_given"],
            "called": "+358401234567",
            "timestamp": NOW.isoformat(),
        }
        response = client.post(
            "/api/v1/telephony/events",
            data=json.dumps(event),
            content_type="application/json",
            headers={"Authorization": f"Bearer {secret}"},
        )
        assert response.status_code == 201, response.get_json()
    login(anna)
    reply = {"text": "Hei molemmille, palaan asiaan.", "also_to": [BERTTA["email"]]}
    assert client.post(f"/contacts/{contact.id}/reply", data=reply).status_code == 302
    call = {
        "caller": AINO["phone_given"],
        "started_at": "2026-03-30T11:30",
        "outcome": "answered",
        "summary": AINO["summary"],
    }
    assert client.post(f"/contacts/{contact.id}/calls", data=call).status_code == 302
    part = db.session.scalar(select(Attachment).where(Attachment.filename == "liite.pdf"))
    assert client.get(f"/contacts/{contact.id}/attachments/{part.id}").status_code == 200
    client.post("/logout")
    smtp_sink.wait_for(3)  # two acknowledgements and the reply went out
    return contact, coordinator


def test_erasing_a_client_leaves_nothing_of_theirs_and_the_other_clients_data_intact(
    app, client, login, thread, database_url
):
    contact, coordinator = thread
    report_before = contacts_per_channel_and_month()
    assert found_in_tables(secrets_of(AINO)), "the test must see Aino's data before erasure"

    login(coordinator)
    data = {"email": AINO["email"], "phone": AINO["phone_given"]}
    page = client.post("/privacy/clients", data=data).get_data(as_text=True)
    assert "R-" in page and "Erase the client" in page
    erase = {**data, "reason": "Asiakkaan pyyntö 30.3.", "confirm": "y"}
    response = client.post("/privacy/clients/erase", data=erase)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.commit()

    left = found_in_tables(secrets_of(AINO))
    assert left == [], "\n".join(left)
    assert contacts_per_channel_and_month() == report_before
    request = db.session.scalar(select(ClientRequest))
    assert (request.kind, request.actor_id, request.reason) == (
        "erase",
        coordinator.id,
        "Asiakkaan pyyntö 30.3.",
    )
    kept = found_in_tables([BERTTA[k] for k in ("email", "name", "subject", "body", "file")])
    assert len({hit.split(":")[1] for hit in kept}) == 5, kept
    bertta = db.session.scalar(select(Message).where(Message.from_addr == BERTTA["email"]))
    assert bertta.contact_id == contact.id and bertta.body_text.startswith(BERTTA["body"])
    assert db.session.scalar(select(Call).where(Call.caller == BERTTA["phone"])) is not None
    replies = db.session.scalars(
        select(Message).where(Message.direction == MessageDirection.OUT, Message.to_addrs != "")
    ).all()
    assert [r.to_addrs for r in replies] == [BERTTA["email"]]  # the reply to both, Aino taken off

    if database_url.startswith("sqlite"):
        db.session.close()
        path = Path(db.engine.url.database)
        files = [path, path.with_name(path.name + "-wal")]
        assert found_in_files(files, secrets_of(AINO)) == []
        assert found_in_files(files, [BERTTA["body"], BERTTA["file"]]) != []
