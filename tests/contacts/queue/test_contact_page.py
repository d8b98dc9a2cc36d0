"""The contact page as a conversation, and finding contacts: search over what each role may see,
the client's earlier contacts, the call form's default time, phone contacts without e-mail."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from rota.contacts.models import Call, Message, MessageDirection
from rota.contacts.queue import views
from rota.extensions import db
from rota.outbox.models import OutboxMessage, OutboxStatus
from tests.contacts.queue.test_queue import VISIBLE

PHONE = "+358401234567"


@pytest.fixture
def other_client(ring, make):
    """Another client's contact with the same counsellor: never among the first client's."""
    return make.contact("Toinen asiakas", ring.anna, client_email="x@example.com")


@pytest.mark.parametrize("who", sorted(VISIBLE))
def test_search_by_address_finds_only_the_contacts_the_person_may_see(
    client,
    login,
    ring,
    contacts,
    other_client,
    who,
):
    login(getattr(ring, who))
    page = client.get("/contacts/search?q=C@Example.COM").get_data(as_text=True)
    assert f'/contacts/{other_client.id}"' not in page
    found = {name for name, c in contacts.items() if f'/contacts/{c.id}"' in page}
    assert found == VISIBLE[who]


@pytest.mark.parametrize("who", sorted(VISIBLE))
def test_the_contact_page_lists_the_clients_other_contacts_the_viewer_may_see(
    client,
    login,
    ring,
    contacts,
    other_client,
    who,
):
    login(getattr(ring, who))
    own = sorted(VISIBLE[who])[0]
    page = client.get(f"/contacts/{contacts[own].id}").get_data(as_text=True)
    earlier = page[page.index('id="earlier"') :]
    shown = {name for name, c in contacts.items() if f'/contacts/{c.id}"' in earlier}
    assert shown == VISIBLE[who] - {own} and f'/contacts/{other_client.id}"' not in earlier


def test_search_finds_by_reference_name_text_and_a_phone_number_as_typed(client, login, ring, make):
    by_phone = make.contact("Soitto", ring.anna, client_phone=PHONE, reference="R-4711")
    by_text = make.contact("Kysymys", ring.anna, client_name="Päivi Puhelin")
    db.session.add(
        Message(
            contact_id=by_text.id,
            direction=MessageDirection.IN,
            body_text="Haluaisin tietää oppisopimuksesta 100% varmasti.",
        )
    )
    db.session.commit()
    login(ring.anna)

    def found(text):
        page = client.get("/contacts/search", query_string={"q": text}).get_data(as_text=True)
        return {c.id for c in (by_phone, by_text) if f'/contacts/{c.id}"' in page}

    assert found("040 123 4567") == found("+358 40 1234567") == {by_phone.id}
    assert found("r-4711") == found("#R-4711") == {by_phone.id}
    assert found("päivi") == found("OPPISOPIMUKSESTA") == found("100%") == {by_text.id}
    assert found("50%") == found("_") == set()  # wildcards are taken literally
    empty = client.get("/contacts/search?q=eiloydy").get_data(as_text=True)
    assert "No contact you can see matches" in empty


def test_the_call_form_starts_at_now_and_an_emptied_time_means_now(
    client, login, ring, make, monkeypatch
):
    contact = make.contact("Soitto", ring.anna, client_phone=PHONE)
    contact.channel = "phone"
    db.session.commit()
    login(ring.anna)
    # 12:34 UTC on a summer day is 15:34 in Helsinki (EEST)
    monkeypatch.setattr(views, "utcnow", lambda: datetime(2026, 6, 10, 12, 34, 56, tzinfo=UTC))
    page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert 'value="2026-06-10T15:34"' in page and f'value="{PHONE}"' in page
    response = client.post(
        f"/contacts/{contact.id}/calls",
        data={"caller": "040 1234567", "started_at": "", "outcome": "answered"},
    )
    assert response.status_code == 302
    call = db.session.scalars(select(Call)).one()
    assert call.started_at == datetime(2026, 6, 10, 12, 34, 56, tzinfo=UTC)


def test_a_phone_contact_offers_call_back_and_notes_but_no_email_reply(client, login, ring, make):
    contact = make.contact("Soitto", ring.anna, client_phone=PHONE)
    contact.channel = "phone"
    db.session.commit()
    login(ring.anna)
    page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert f'href="tel:{PHONE}"' in page and f"/contacts/{contact.id}/note" in page
    assert f"/contacts/{contact.id}/reply" not in page and "Reply to the client" not in page


def _in_outbox(status: OutboxStatus, **fields) -> OutboxMessage:
    """A reply to c@example.com in the outbox, in `status`."""
    box = OutboxMessage(
        message_id=f"<{status}@rota.example>",
        recipients=["c@example.com"],
        subject="Re",
        body_text="x",
        status=status,
        **fields,
    )
    db.session.add(box)
    db.session.flush()
    return box


def test_the_thread_comes_first_automatic_mail_folds_and_failures_read_as_reasons(
    client, login, ring, make
):
    contact = make.contact("Hakemus", ring.anna, client_email="c@example.com")
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    box = _in_outbox(
        OutboxStatus.FAILED,
        attempts=5,
        last_error="ConnectionRefusedError: [Errno 111] Connection refused",
    )
    db.session.add_all(
        [
            Message(
                contact_id=contact.id,
                direction=MessageDirection.IN,
                body_text="Hei!\n" + "a" * 400,
                created_at=now,
            ),
            Message(
                contact_id=contact.id,
                direction=MessageDirection.OUT,
                automatic="auto-replied",
                body_text="Kiitos viestistäsi.",
                created_at=now + timedelta(seconds=1),
            ),
            Message(
                contact_id=contact.id,
                direction=MessageDirection.OUT,
                body_text="Vastaus",
                outbox_id=box.id,
                created_at=now + timedelta(minutes=5),
            ),
        ]
    )
    db.session.commit()
    login(ring.anna)
    page = client.get(f"/contacts/{contact.id}", headers={"Accept-Language": "fi"})
    html = page.get_data(as_text=True)
    assert html.index('id="thread-heading"') < html.index('class="facts"')
    assert "<pre" not in html and "auto-replied" not in html
    assert "<summary>Automaattinen viesti (automaattinen vastaus)" in html
    assert "Errno" not in html and "ConnectionRefusedError" not in html
    assert "postipalvelimeen ei saatu yhteyttä" in html


def test_a_thread_seen_again_shows_what_changed_in_the_readers_language(client, login, ring, make):
    """Each message's entry is written once per language and zone (queue/display.py): a reply
    delivered since, a note added since and another reader's language all show at once."""
    contact = make.contact("Hakemus", ring.anna, client_email="c@example.com")
    box = _in_outbox(OutboxStatus.QUEUED)
    reply = Message(
        contact_id=contact.id, direction=MessageDirection.OUT, body_text="Kiitos", outbox_id=box.id
    )
    db.session.add(reply)
    db.session.commit()
    login(ring.anna)
    path, english = f"/contacts/{contact.id}", {"Accept-Language": "en"}
    first = client.get(path, headers=english).get_data(as_text=True)
    assert "badge-queued" in first and 'message-head">Reply' in first
    box.status, box.sent_at = OutboxStatus.SENT, datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    db.session.commit()
    client.post(f"/contacts/{contact.id}/note", data={"text": "Soitin perään."})
    again = client.get(path, headers=english).get_data(as_text=True)
    assert "badge-queued" not in again and "badge-sent" in again and "Soitin perään." in again
    finnish = client.get(path, headers={"Accept-Language": "fi"}).get_data(as_text=True)
    assert 'message-head">Vastaus' in finnish and 'message-head">Reply' not in finnish
