"""Contact facts: the coordinator keeps the lists, a counsellor sets a contact's facts on its
page, a retired entry stays on the contacts that name it."""

from rota.extensions import db
from rota.reports import facts
from rota.reports.models import ContactFacts, ContactOutcome, FactKind, FactOption


def _option(kind, label):
    option = facts.add_option(db.session, kind, label)
    db.session.commit()
    return option


def test_coordinator_adds_and_retires_list_entries(client, login, ring):
    login(ring.coordinator)
    response = client.post("/reports/lists/topic", data={"label": "  Study   choice "})
    assert response.status_code == 302
    option = db.session.query(FactOption).one()
    assert (option.kind, option.label, option.active) == (FactKind.TOPIC, "Study choice", True)
    again = client.post("/reports/lists/topic", data={"label": "Study choice"})
    assert again.status_code == 400
    assert "Study choice is on the list already." in again.get_data(as_text=True)
    client.post(f"/reports/lists/options/{option.id}/retire")
    page = client.get("/reports/lists").get_data(as_text=True)
    assert "Study choice" not in page
    assert db.session.get(FactOption, option.id).active is False


def test_unknown_list_is_404(client, login, ring):
    login(ring.coordinator)
    assert client.post("/reports/lists/colours", data={"label": "Red"}).status_code == 404


def test_counsellor_sets_facts_on_the_contact_page(client, login, ring, make):
    topic = _option(FactKind.TOPIC, "Job search")
    place = _option(FactKind.MUNICIPALITY, "Jyväskylä")
    group = _option(FactKind.CLIENT_GROUP, "Adults in work")
    contact = make.contact(owner=ring.anna)
    login(ring.anna)
    page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert "Facts for the reports" in page and "Jyväskylä" in page
    response = client.post(
        f"/contacts/{contact.id}/facts",
        data={
            "topic_id": topic.id,
            "municipality_id": place.id,
            "client_group_id": group.id,
            "outcome": "referred_member",
            "referred_organisation_id": ring.org_b.id,
        },
    )
    assert response.status_code == 302
    stored = db.session.get(ContactFacts, contact.id)
    assert (stored.topic_id, stored.municipality_id, stored.client_group_id) == (
        topic.id,
        place.id,
        group.id,
    )
    assert stored.outcome == ContactOutcome.REFERRED_MEMBER
    assert stored.referred_organisation_id == ring.org_b.id
    assert stored.updated_by_id == ring.anna.id


def test_referral_to_a_member_names_it(client, login, ring, make):
    contact = make.contact(owner=ring.anna)
    login(ring.anna)
    response = client.post(f"/contacts/{contact.id}/facts", data={"outcome": "referred_member"})
    assert response.status_code == 400
    assert "Choose the member organisation the client was referred to." in response.get_data(
        as_text=True
    )
    assert db.session.get(ContactFacts, contact.id) is None


def test_referral_elsewhere_drops_the_organisation(client, login, ring, make):
    contact = make.contact(owner=ring.anna)
    login(ring.anna)
    client.post(
        f"/contacts/{contact.id}/facts",
        data={"outcome": "referred_elsewhere", "referred_organisation_id": ring.org_b.id},
    )
    stored = db.session.get(ContactFacts, contact.id)
    assert (stored.outcome, stored.referred_organisation_id) == (
        ContactOutcome.REFERRED_ELSEWHERE,
        None,
    )


def test_retired_or_foreign_entries_cannot_be_chosen_anew(client, login, ring, make):
    topic = _option(FactKind.TOPIC, "Recognition of prior learning")
    place = _option(FactKind.MUNICIPALITY, "Muurame")
    contact = make.contact(owner=ring.anna)
    login(ring.anna)
    wrong_list = client.post(f"/contacts/{contact.id}/facts", data={"topic_id": place.id})
    assert wrong_list.status_code == 400
    client.post(f"/contacts/{contact.id}/facts", data={"topic_id": topic.id})
    facts.retire_option(db.session, topic.id)
    db.session.commit()
    # the contact's page still offers its retired topic, and it keeps it when other facts change
    page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert f'<option selected value="{topic.id}">Recognition of prior learning</option>' in page
    kept = client.post(
        f"/contacts/{contact.id}/facts", data={"topic_id": topic.id, "outcome": "answered"}
    )
    assert kept.status_code == 302
    assert db.session.get(ContactFacts, contact.id).topic_id == topic.id
    other = make.contact(owner=ring.anna)
    refused = client.post(f"/contacts/{other.id}/facts", data={"topic_id": topic.id})
    assert refused.status_code == 400


def test_facts_of_a_contact_out_of_reach_are_404(client, login, ring, make):
    contact = make.contact(owner=ring.bert)
    login(ring.anna)
    assert client.post(f"/contacts/{contact.id}/facts", data={}).status_code == 404
