"""Pages for people: the coordinator's and organisation admins' lists, and one's own profile."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from rota.auth.access import can_manage_org, role_required
from rota.extensions import db
from rota.forms import form_data, form_page, options, run_use_case
from rota.members import people as service
from rota.members.forms import PersonForm, ProfileForm
from rota.members.models import Organisation, Role

bp = Blueprint("people", __name__)

MANAGERS = (Role.COORDINATOR, Role.ORG_ADMIN)


def _person_form(obj=None) -> PersonForm:
    form = PersonForm(obj=obj)
    if obj is not None and not form.is_submitted():
        form.languages.data = obj.language_list
        form.organisation_id.data = obj.organisation_id or 0
    if current_user.is_coordinator:
        orgs = db.session.scalars(db.select(Organisation).order_by(Organisation.name))
        pairs = [(0, _("None (coordinator)"))] + [(o.id, o.name) for o in orgs]
    else:
        pairs = [(current_user.organisation_id, current_user.organisation.name)]
        form.role.choices = [c for c in form.role.choices if c.value != Role.COORDINATOR.value]
    form.organisation_id.choices = options(pairs)
    return form


def _organisation_for(form):
    org_id = (
        form.organisation_id.data if current_user.is_coordinator else current_user.organisation_id
    )
    return db.session.get(Organisation, org_id) if org_id else None


def _save_person(form, user):
    return run_use_case(
        form,
        service.save_person,
        user,
        region=current_app.config["PHONE_REGION"],
        organisation=_organisation_for(form),
        **form_data(form, exclude=("organisation_id",)),
    )


@bp.get("/people")
@role_required(*MANAGERS)
def index():
    org = None if current_user.is_coordinator else current_user.organisation
    return render_template("members/people.html", people=service.people(db.session, org))


@bp.route("/people/new", methods=["GET", "POST"])
@role_required(*MANAGERS)
def new():
    form = _person_form()
    if form.validate_on_submit() and (user := _save_person(form, None)) is not None:
        flash(_("%(name)s added.", name=user.name), "success")
        return redirect(url_for("people.index"))
    return form_page("members/person_form.html", form, person=None)


@bp.route("/people/<int:user_id>/edit", methods=["GET", "POST"])
@role_required(*MANAGERS)
def edit(user_id):
    user = service.get_person(db.session, user_id)
    if not can_manage_org(current_user, user.organisation_id):
        abort(404)
    form = _person_form(obj=user)
    if form.validate_on_submit() and _save_person(form, user) is not None:
        flash(_("Changes saved."), "success")
        return redirect(url_for("people.index"))
    return form_page("members/person_form.html", form, person=user)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if not form.is_submitted():
        form.languages.data = current_user.language_list
        form.locale.data = current_user.locale or ""
    region = current_app.config["PHONE_REGION"]
    if form.validate_on_submit() and run_use_case(
        form, service.update_profile, current_user, region=region, **form_data(form)
    ):
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("people.profile"))
    return form_page("members/profile.html", form)
