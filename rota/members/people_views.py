"""Pages for people: the coordinator's and organisation admins' lists, and one's own profile."""

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from rota.auth import account, policy
from rota.auth.access import role_required
from rota.extensions import db
from rota.forms import form_data, form_page, mail_settings, options, perform
from rota.members import people as service
from rota.members import service as members
from rota.members.forms import PersonForm, ProfileForm
from rota.members.models import Role
from rota.paging import cursors

bp = Blueprint("people", __name__)

MANAGERS = (Role.COORDINATOR, Role.ORG_ADMIN)


def _person_form(obj=None) -> PersonForm:
    form = PersonForm(obj=obj)
    if obj is not None and not form.is_submitted():
        form.languages.data = obj.language_list
        form.organisation_id.data = obj.organisation_id or 0
    roles = policy.assignable_roles(current_user)
    form.role.choices = [c for c in form.role.choices if c.value in roles]
    scope = policy.management_scope(current_user)
    pairs = [(o.id, o.name) for o in members.organisations_by_name(db.session, scope)]
    if Role.COORDINATOR in roles:
        pairs.insert(0, (0, _("None (coordinator)")))
    form.organisation_id.choices = options(pairs)
    return form


def _organisation_for(form):
    """The organisation chosen on the form; an organisation admin's is always their own."""
    scope = policy.management_scope(current_user)
    org_id = form.organisation_id.data if scope.reach == policy.Reach.ALL else scope.organisation_id
    return members.find_organisation(db.session, org_id)


def _save_person(form, user):
    return perform(
        service.save_person,
        user,
        actor=current_user,
        region=current_app.config["PHONE_REGION"],
        organisation=_organisation_for(form),
        form=form,
        **form_data(form, exclude=("organisation_id",)),
    )


@bp.get("/people")
@role_required(*MANAGERS)
def index():
    at = cursors(request.args, ["page"])["page"]
    return render_template(
        "members/people.html", people=service.people(db.session, current_user, at)
    )


@bp.route("/people/new", methods=["GET", "POST"])
@role_required(*MANAGERS)
def new():
    form = _person_form()
    if form.validate_on_submit() and (done := _save_person(form, None)).ok:
        return done.redirect(_("%(name)s added.", name=done.result.name), "people.index")
    return form_page("members/person_form.html", form, person=None)


@bp.route("/people/<int:user_id>/edit", methods=["GET", "POST"])
@role_required(*MANAGERS)
def edit(user_id):
    user = service.get_managed_person(db.session, current_user, user_id)
    form = _person_form(obj=user)
    if form.validate_on_submit() and (done := _save_person(form, user)).ok:
        return done.redirect(_("Changes saved."), "people.index")
    return form_page("members/person_form.html", form, person=user)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if not form.is_submitted():
        form.languages.data = current_user.language_list
        form.locale.data = current_user.locale or ""
    region = current_app.config["PHONE_REGION"]
    if (
        form.validate_on_submit()
        and (
            done := perform(
                account.update_profile,
                current_user,
                settings=mail_settings(),
                region=region,
                form=form,
                **form_data(form),
            )
        ).ok
    ):
        return done.redirect(_("Your profile is saved."), "people.profile")
    return form_page("members/profile.html", form)
