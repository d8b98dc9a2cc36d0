"""Use cases for people: what an organisation admin may create is enforced by the service."""

import pytest
from sqlalchemy import func, select

from rota.errors import DomainError, NotFound
from rota.extensions import db
from rota.members import people
from rota.members.models import Role, User


def _fields(**overrides):
    fields = {"name": "New Person", "email": "new@example.fi", "languages": ["fi"]}
    return {**fields, **overrides}


def _save_as(actor, person, organisation, **fields):
    return people.save_person(
        db.session, person, actor=actor, organisation=organisation, **_fields(**fields)
    )


def _people_count():
    return db.session.scalar(select(func.count(User.id)))


@pytest.mark.parametrize(
    ("role", "other_org"),
    [(Role.COORDINATOR, False), (Role.COUNSELLOR, True), (Role.ORG_ADMIN, True)],
    ids=["coordinator", "counsellor-elsewhere", "admin-elsewhere"],
)
def test_org_admin_cannot_create_a_coordinator_or_anyone_in_another_organisation(
    app, make, role, other_org
):
    admin = make.org_admin()
    organisation = make.org() if other_org else admin.organisation
    before = _people_count()
    with pytest.raises(DomainError) as refused:
        _save_as(admin, None, organisation, role=role)
    db.session.rollback()
    assert refused.value.field == "role"
    assert "your own organisation" in str(refused.value.user_message)
    assert _people_count() == before


def test_org_admin_cannot_promote_their_counsellor_to_coordinator(app, make):
    admin = make.org_admin()
    counsellor = make.counsellor(organisation=admin.organisation)
    with pytest.raises(DomainError):
        _save_as(
            admin, counsellor, admin.organisation, role=Role.COORDINATOR, email=counsellor.email
        )
    db.session.rollback()
    assert db.session.get(User, counsellor.id).role == Role.COUNSELLOR


def test_org_admin_cannot_edit_another_organisations_person_through_the_service(app, make):
    admin, other = make.org_admin(), make.counsellor(name="Other Person")
    with pytest.raises(NotFound):
        _save_as(admin, other, admin.organisation, email=other.email, role=Role.COUNSELLOR)
    db.session.rollback()
    assert db.session.get(User, other.id).organisation_id != admin.organisation_id


def test_org_admin_adds_a_counsellor_and_an_admin_to_their_own_organisation(app, make):
    admin = make.org_admin()
    for n, role in enumerate((Role.COUNSELLOR, Role.ORG_ADMIN)):
        person = _save_as(admin, None, admin.organisation, role=role, email=f"new{n}@example.fi")
        assert (person.role, person.organisation_id) == (role, admin.organisation_id)
