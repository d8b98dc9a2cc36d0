"""Who may do what: plain functions of the acting person and the record, nothing else.

Every view, service, API endpoint and feed asks here; no rule about roles or organisations is
written anywhere else. The functions take the acting person (anything with `id`, `role`,
`organisation_id` and `active`, such as a `User`) and the ids the rule needs, and import neither
Flask nor the database. Where a list is filtered in SQL, a function here returns a `Scope`
saying which records the person reaches, and the service that queries translates it.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from rota.members.roles import Role


class Actor(Protocol):
    """The acting person as the rules see them."""

    id: int
    role: Role
    organisation_id: int | None
    active: bool


class Reach(StrEnum):
    """How far a person's view of a kind of record reaches."""

    ALL = "all"
    ORGANISATION = "organisation"  # the organisation's records
    OWN = "own"  # the person's own records
    OWN_OR_UNASSIGNED = "own_or_unassigned"  # own, and nobody's in the organisation or the ring


@dataclass(frozen=True)
class Scope:
    """Which records of a kind a person reaches (services turn it into a query condition)."""

    reach: Reach
    organisation_id: int | None = None
    person_id: int | None = None


EVERYTHING = Scope(Reach.ALL)


class TokenScope(StrEnum):
    """What an API token may be used for."""

    SHIFTS = "shifts:read"
    ON_DUTY = "on-duty:read"
    CONTACTS = "contacts:read"
    TELEPHONY = "telephony:write"
    FEEDS = "feeds:read"
    REPORTS = "reports:read"


@dataclass(frozen=True)
class TokenHolder:
    """Whom an API or feed token speaks for: a person (their role limits it, and it dies with
    their account), else an organisation, else the ring (made with `flask token create`)."""

    person: Actor | None
    organisation_id: int | None


def has_role(actor: Actor, roles) -> bool:
    """Whether the actor has one of `roles` (pages open to some roles only)."""
    return actor.role in roles


# Organisations and people


def manages_org(actor: Actor, organisation_id: int | None) -> bool:
    """The coordinator manages every organisation; an organisation admin only their own."""
    if actor.role == Role.COORDINATOR:
        return True
    return (
        actor.role == Role.ORG_ADMIN
        and actor.organisation_id is not None
        and organisation_id == actor.organisation_id
    )


def may_ask_swap(actor: Actor, shift_organisation_id: int, shift_counsellor_id) -> bool:
    """Ask to swap a shift or give it away: its organisation's admin, or its counsellor."""
    if actor.role == Role.ORG_ADMIN:
        return actor.organisation_id == shift_organisation_id
    return actor.role == Role.COUNSELLOR and actor.id == shift_counsellor_id


def may_answer_swap(actor: Actor, to_organisation_id: int, counter_counsellor_id) -> bool:
    """Accept or decline a swap: the asked organisation's admin, or the counter shift's
    counsellor."""
    return may_ask_swap(actor, to_organisation_id, counter_counsellor_id)


def may_decide_swap(actor: Actor) -> bool:
    """Approve or refuse an agreed swap (where the ring asks for approval): the coordinator."""
    return actor.role == Role.COORDINATOR


def may_cancel_swap(actor: Actor, asked_by_id: int, from_organisation_id: int) -> bool:
    """Cancel an open swap request: whoever asked, their organisation's admin, the coordinator."""
    return actor.id == asked_by_id or manages_org(actor, from_organisation_id)


def may_handle_signed_copy(actor: Actor, organisation_id: int) -> bool:
    """A signature's signed paper: the coordinator and that organisation's admins only."""
    return manages_org(actor, organisation_id)


def management_scope(actor: Actor) -> Scope:
    """What the actor manages: everything (coordinator), their organisation and its people
    (admin), or only themself (counsellor). Used for people's accounts and absences, and for
    the organisations whose gaps and feeds a person answers for."""
    if actor.role == Role.COORDINATOR:
        return EVERYTHING
    if actor.role == Role.ORG_ADMIN:
        return Scope(Reach.ORGANISATION, organisation_id=actor.organisation_id)
    return Scope(Reach.OWN, person_id=actor.id)


def manages_person(actor: Actor, person_id: int, person_organisation_id: int | None) -> bool:
    """A person manages their own records; a manager those of their organisation's people."""
    return person_id == actor.id or manages_org(actor, person_organisation_id)


def assignable_roles(actor: Actor) -> tuple[Role, ...]:
    """The roles the actor may give a person: any (coordinator), admin or counsellor (admin)."""
    if actor.role == Role.COORDINATOR:
        return tuple(Role)
    if actor.role == Role.ORG_ADMIN:
        return (Role.ORG_ADMIN, Role.COUNSELLOR)
    return ()


