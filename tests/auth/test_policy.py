"""The policy, table by table: plain people and ids in, yes/no or a scope out (no app, no DB)."""

from dataclasses import dataclass

import pytest

from rota.auth import policy
from rota.auth.policy import EVERYTHING, Reach, Scope, TokenHolder, TokenScope
from rota.members.roles import Role

A, B = 1, 2  # organisation ids


@dataclass(frozen=True)
class Person:
    id: int
    role: Role
    organisation_id: int | None
    active: bool = True


COORDINATOR = Person(10, Role.COORDINATOR, None)
ADMIN_A = Person(11, Role.ORG_ADMIN, A)
COUNSELLOR_A = Person(12, Role.COUNSELLOR, A)
COUNSELLOR_B = Person(13, Role.COUNSELLOR, B)
ADMIN_WITHOUT_ORG = Person(14, Role.ORG_ADMIN, None)
GONE = Person(15, Role.COORDINATOR, None, active=False)


@pytest.mark.parametrize(
    ("actor", "organisation_id", "expected"),
    [
        (COORDINATOR, A, True),
        (COORDINATOR, None, True),
        (ADMIN_A, A, True),
        (ADMIN_A, B, False),
        (ADMIN_A, None, False),
        (ADMIN_WITHOUT_ORG, None, False),
        (COUNSELLOR_A, A, False),
    ],
)
def test_manages_org(actor, organisation_id, expected):
    assert policy.manages_org(actor, organisation_id) is expected
    assert policy.may_manage_shift(actor, organisation_id) is expected
    assert policy.may_reassign(actor, organisation_id) is expected


@pytest.mark.parametrize(
    ("actor", "person", "expected"),
    [
        (COUNSELLOR_A, COUNSELLOR_A, True),
        (COUNSELLOR_A, Person(20, Role.COUNSELLOR, A), False),
        (ADMIN_A, COUNSELLOR_A, True),
        (ADMIN_A, COUNSELLOR_B, False),
        (COORDINATOR, COUNSELLOR_B, True),
    ],
)
def test_manages_person(actor, person, expected):
    assert policy.manages_person(actor, person.id, person.organisation_id) is expected


@pytest.mark.parametrize(
    ("actor", "role", "organisation_id", "expected"),
    [
        (COORDINATOR, Role.COORDINATOR, None, True),
        (COORDINATOR, Role.ORG_ADMIN, B, True),
        (ADMIN_A, Role.COUNSELLOR, A, True),
        (ADMIN_A, Role.ORG_ADMIN, A, True),
        (ADMIN_A, Role.COORDINATOR, None, False),
        (ADMIN_A, Role.COUNSELLOR, B, False),
        (ADMIN_A, Role.ORG_ADMIN, B, False),
        (COUNSELLOR_A, Role.COUNSELLOR, A, False),
    ],
)
def test_may_place_person(actor, role, organisation_id, expected):
    assert policy.may_place_person(actor, role, organisation_id) is expected


@pytest.mark.parametrize(
    ("actor", "roles"),
    [
        (COORDINATOR, (Role.COORDINATOR, Role.ORG_ADMIN, Role.COUNSELLOR)),
        (ADMIN_A, (Role.ORG_ADMIN, Role.COUNSELLOR)),
        (COUNSELLOR_A, ()),
    ],
)
def test_assignable_roles(actor, roles):
    assert set(policy.assignable_roles(actor)) == set(roles)


@pytest.mark.parametrize(
    ("actor", "take", "override"),
    [
        (COORDINATOR, False, True),
        (ADMIN_A, True, False),
        (ADMIN_WITHOUT_ORG, False, False),
        (COUNSELLOR_A, False, False),
    ],
)
def test_taking_and_overriding_shifts(actor, take, override):
    assert policy.may_take_shifts(actor) is take
    assert policy.may_override_shift(actor) is override


@pytest.mark.parametrize(
    ("actor", "person_org", "shift_org", "expected"),
    [
        (COORDINATOR, B, A, True),
        (ADMIN_A, A, A, True),
        (ADMIN_A, B, A, False),
    ],
)
def test_may_staff_with(actor, person_org, shift_org, expected):
    assert policy.may_staff_with(actor, person_org, shift_org) is expected


@pytest.mark.parametrize(
    ("function", "actor", "expected"),
    [
        (policy.contact_scope, COORDINATOR, EVERYTHING),
        (policy.contact_scope, ADMIN_A, Scope(Reach.ORGANISATION, organisation_id=A)),
        (
            policy.contact_scope,
            COUNSELLOR_A,
            Scope(Reach.OWN_OR_UNASSIGNED, organisation_id=A, person_id=COUNSELLOR_A.id),
        ),
        (policy.merge_scope, COORDINATOR, EVERYTHING),
        (policy.merge_scope, ADMIN_A, Scope(Reach.ORGANISATION, organisation_id=A)),
        (
            policy.merge_scope,
            COUNSELLOR_B,
            Scope(Reach.OWN_OR_UNASSIGNED, organisation_id=B, person_id=COUNSELLOR_B.id),
        ),
        (policy.management_scope, COORDINATOR, EVERYTHING),
        (policy.management_scope, ADMIN_A, Scope(Reach.ORGANISATION, organisation_id=A)),
        (policy.management_scope, COUNSELLOR_A, Scope(Reach.OWN, person_id=COUNSELLOR_A.id)),
        (policy.reassign_scope, COORDINATOR, EVERYTHING),
        (policy.reassign_scope, ADMIN_A, Scope(Reach.ORGANISATION, organisation_id=A)),
        (policy.token_scope, COORDINATOR, EVERYTHING),
        (
            policy.token_scope,
            ADMIN_A,
            Scope(Reach.ORGANISATION, organisation_id=A, person_id=ADMIN_A.id),
        ),
        (policy.token_scope, ADMIN_WITHOUT_ORG, Scope(Reach.OWN, person_id=14)),
        (policy.token_scope, COUNSELLOR_A, Scope(Reach.OWN, person_id=12)),
    ],
)
def test_scopes(function, actor, expected):
    assert function(actor) == expected


