"""Least exposure: parts are downloads that cannot run; notices never quote the client; the
privacy notice is public, per language, and every acknowledgement links to it."""

import logging
import re
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from rota.contacts.mail.ingest import ingest_pending
from rota.contacts.models import Attachment, Contact
from rota.extensions import db
from rota.outbox.models import OutboxMessage
from tests.contacts.mail.helpers import NOW, RING_EMAIL, mail, store

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PARTS = [
    ("kuva.png", "image", "png", PNG),
    ("sivu.html", "text", "html", b"<script>alert(1)</script>"),
    ("kuva.svg", "image", "svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'),
    ("lomake.pdf", "application", "pdf", b"%PDF-1.4"),
]


@pytest.fixture
def app_config(app_config):
    app_config["RING_EMAIL"] = RING_EMAIL
    return app_config


def _with_parts() -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "asiakas@example.fi", RING_EMAIL, "Salainen asia"
    msg["Message-ID"] = "<parts@example.fi>"
    msg.set_content("Luottamuksellinen sisältö, jota ilmoitus ei saa lainata.")
    for name, main, sub, data in PARTS:
        msg.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return msg.as_bytes()


def test_every_part_is_a_download_never_sniffed_and_only_raster_images_keep_their_type(
    app, make, client, login
):
    anna = make.counsellor(make.org())
    make.shift(anna.organisation, channel="email", counsellor=anna)
    db.session.commit()
    store(_with_parts())
    ingest_pending(db.session, app.config, NOW)
    contact = db.session.scalar(select(Contact))
    login(anna)
    types = {}
    for part in db.session.scalars(select(Attachment)):
        response = client.get(f"/contacts/{contact.id}/attachments/{part.id}")
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response.headers["Content-Security-Policy"]
        types[part.filename] = response.mimetype
    assert types == {
        "kuva.png": "image/png",
        "sivu.html": "application/octet-stream",
        "kuva.svg": "application/octet-stream",
        "lomake.pdf": "application/octet-stream",
    }


def test_the_notice_of_a_new_contact_links_to_it_and_never_quotes_the_message(app, make):
    anna = make.counsellor(make.org())
    make.shift(anna.organisation, channel="email", counsellor=anna)
    db.session.commit()
    store(_with_parts())
    ingest_pending(db.session, app.config, NOW)
    notice = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.kind == "contact_notification")
    )
    contact = db.session.scalar(select(Contact))
    text = notice.subject + notice.body_text
    assert f"/contacts/{contact.id}" in text
    for client_data in ("Salainen", "Luottamuksellinen", "asiakas@example.fi", "kuva.png"):
        assert client_data not in text


@pytest.mark.parametrize(
    ("language", "words"),
    [("fi", "henkilötietojasi"), ("sv", "personuppgifter"), ("en", "personal data")],
)
def test_every_acknowledgement_links_to_the_notice_in_the_clients_language(
    app, client, language, words
):
    texts = {
        "fi": "Hei, tarvitsen apua työnhakuun ja koulutukseen.",
        "sv": "Hej, jag behöver hjälp med att söka jobb och utbildning.",
        "en": "Hello, I need help with looking for work and training.",
    }
    store(mail(1, body=texts[language] * 3))
    ingest_pending(db.session, app.config, NOW)
    ack = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "acknowledgement"))
    link = f"http://rota.test/privacy?lang={language}"
    assert link in ack.body_text and words in ack.body_text
    page = client.get(f"/privacy?lang={language}")  # public: nobody signed in
    assert page.status_code == 200
    assert f'lang="{language}"' in page.get_data(as_text=True)


def test_the_rings_own_notice_replaces_the_built_in_one_and_acknowledgements_still_link_it(
    app, client
):
    app.config["PRIVACY_NOTICE"] = {"en": "Our own notice: the ring keeps your data safe."}
    app.config["ACK_TEXT"] = {"en": "Thanks, {reference}."}
    assert "Our own notice" in client.get("/privacy?lang=en").get_data(as_text=True)
    assert "Our own notice" not in client.get("/privacy?lang=fi").get_data(as_text=True)
    store(mail(1, body="Hello, I need help with looking for work and training. " * 3))
    ingest_pending(db.session, app.config, NOW)
    ack = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "acknowledgement"))
    assert ack.body_text.startswith("Thanks, R-") and "/privacy?lang=en" in ack.body_text


def test_a_clients_address_travels_in_no_url_and_reaches_no_log(app, make, client, login, caplog):
    store(mail(1, sender="piilossa@example.fi"))
    ingest_pending(db.session, app.config, NOW)
    login(make.coordinator())
    caplog.set_level(logging.DEBUG)
    form = client.get("/privacy/clients").get_data(as_text=True)
    assert 'method="post"' in form
    data = {"email": "piilossa@example.fi", "reason": "Pyyntö"}
    page = client.post("/privacy/clients", data=data).get_data(as_text=True)
    assert "piilossa@example.fi" in page
    links = re.findall(r'(?:action|href|src)="([^"]*)"', page)
    assert links and not [link for link in links if "piilossa" in link]
    assert client.post("/privacy/clients/export", data=data).status_code == 200
    assert client.post("/privacy/clients/erase", data={**data, "confirm": "y"}).status_code == 302
    assert caplog.records and "piilossa" not in caplog.text