def may_place_person(actor: Actor, role: Role, organisation_id: int | None) -> bool:
    """Whether the actor may give a person this role in this organisation."""
    if role not in assignable_roles(actor):
        return False
    return actor.role == Role.COORDINATOR or organisation_id == actor.organisation_id


# Shifts


def may_manage_shift(actor: Actor, shift_organisation_id: int) -> bool:
    """Name the counsellor, offer or withdraw: the shift's organisation's admin or the coordinator."""
    return manages_org(actor, shift_organisation_id)


def may_take_shifts(actor: Actor) -> bool:
    """Taking offered shifts is for organisation admins (for their organisation)."""
    return actor.role == Role.ORG_ADMIN and actor.organisation_id is not None


def may_override_shift(actor: Actor) -> bool:
    """Only the coordinator overrides the rota."""
    return actor.role == Role.COORDINATOR


def staffing_scope(actor: Actor, shift_organisation_id: int) -> Scope:
    """Whose people the actor may name to a shift: anyone's (coordinator), else its own."""
    if actor.role == Role.COORDINATOR:
        return EVERYTHING
    return Scope(Reach.ORGANISATION, organisation_id=shift_organisation_id)


def may_staff_with(actor: Actor, person_organisation_id: int | None, shift_organisation_id) -> bool:
    """Whether the actor may name a person of that organisation to a shift of this one."""
    return actor.role == Role.COORDINATOR or person_organisation_id == shift_organisation_id


# Reports


def may_read_ring_summary(actor: Actor) -> bool:
    """The ring summary (every member's contribution): the coordinator and organisation admins."""
    return actor.role in (Role.COORDINATOR, Role.ORG_ADMIN)


def may_read_statement(actor: Actor, organisation_id: int) -> bool:
    """An organisation's contribution statement and phone costs: the coordinator, its admin."""
    return manages_org(actor, organisation_id)


def may_read_service_report(actor: Actor) -> bool:
    """The service report (contacts, response times, feedback): the coordinator."""
    return actor.role == Role.COORDINATOR


# Contacts


def contact_scope(actor: Actor) -> Scope:
    """The contacts a person sees: all, their organisation's, or own and unassigned ones.

    With a contact a person reaches its messages and their parts (attachments, inline images),
    and a call they log joins only a caller's contact in this scope.
    """
    if actor.role == Role.COORDINATOR:
        return EVERYTHING
    if actor.role == Role.ORG_ADMIN:
        return Scope(Reach.ORGANISATION, organisation_id=actor.organisation_id)
    return Scope(Reach.OWN_OR_UNASSIGNED, organisation_id=actor.organisation_id, person_id=actor.id)


def merge_scope(actor: Actor) -> Scope:
    """The contacts a person may merge one into another: both must be among those they see."""
    return contact_scope(actor)


def token_contact_scope(holder: TokenHolder) -> Scope:
    """The contacts an API token sees: its person's, else its organisation's, else all."""
    if holder.person is not None:
        return contact_scope(holder.person)
    if holder.organisation_id is not None:
        return Scope(Reach.ORGANISATION, organisation_id=holder.organisation_id)
    return EVERYTHING


def may_reassign(actor: Actor, contact_organisation_id: int | None) -> bool:
    """The coordinator reassigns any contact; an organisation admin their organisation's."""
    return manages_org(actor, contact_organisation_id)


def may_manage_saved_replies(actor: Actor, organisation_id: int | None) -> bool:
    """Ring-wide saved replies (no organisation) are the coordinator's; an organisation's are
    also its admins'."""
    return manages_org(actor, organisation_id)


def saved_reply_organisations(actor: Actor, contact_organisation_id: int | None) -> set:
    """Whose saved replies a person may use on a contact: the ring's (None), their own
    organisation's and the contact's organisation's."""
    return {None, actor.organisation_id, contact_organisation_id}


def reassign_scope(actor: Actor) -> Scope:
    """Whose counsellors the actor may hand a contact to: anyone's, or their organisation's."""
    if actor.role == Role.COORDINATOR:
        return EVERYTHING
    return Scope(Reach.ORGANISATION, organisation_id=actor.organisation_id)


def may_reassign_to(actor: Actor, person_organisation_id: int | None) -> bool:
    """Whether the actor may hand a contact to a person of that organisation."""
    return actor.role == Role.COORDINATOR or person_organisation_id == actor.organisation_id