def test_staffing_scope_is_the_shifts_organisation_unless_coordinator():
    assert policy.staffing_scope(COORDINATOR, A) == EVERYTHING
    assert policy.staffing_scope(ADMIN_A, A) == Scope(Reach.ORGANISATION, organisation_id=A)


@pytest.mark.parametrize(
    ("holder", "expected"),
    [
        (TokenHolder(COUNSELLOR_A, None), policy.contact_scope(COUNSELLOR_A)),
        (TokenHolder(None, B), Scope(Reach.ORGANISATION, organisation_id=B)),
        (TokenHolder(None, None), EVERYTHING),
    ],
)
def test_token_contact_scope(holder, expected):
    assert policy.token_contact_scope(holder) == expected


def test_reassign_to_and_organisation_tokens():
    assert policy.may_reassign_to(COORDINATOR, B)
    assert policy.may_reassign_to(ADMIN_A, A) and not policy.may_reassign_to(ADMIN_A, B)
    assert policy.may_issue_organisation_token(ADMIN_A)
    assert not policy.may_issue_organisation_token(COUNSELLOR_A)
    assert not policy.may_issue_organisation_token(COORDINATOR)


ORG_A_TOKEN = TokenHolder(None, A)
# (holder, ring, organisation A, organisation B, counsellor of A, counsellor of B, own feed)
RING_TOKEN = TokenHolder(None, None)
FEEDS = [
    (TokenHolder(COORDINATOR, None), True, True, True, True, True, True),
    (TokenHolder(GONE, None), False, False, False, False, False, False),
    (TokenHolder(ADMIN_A, None), False, True, False, True, False, True),
    (TokenHolder(COUNSELLOR_A, None), False, False, False, True, False, True),
    (ORG_A_TOKEN, False, True, False, True, False, False),
    (RING_TOKEN, True, True, True, True, True, False),
]


@pytest.mark.parametrize(("holder", "ring", "org_a", "org_b", "of_a", "of_b", "own"), FEEDS)
def test_feeds(holder, ring, org_a, org_b, of_a, of_b, own):
    assert policy.may_read_ring_feed(holder) is ring
    assert policy.may_read_organisation_feed(holder, A) is org_a
    assert policy.may_read_organisation_feed(holder, B) is org_b
    assert policy.may_read_person_feed(holder, COUNSELLOR_A.id, A) is of_a
    assert policy.may_read_person_feed(holder, COUNSELLOR_B.id, B) is of_b
    if holder.person is not None:
        person = holder.person
        assert policy.may_read_person_feed(holder, person.id, person.organisation_id) is own


def test_a_counsellors_token_does_not_read_a_colleagues_feed():
    colleague = Person(21, Role.COUNSELLOR, A)
    assert not policy.may_read_person_feed(TokenHolder(COUNSELLOR_A, None), colleague.id, A)
    assert policy.may_read_person_feed(TokenHolder(ADMIN_A, None), colleague.id, A)


SHIFTS, ON_DUTY, CONTACTS = TokenScope.SHIFTS, TokenScope.ON_DUTY, TokenScope.CONTACTS
TELEPHONY, CALENDAR = TokenScope.TELEPHONY, TokenScope.FEEDS


@pytest.mark.parametrize(
    ("role", "offered"),
    [
        (Role.COUNSELLOR, {CALENDAR}),
        (Role.ORG_ADMIN, {CALENDAR, SHIFTS, ON_DUTY}),
        (Role.COORDINATOR, set(TokenScope)),
    ],
)
def test_the_scopes_a_role_may_give(role, offered):
    assert set(policy.offered_scopes(role)) == offered


def test_a_calendar_scope_shares_no_token():
    assert policy.combination_problem([CALENDAR, SHIFTS]) == CALENDAR
    assert policy.combination_problem([CALENDAR, CALENDAR]) is None
    assert policy.combination_problem([SHIFTS, ON_DUTY, TELEPHONY]) is None


@pytest.mark.parametrize(
    ("holder", "scopes", "usable"),
    [
        (TokenHolder(COORDINATOR, None), [CONTACTS, TELEPHONY], {CONTACTS, TELEPHONY}),
        (TokenHolder(GONE, None), [CONTACTS], set()),  # deactivated: nothing at all
        (TokenHolder(ADMIN_A, None), [SHIFTS, CONTACTS, TELEPHONY], {SHIFTS}),  # role-limited
        (TokenHolder(COUNSELLOR_A, None), [ON_DUTY], set()),
        (TokenHolder(COUNSELLOR_A, None), [CALENDAR], {CALENDAR}),
        (ORG_A_TOKEN, [CONTACTS, TELEPHONY], {CONTACTS, TELEPHONY}),  # as its maker gave them
        (RING_TOKEN, [CALENDAR, SHIFTS], {SHIFTS}),  # a calendar scope beside others is dead
    ],
)
def test_the_scopes_a_token_may_use_now(holder, scopes, usable):
    assert policy.usable_scopes(holder, scopes) == usable


def test_personal_numbers_only_for_the_phone_system():
    assert policy.shows_personal_numbers({ON_DUTY, TELEPHONY})
    assert not policy.shows_personal_numbers({ON_DUTY, SHIFTS})
