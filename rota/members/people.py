"""Use cases for people: accounts, roles, profiles and passwords."""

import functools
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, true
from sqlalchemy.orm import Session, selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from rota.auth import policy
from rota.errors import DomainError, NotFound, found
from rota.members.models import Organisation, Role, User
from rota.members.service import normalise_phone
from rota.paging import Cursor, Page, keyset_page

LANGUAGES = ("fi", "sv", "en")
MIN_PASSWORD_LENGTH = 10


def get_person(session: Session, user_id: int) -> User:
    """The person with this id, or NotFound."""
    return found(session.get(User, user_id), _l("No such person."))


def get_managed_person(session: Session, actor: User, user_id: int) -> User:
    """A person whose account the actor manages, or NotFound (others look like missing ones)."""
    person = get_person(session, user_id)
    if not policy.manages_org(actor, person.organisation_id):
        raise NotFound(_l("No such person."))
    return person


def find_by_email(session: Session, email: str) -> User | None:
    """The person with this e-mail address (case-insensitive), if any."""
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def _check_role(actor: User | None, role: Role, organisation: Organisation | None):
    if role != Role.COORDINATOR and organisation is None:
        raise DomainError(
            _l("Organisation admins and counsellors belong to a member organisation: choose one."),
            "organisation_id",
        )
    organisation_id = organisation.id if organisation and role != Role.COORDINATOR else None
    if actor is not None and not policy.may_place_person(actor, role, organisation_id):
        raise DomainError(
            _l("You can add only counsellors and organisation admins of your own organisation."),
            "role",
        )


def _check_email(session: Session, user: User | None, email: str):
    other = find_by_email(session, email)
    if other is not None and (user is None or other.id != user.id):
        raise DomainError(
            _l("Another person already uses the address %(email)s.", email=email), "email"
        )


def _clean_languages(languages) -> str:
    codes = [code for code in LANGUAGES if code in set(languages or ())]
    if not codes:
        raise DomainError(_l("Choose at least one language the person counsels in."), "languages")
    return ",".join(codes)


def save_person(
    session: Session,
    user: User | None,
    *,
    actor: User | None,
    region: str = "FI",
    organisation: Organisation | None = None,
    **fields,
) -> User:
    """Create (user=None) or update a person; checks e-mail, phone, role and languages.

    `actor` is who does it: an organisation admin may only place organisation admins and
    counsellors in their own organisation and edit their own organisation's people. None is
    the system itself (demo data, tests), which the policy does not restrict.
    """
    if (
        actor is not None
        and user is not None
        and not policy.manages_org(actor, user.organisation_id)
    ):
        raise NotFound(_l("No such person."))
    role = Role(fields.get("role", user.role if user else Role.COUNSELLOR))
    _check_role(actor, role, organisation)
    _check_email(session, user, fields["email"])
    user = user or User(role=role)
    user.email = fields["email"].strip().lower()
    user.name = fields["name"].strip()
    user.phone = normalise_phone(fields.get("phone", ""), region)
    user.languages = _clean_languages(fields.get("languages"))
    user.role = role
    user.organisation = organisation if role != Role.COORDINATOR else None
    if "active" in fields:
        user.active = bool(fields["active"])
    if fields.get("password"):
        set_password(user, fields["password"])
    elif fields.get("password_hash"):
        user.password_hash = fields["password_hash"]
    session.add(user)
    session.flush()
    return user


def update_profile(session: Session, user: User, *, region: str = "FI", **fields) -> str | None:
    """A person changes their own name, address, phone and languages; a new sign-in address
    needs their current password. Returns the old address when it changed, else None."""
    email = fields["email"].strip().lower()
    old = user.email if email != user.email else None
    if old and not check_password(user, fields.get("current_password") or ""):
        raise DomainError(
            _l("Enter your current password to change the sign-in address."), "current_password"
        )
    _check_email(session, user, email)
    user.name = fields["name"].strip()
    user.email = email
    user.phone = normalise_phone(fields.get("phone", ""), region)
    user.languages = _clean_languages(fields.get("languages"))
    user.locale = fields.get("locale") or None
    session.flush()
    return old


def set_locale(session: Session, user: User, locale: str) -> User:
    """A person's interface language, kept for their next sign-in and their mail."""
    user.locale = locale
    session.flush()
    return user


def set_password(user: User, password: str):
    """Store a hash of a new password (never the password)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _l("Use at least %(count)d characters in the password.", count=MIN_PASSWORD_LENGTH),
            "password",
        )
    user.password_hash = generate_password_hash(password)


def check_password(user: User | None, password: str) -> bool:
    """Whether the password is this active person's; False for unknown or inactive people,
    after the same work, so that the answer's time does not tell which addresses exist."""
    if user is None or not user.active or not user.password_hash:
        check_password_hash(_stand_in_hash(), password)
        return False
    return check_password_hash(user.password_hash, password)


@functools.cache
def _stand_in_hash() -> str:
    """A hash made as real ones are (same method and cost), that no password matches."""
    return generate_password_hash(secrets.token_urlsafe(32))


PAGE_SIZE = 50  # people on a page of the list


def people(session: Session, actor: User, cursor: Cursor | None = None) -> Page:
    """A page of the people whose accounts the actor manages, by name, with their number."""
    query = select(User).where(people_in_scope(policy.management_scope(actor)))
    query = query.options(selectinload(User.organisation))
    return keyset_page(session, query, func.lower(User.name), User.id, cursor, PAGE_SIZE)


def people_in_scope(scope: policy.Scope):
    """SQL condition: the people a policy scope reaches."""
    if scope.reach == policy.Reach.ALL:
        return true()
    if scope.reach == policy.Reach.ORGANISATION:
        return User.organisation_id == scope.organisation_id
    return User.id == scope.person_id