# A client's data (rota.privacy)


def may_handle_client_data(actor: Actor) -> bool:
    """Only the coordinator (for the ring, the controller) exports or erases a client's data,
    sees the read log and the retention runs."""
    return actor.role == Role.COORDINATOR


# API tokens and calendar feeds

_OFFERED_SCOPES = {
    Role.COUNSELLOR: (TokenScope.FEEDS,),  # their own calendar
    # their organisation's calendars, the rota and who is on duty
    Role.ORG_ADMIN: (TokenScope.FEEDS, TokenScope.SHIFTS, TokenScope.ON_DUTY),
    Role.COORDINATOR: tuple(TokenScope),
}


def offered_scopes(role: Role) -> tuple[TokenScope, ...]:
    """The scopes a person of this role may put on a token (for themselves, or for their
    organisation as its admin). The operator's command line may give any scope."""
    return _OFFERED_SCOPES.get(role, ())


def uses_api_tokens(role: Role) -> bool:
    """Whether the API tokens page is in the role's navigation: a scope beyond its own
    calendar feed (which the calendar subscription page makes) can be put on a token."""
    return any(scope != TokenScope.FEEDS for scope in offered_scopes(role))


def combination_problem(scopes) -> TokenScope | None:
    """The scope that cannot share a token with the others, or None.

    A calendar (feeds:read) token's secret travels in URLs that calendars, proxies and logs
    keep, so it carries nothing else.
    """
    if TokenScope.FEEDS in scopes and len(set(scopes)) > 1:
        return TokenScope.FEEDS
    return None


def _live(holder: TokenHolder) -> bool:
    return holder.person is None or holder.person.active


def usable_scopes(holder: TokenHolder, scopes) -> frozenset[str]:
    """The scopes a token may use now, checked at every use: none once its person is
    deactivated; only those the person's current role is offered; feeds:read only on a token
    that carries nothing else."""
    if not _live(holder):
        return frozenset()
    usable = set(scopes)
    if holder.person is not None:
        usable &= set(offered_scopes(holder.person.role))
    if combination_problem(scopes):
        usable.discard(TokenScope.FEEDS)
    return frozenset(usable)


def shows_personal_numbers(usable) -> bool:
    """Counsellors' own phone numbers go only to the phone system (telephony:write), which
    forwards calls to them."""
    return TokenScope.TELEPHONY in usable


def token_scope(actor: Actor) -> Scope:
    """The API tokens a person sees and revokes: all (coordinator); their own, their
    organisation's and its people's (organisation admin); else their own."""
    if actor.role == Role.COORDINATOR:
        return EVERYTHING
    if actor.role == Role.ORG_ADMIN and actor.organisation_id is not None:
        return Scope(Reach.ORGANISATION, organisation_id=actor.organisation_id, person_id=actor.id)
    return Scope(Reach.OWN, person_id=actor.id)


def may_issue_organisation_token(actor: Actor) -> bool:
    """Organisation admins may make tokens that speak for their organisation."""
    return actor.role == Role.ORG_ADMIN and actor.organisation_id is not None


def _sees_every_feed(holder: TokenHolder) -> bool:
    """The ring's own token and a coordinator's."""
    if holder.person is None:
        return holder.organisation_id is None
    return holder.person.role == Role.COORDINATOR


def _feed_organisation(holder: TokenHolder) -> int | None:
    """The organisation whose feeds the token reads: an organisation's token and an admin's."""
    if holder.person is None:
        return holder.organisation_id
    return holder.person.organisation_id if holder.person.role == Role.ORG_ADMIN else None


def may_read_ring_feed(holder: TokenHolder) -> bool:
    """Only the ring's token and a coordinator's read the whole ring's feed."""
    return _live(holder) and _sees_every_feed(holder)


def may_read_organisation_feed(holder: TokenHolder, organisation_id: int) -> bool:
    """Every organisation's feed for the ring's and a coordinator's token; an organisation's
    token and its admin's read that organisation's."""
    if not _live(holder):
        return False
    own = _feed_organisation(holder)
    return _sees_every_feed(holder) or (own is not None and organisation_id == own)


def may_read_person_feed(holder: TokenHolder, person_id: int, person_organisation_id) -> bool:
    """A person's own feed; an organisation's token and its admin's also its people's (the
    ring's and a coordinator's token: everyone's)."""
    if not _live(holder):
        return False
    if holder.person is not None and person_id == holder.person.id:
        return True
    own = _feed_organisation(holder)
    return _sees_every_feed(holder) or (own is not None and person_organisation_id == own)
