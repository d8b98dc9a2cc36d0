"""Client HTML on the contact page: nothing remote ever loads; inline images come from our server."""

import re
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import select

from rota.contacts.mail.ingest import ingest_pending
from rota.contacts.models import Attachment, Contact, Message
from rota.extensions import db
from tests.contacts.mail.helpers import NOW, RING_EMAIL, store

CORPUS = Path(__file__).parents[1] / "mail" / "corpus"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"  # the 16 bytes of the corpus image
TRACKERS = (
    '<img src="https://tracker.example/p.gif">'
    '<img src="http://tracker.example/open?id=7" alt="">'
    '<img src="//tracker.example/proto-relative.gif">'
    '<img src="/\\tracker.example/backslash.gif">'
    '<img src="cid:not-a-part-of-this-message@logo.example.fi">'
)


@pytest.fixture
def app_config(app_config):
    app_config["RING_EMAIL"] = RING_EMAIL
    return app_config


def _ingest(raw: bytes) -> Contact:
    store(raw)
    ingest_pending(db.session, current_app.config, NOW)
    return db.session.scalar(select(Contact))


@pytest.fixture
def html_mail(app, make):
    """The corpus mail with an inline cid: image and tracking pixels, ingested as a new contact."""
    raw = (CORPUS / "13_inline_image_cid.eml").read_bytes()
    raw = raw.replace(b'<img src="https://tracker.example/p.gif">', TRACKERS.encode())
    contact = _ingest(raw)
    org = make.org(name="Org A")
    anna = make.counsellor(org, name="Anna")
    contact.owner_id, contact.organisation_id = anna.id, org.id
    db.session.commit()
    return contact, anna


def test_remote_images_never_load_and_inline_images_come_from_the_contacts_own_parts(
    client, login, html_mail
):
    contact, anna = html_mail
    login(anna)
    page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)

    assert "tracker.example" not in page
    assert "not-a-part-of-this-message" not in page
    image = db.session.scalar(select(Attachment))
    url = f"/contacts/{contact.id}/attachments/{image.id}"
    assert re.search(rf'<img[^>]* src="(http://rota\.test)?{re.escape(url)}"', page)
    response = client.get(url)
    assert response.status_code == 200 and response.data == image.data == PNG
    assert response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_only_people_who_may_see_the_contact_get_its_parts(client, login, make, html_mail):
    contact, _anna = html_mail
    image = db.session.scalar(select(Attachment))
    url = f"/contacts/{contact.id}/attachments/{image.id}"
    assert client.get(url).status_code == 302  # signed out: to the login page

    login(make.counsellor(make.org(name="Org B"), name="Bert"))
    assert client.get(url).status_code == 404


def test_a_part_is_served_only_under_the_contact_of_its_own_message(client, login, make, html_mail):
    contact, anna = html_mail
    image = db.session.scalar(select(Attachment))
    own = make.contact("Annan toinen asia", anna)
    login(anna)
    assert client.get(f"/contacts/{own.id}/attachments/{image.id}").status_code == 404


def test_html_and_svg_parts_are_downloads_never_shown_inline(client, login, html_mail):
    contact, anna = html_mail
    message = db.session.scalar(select(Message).where(Message.contact_id == contact.id))
    svg = Attachment(
        message_id=message.id,
        filename="kuva.svg",
        content_type="image/svg+xml",
        content_id="svg1@x",
        inline=True,
        size=60,
        data=b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    )
    db.session.add(svg)
    message.body_html += '<img src="cid:svg1@x">'
    db.session.commit()
    login(anna)

    page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert f'src="/contacts/{contact.id}/attachments/{svg.id}"' not in page
    response = client.get(f"/contacts/{contact.id}/attachments/{svg.id}")
    assert response.status_code == 200
    assert response.mimetype == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response.headers["Content-Security-Policy"]
