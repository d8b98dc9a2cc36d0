"""Member pages: bad input gets a clear message on the form and changes nothing stored."""

from datetime import date

from rota.extensions import db
from rota.members.models import Organisation, Signature, User


def count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_duplicate_organisation_name_is_refused_with_a_message(app, client, make, login):
    make.org(name="Gradia", short_name="G")
    login(make.coordinator())
    db.session.commit()
    response = client.post(
        "/organisations/new", data={"name": "gradia", "short_name": "X", "colour": "#112233"}
    )
    assert response.status_code == 400
    assert "Another member organisation already uses “gradia”." in response.get_data(as_text=True)
    assert count(Organisation) == 1


def test_coordinator_adds_an_organisation_with_normalised_phone(app, client, make, login):
    login(make.coordinator())
    response = client.post(
        "/organisations/new",
        data={
            "name": "Alkio-opisto",
            "short_name": "Alkio",
            "phone": "014 123 4567",
            "colour": "#112233",
        },
    )
    assert response.status_code == 302
    org = db.session.scalar(db.select(Organisation).filter_by(short_name="Alkio"))
    assert org.phone == "+358141234567"


def test_malformed_phone_number_is_refused_on_the_person_form(app, client, make, login):
    admin = make.org_admin()
    login(admin)
    before = count(User)
    response = client.post(
        "/people/new",
        data={
            "name": "Maija",
            "email": "maija@example.fi",
            "phone": "12",
            "languages": ["fi"],
            "role": "counsellor",
            "organisation_id": admin.organisation_id,
        },
    )
    assert response.status_code == 400
    assert "12 is not a valid phone number" in response.get_data(as_text=True)
    assert count(User) == before


def _signature_form(agreement_id, **overrides):
    data = {
        "agreement_id": agreement_id,
        "signed_on": "2025-01-10",
        "signed_by_name": "Rehtori",
        "valid_from": "2025-02-01",
        "valid_until": "",
        "commitment_amount": "12",
        "commitment_unit": "hours",
        "cost_terms": "Counsellor costs: organisation",
    }
    data.update(overrides)
    return data


def test_signature_ending_before_it_starts_is_refused(app, client, make, login):
    org, agreement = make.org(), make.agreement()
    login(make.coordinator())
    response = client.post(
        f"/organisations/{org.id}/sign",
        data=_signature_form(agreement.id, valid_until="2025-01-15"),
    )
    assert response.status_code == 400
    assert "The end date is before the start date." in response.get_data(as_text=True)
    assert count(Signature) == 0


def test_signature_for_a_missing_agreement_version_is_refused(app, client, make, login):
    org = make.org()
    login(make.coordinator())
    response = client.post(f"/organisations/{org.id}/sign", data=_signature_form(9999))
    assert response.status_code == 400
    assert "That memorandum version does not exist." in response.get_data(as_text=True)
    assert count(Signature) == 0


def test_coordinator_records_amends_and_withdraws_a_signature(app, client, make, login):
    org, agreement = make.org(), make.agreement()
    login(make.coordinator())
    assert (
        client.post(f"/organisations/{org.id}/sign", data=_signature_form(agreement.id)).status_code
        == 302
    )
    first = db.session.scalar(db.select(Signature))
    amended = _signature_form(agreement.id, valid_from="2025-06-01", commitment_amount="20")
    assert client.post(f"/signatures/{first.id}/amend", data=amended).status_code == 302
    second = db.session.scalar(db.select(Signature).where(Signature.id != first.id))
    assert second.supersedes_id == first.id and second.commitment_amount == 20
    response = client.post(
        f"/signatures/{second.id}/withdraw", data={"withdrawn_on": "2026-01-01", "reason": "Budget"}
    )
    assert response.status_code == 302
    page = client.get(f"/organisations/{org.id}").get_data(as_text=True)
    assert "withdrawn from" in page and "Budget" in page
    assert "amended" in page and page.count("/amend") == 0
    assert db.session.get(Signature, second.id).withdrawn_on == date(2026, 1, 1)


def test_members_in_force_page_lists_organisations_for_the_chosen_day(app, client, make, login):
    make.signature(
        make.org(name="Early Org"), valid_from=date(2024, 1, 1), valid_until=date(2024, 12, 31)
    )
    make.signature(make.org(name="Late Org"), valid_from=date(2025, 6, 1))
    login(make.coordinator())
    page = client.get("/members?day=2024-06-01").get_data(as_text=True)
    assert "Early Org" in page and "Late Org" not in page


def test_org_admin_cannot_edit_another_organisations_person(app, client, make, login):
    other = make.counsellor(name="Other Person")
    login(make.org_admin())
    response = client.post(
        f"/people/{other.id}/edit",
        data={"name": "Hijacked", "email": other.email, "languages": ["fi"], "role": "counsellor"},
    )
    assert response.status_code == 404
    assert db.session.get(User, other.id).name == "Other Person"


def test_profile_change_of_interface_language_is_used_on_the_next_page(app, client, make, login):
    user = login(make.counsellor(phone="040 123 4567"))
    response = client.post(
        "/profile",
        data={
            "name": user.name,
            "email": user.email,
            "phone": "040 123 4567",
            "languages": ["fi", "sv"],
            "locale": "sv",
        },
    )
    assert response.status_code == 302
    assert db.session.get(User, user.id).language_list == ["fi", "sv"]
    assert '<html lang="sv">' in client.get("/profile").get_data(as_text=True)
