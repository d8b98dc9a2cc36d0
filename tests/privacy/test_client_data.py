"""A client's data: found by address or number, exported as a ZIP (JSON, the original
messages, the attachments), each export and erasure recorded without naming the client; the
same from the command line; bad input refused with a message and nothing changed."""

import io
import json
import zipfile

import pytest
from sqlalchemy import func, select

from rota.contacts.mail.ingest import ingest_pending
from rota.contacts.models import Contact, Message, RawMessage
from rota.extensions import db
from rota.privacy import clients
from rota.privacy.models import ClientRequest
from rota.reports.models import FeedbackRequest
from tests.contacts.mail.helpers import NOW, RING_EMAIL, mail, store
from tests.privacy.test_erasure import AINO, BERTTA, mail_from


@pytest.fixture
def app_config(app_config):
    app_config["RING_EMAIL"] = RING_EMAIL
    return app_config


@pytest.fixture
def mails(app):
    """Aino's mail with an attachment, Bertta's mail in Aino's thread, someone else's mail."""
    raw = mail_from(AINO, "<aino-1@koti.example>")
    store(raw)
    store(mail_from(BERTTA, "<bertta-1@muualla.example>", In_Reply_To="<aino-1@koti.example>"))
    store(mail(3))
    ingest_pending(db.session, app.config, NOW)
    return raw


def test_the_export_holds_the_clients_json_original_messages_and_attachments_only(
    app, client, login, make, mails
):
    coordinator = login(make.coordinator())
    response = client.post(
        "/privacy/clients/export", data={"email": AINO["email"].upper(), "reason": "Pyyntö 1.4."}
    )
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="client-data.zip"'
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    document = json.loads(archive.read("data.json"))
    [contact] = document["contacts"]
    assert contact["client_email"] == AINO["email"] and contact["subject"] == AINO["subject"]
    [message] = [m for m in document["messages"] if m["direction"] == "in"]
    assert message["text"].startswith(AINO["body"])
    assert archive.read(message["original"]) == mails
    assert archive.read(message["attachments"][0]["file"]) == AINO["file"]
    assert BERTTA["body"] not in json.dumps(document, ensure_ascii=False)
    assert not [name for name in archive.namelist() if BERTTA["file"] in archive.read(name)]
    assert [m["to"] for m in document["outgoing_mail"]] == [[AINO["email"]]]  # the acknowledgement

    request = db.session.scalar(select(ClientRequest))
    assert (request.kind, request.actor_id, request.named_by, request.via) == (
        "export",
        coordinator.id,
        "email",
        "web",
    )
    assert request.counts["contacts"] == 1 and request.counts["attachments"] == 1
    page = client.get("/privacy/admin").get_data(as_text=True)
    assert "Pyyntö 1.4." in page and AINO["email"] not in page
    assert db.session.scalar(select(Contact.client_email).where(Contact.id == 1)) == AINO["email"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "x"}, "Give the client&#39;s e-mail address, phone number or both."),
        ({"email": "ei-osoite", "reason": "x"}, "Give an e-mail address such as name@example.fi."),
        ({"phone": "soita minulle", "reason": "x"}, "This is not a phone number: soita minulle"),
        ({"email": AINO["email"]}, "This field is required."),
        ({"email": "ei.ketaan@example.fi", "reason": "x"}, "Nothing is held about this client."),
    ],
)
def test_bad_input_is_refused_with_what_to_do_and_nothing_changes(
    app, client, login, make, mails, data, message
):
    login(make.coordinator())
    for action in ("export", "erase"):
        form = {**data, "confirm": "y"} if action == "erase" else data
        response = client.post(f"/privacy/clients/{action}", data=form)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ClientRequest.id))) == 0
    assert db.session.scalar(select(Contact.client_email).where(Contact.id == 1)) == AINO["email"]


def test_erasing_needs_the_confirmation(app, client, login, make, mails):
    login(make.coordinator())
    data = {"email": AINO["email"], "reason": "Pyyntö"}
    response = client.post("/privacy/clients/erase", data=data)
    assert response.status_code == 400
    assert "This field is required." in response.get_data(as_text=True)
    assert db.session.scalar(select(Contact.client_email).where(Contact.id == 1)) == AINO["email"]


def test_find_export_and_erase_from_the_command_line(app, runner, make, mails, tmp_path):
    coordinator = make.coordinator(email="koordinaattori@example.fi")
    db.session.commit()
    found = runner.invoke(args=["client", "find", "--email", AINO["email"]])
    assert found.exit_code == 0 and "contacts: 1" in found.output and "messages: 2" in found.output

    out = tmp_path / "aino.zip"
    args = ["--email", AINO["email"], "--reason", "Pyyntö", "--by", coordinator.email]
    exported = runner.invoke(args=["client", "export", *args, "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    assert "data.json" in zipfile.ZipFile(out).namelist()

    erased = runner.invoke(args=["client", "erase", *args])
    assert erased.exit_code == 0, erased.output
    assert db.session.scalar(select(func.count()).where(Contact.client_email == AINO["email"])) == 0
    assert db.session.scalar(select(RawMessage.data).where(RawMessage.id == 1)) is None
    bertta = db.session.scalar(select(Message).where(Message.from_addr == BERTTA["email"]))
    assert bertta.body_text.startswith(BERTTA["body"])
    kinds = db.session.scalars(select(ClientRequest.kind).order_by(ClientRequest.id)).all()
    assert kinds == ["export", "erase"]

    again = runner.invoke(args=["client", "erase", *args])
    assert again.exit_code == 1 and "Nothing is held about this client." in again.output
    nobody = runner.invoke(args=["client", "find"])
    assert nobody.exit_code == 2 and "phone number or both" in nobody.output
    stranger = runner.invoke(
        args=["client", "erase", "--email", "x@example.fi", "--reason", "r", "--by", "x@example.fi"]
    )
    assert stranger.exit_code == 2 and "no active coordinator" in stranger.output


def test_an_address_that_only_contains_the_clients_is_someone_else(app, make, mails):
    """joaino.asiakas@… is not aino.asiakas@…: mail to it is not found or touched."""
    contact = db.session.scalar(select(Contact).where(Contact.client_email == AINO["email"]))
    other = f"jo{AINO['email']}"
    db.session.add(
        Message(
            contact_id=contact.id, direction="out", to_addrs=f"Jo <{other}>", body_text="Hei Jo"
        )
    )
    db.session.commit()
    data = clients.find(db.session, clients.ClientKey(email=AINO["email"]))
    assert [m.to_addrs for m in data.messages if m.direction == "out"] == [AINO["email"]]
    assert [o.recipients for o in data.outbox] == [[AINO["email"]]]


def test_erasure_clears_the_clients_feedback_comment_and_keeps_its_rating(app, make, mails):
    contact = db.session.scalar(select(Contact).where(Contact.client_email == AINO["email"]))
    db.session.add(
        FeedbackRequest(
            contact_id=contact.id,
            token_hash="0" * 64,
            language="fi",
            sent_at=NOW,
            expires_at=NOW,
            answered_at=NOW,
            rating=4,
            comment="Aino Asiakas kiittää neuvoista",
        )
    )
    db.session.commit()
    clients.erase(
        db.session, make.coordinator(), clients.ClientKey(email=AINO["email"]), "Pyyntö", NOW
    )
    db.session.commit()
    feedback = db.session.scalar(select(FeedbackRequest))
    assert (feedback.rating, feedback.comment) == (4, "")
