"""Pages for member organisations, memoranda and signatures."""

from datetime import date

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from rota.auth import policy
from rota.auth.access import role_required
from rota.db import utcnow
from rota.extensions import db
from rota.forms import form_data, form_page, options, perform
from rota.i18n import service_today
from rota.members import memoranda, service
from rota.members.forms import (
    AgreementForm,
    MembersOnDayForm,
    OrganisationForm,
    SignatureForm,
    WithdrawForm,
)
from rota.members.models import Role
from rota.schedule.planning import runs, whatif
from rota.schedule.planning.generation import RotaSettings

bp = Blueprint("members", __name__)

COORDINATOR = Role.COORDINATOR
ORG_FIELDS = ("name", "short_name", "email", "phone", "address", "website", "colour")


@bp.get("/organisations")
@login_required
def organisations():
    orgs = service.organisations_by_name(db.session)
    in_force = {m.organisation.id: m for m in service.members_in_force(db.session, date.today())}
    return render_template("members/organisations.html", organisations=orgs, in_force=in_force)


def _save_org(org, form):
    fields = {name: form[name].data or "" for name in ORG_FIELDS}
    region = current_app.config["PHONE_REGION"]
    return perform(service.save_organisation, org, region, form=form, **fields)


@bp.route("/organisations/new", methods=["GET", "POST"])
@role_required(COORDINATOR)
def organisation_new():
    form = OrganisationForm()
    if form.validate_on_submit() and (done := _save_org(None, form)).ok:
        org = done.result
        message = _("Member organisation %(name)s added.", name=org.name)
        return done.redirect(message, "members.organisation", org_id=org.id)
    return form_page("members/organisation_form.html", form, organisation=None)


@bp.get("/organisations/<int:org_id>")
@login_required
def organisation(org_id):
    org = service.get_organisation(db.session, org_id)
    in_force = service.in_force(org.signatures, date.today()).get(org.id)
    return render_template(
        "members/organisation.html",
        organisation=org,
        in_force=in_force,
        manage=policy.manages_org(current_user, org.id),
    )


@bp.route("/organisations/<int:org_id>/edit", methods=["GET", "POST"])
@role_required(COORDINATOR, Role.ORG_ADMIN)
def organisation_edit(org_id):
    org = service.get_managed_organisation(db.session, current_user, org_id)
    form = OrganisationForm(obj=org)
    if form.validate_on_submit() and (done := _save_org(org, form)).ok:
        return done.redirect(_("Changes saved."), "members.organisation", org_id=org.id)
    return form_page("members/organisation_form.html", form, organisation=org)


@bp.get("/agreements")
@role_required(COORDINATOR, Role.ORG_ADMIN)
def agreements():
    return render_template("members/agreements.html", agreements=memoranda.agreements(db.session))


@bp.route("/agreements/new", methods=["GET", "POST"])
@role_required(COORDINATOR)
def agreement_new():
    form = AgreementForm()
    if (
        form.validate_on_submit()
        and (done := perform(memoranda.create_agreement, form=form, **form_data(form))).ok
    ):
        agreement = done.result
        message = _("Memorandum version %(label)s saved.", label=agreement.version_label)
        return done.redirect(message, "members.agreement", agreement_id=agreement.id)
    return form_page("members/agreement_form.html", form)


@bp.get("/agreements/<int:agreement_id>")
@role_required(COORDINATOR, Role.ORG_ADMIN)
def agreement(agreement_id):
    agreement = memoranda.agreement_page(db.session, agreement_id)
    return render_template("members/agreement.html", agreement=agreement)


def _signature_form(obj=None) -> SignatureForm:
    form = SignatureForm(obj=obj)
    form.agreement_id.choices = options((a.id, str(a)) for a in memoranda.agreements(db.session))
    if obj is not None:
        form.languages.data, form.channels.data = obj.language_list, obj.channel_list
    return form


def _what_if(form, change):
    """The next quarter before and after `change`, recorded nowhere (None when refused)."""
    settings = RotaSettings.from_config(current_app.config)
    done = perform(whatif.what_if, change, utcnow(), settings=settings, form=form)
    return done.result if done.ok else None


def _recorded(done, message: str, org_id: int):
    """After a change of signatures: to the re-plan it needs when there is a rota, else the
    organisation's page."""
    today = service_today()
    end = runs.last_planned_day(db.session, today)
    if end is None:
        return done.redirect(message, "members.organisation", org_id=org_id)
    message += " " + _("Check the re-plan of the unpublished weeks it needs, then apply it.")
    return done.redirect(message, "planning.replan_preview", first=today, last=end)


@bp.route("/organisations/<int:org_id>/sign", methods=["GET", "POST"])
@role_required(COORDINATOR)
def sign(org_id):
    org = service.get_organisation(db.session, org_id)
    form = _signature_form()
    preview = None
    if form.validate_on_submit() and "what_if" in request.form:
        data = form_data(form)
        preview = _what_if(form, lambda session: memoranda.sign(session, org, current_user, **data))
    elif (
        form.validate_on_submit()
        and (done := perform(memoranda.sign, org, current_user, form=form, **form_data(form))).ok
    ):
        return _recorded(done, _("Signature recorded for %(name)s.", name=org.name), org.id)
    return form_page(
        "members/signature_form.html", form, organisation=org, previous=None, what_if=preview
    )


@bp.route("/signatures/<int:signature_id>/amend", methods=["GET", "POST"])
@role_required(COORDINATOR)
def amend(signature_id):
    previous = memoranda.get_signature(db.session, signature_id)
    form = _signature_form(obj=None if request.method == "POST" else previous)
    preview = None
    if form.validate_on_submit() and "what_if" in request.form:
        data = form_data(form)
        preview = _what_if(
            form, lambda session: memoranda.amend(session, previous, current_user, **data)
        )
    elif (
        form.validate_on_submit()
        and (
            done := perform(memoranda.amend, previous, current_user, form=form, **form_data(form))
        ).ok
    ):
        message = _("Amendment recorded; the earlier signature is kept in the history.")
        return _recorded(done, message, previous.organisation_id)
    return form_page(
        "members/signature_form.html",
        form,
        organisation=previous.organisation,
        previous=previous,
        what_if=preview,
    )


@bp.route("/signatures/<int:signature_id>/withdraw", methods=["GET", "POST"])
@role_required(COORDINATOR)
def withdraw(signature_id):
    signature = memoranda.get_signature(db.session, signature_id)
    form = WithdrawForm()
    preview = None
    if form.validate_on_submit() and "what_if" in request.form:
        on, reason = form.withdrawn_on.data, form.reason.data or ""
        preview = _what_if(form, lambda session: memoranda.withdraw(session, signature, on, reason))
    elif (
        form.validate_on_submit()
        and (
            done := perform(
                memoranda.withdraw,
                signature,
                form.withdrawn_on.data,
                form.reason.data or "",
                form=form,
            )
        ).ok
    ):
        return _recorded(done, _("Withdrawal recorded."), signature.organisation_id)
    return form_page("members/withdraw_form.html", form, signature=signature, what_if=preview)


@bp.get("/members")
@role_required(COORDINATOR, Role.ORG_ADMIN)
def members_on_day():
    form = MembersOnDayForm(request.args)
    day = form.day.data if form.validate() and form.day.data else date.today()
    members = service.members_in_force(db.session, day)
    return render_template("members/in_force.html", form=form, day=day, members=members)
