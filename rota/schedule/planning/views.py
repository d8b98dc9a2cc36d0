"""Planning the rota: extend it, publish weeks, re-plan a range (preview, apply), fairness."""

from datetime import date, timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from rota.auth.access import role_required
from rota.db import utcnow
from rota.extensions import db
from rota.forms import perform
from rota.i18n import service_today
from rota.members.models import Role
from rota.schedule import labels
from rota.schedule.hours.forms import (
    GenerateForm,
    RangeForm,
    RangeQueryForm,
    ReplanApplyForm,
    ReplanQueryForm,
)
from rota.schedule.planning import generation, outlook, publishing, replan
from rota.schedule.planning.eligibility import ExcessDemand
from rota.schedule.planning.fairness import fairness_table, monthly_fairness

bp = Blueprint("planning", __name__)
bp.record_once(lambda state: labels.init_app(state.app))

COORDINATOR = Role.COORDINATOR


def _settings() -> generation.RotaSettings:
    return generation.RotaSettings.from_config(current_app.config)


def _planning_page(publish_form=None, generate_form=None, status=200):
    today, now, settings = service_today(), utcnow(), _settings()
    horizon = today + timedelta(weeks=settings.horizon_weeks)
    demand, _rows = monthly_fairness(db.session, today, horizon, settings)
    page = render_template(
        "schedule/admin/planning.html",
        demand=demand,
        spread=settings.excess_demand == ExcessDemand.SPREAD,
        gaps=outlook.slot_gaps(db.session, today, horizon, now, settings),
        stranded=outlook.stranded_shifts(db.session, now),
        weeks=publishing.weeks_overview(db.session, today, horizon),
        publish_form=publish_form or RangeForm(formdata=None),
        generate_form=generate_form or GenerateForm(formdata=None),
        replan_form=ReplanQueryForm(formdata=None),
    )
    return page, status


@bp.get("/rota/planning")
@role_required(COORDINATOR)
def planning():
    return _planning_page()


@bp.post("/rota/publish")
@role_required(COORDINATOR)
def publish():
    form = RangeForm()
    if (
        form.validate_on_submit()
        and (
            done := perform(
                publishing.publish_weeks,
                form.first.data,
                form.last.data,
                current_user.id,
                utcnow(),
                form=form,
            )
        ).ok
    ):
        weeks = len(done.result)
        message = ngettext("%(num)d week published.", "%(num)d weeks published.", weeks)
        return done.redirect(message, "planning.planning")
    return _planning_page(publish_form=form, status=400)


@bp.post("/rota/generate")
@role_required(COORDINATOR)
def generate():
    form = GenerateForm()
    if (
        form.validate_on_submit()
        and (
            done := perform(
                replan.generate,
                form.until.data,
                utcnow(),
                settings=_settings(),
                actor_id=current_user.id,
                form=form,
            )
        ).ok
    ):
        result = done.result.result
        message = _(
            "%(num)d shifts added; the rota now reaches %(day)s.",
            num=result.created,
            day=result.until.isoformat(),
        )
        if done.result.replan is not None:
            moved = len(done.result.replan.changes)
            message += " " + ngettext(
                "%(num)d shift changed hands for the signatures recorded since the last run.",
                "%(num)d shifts changed hands for the signatures recorded since the last run.",
                moved,
            )
        return done.redirect(message, "planning.planning")
    return _planning_page(generate_form=form, status=400)


@bp.get("/rota/replan")
@role_required(COORDINATOR)
def replan_preview():
    form = ReplanQueryForm(request.args)
    if not request.args:
        return render_template("schedule/admin/replan.html", form=form, plan=None)
    include = form.include_published.data
    plan = form.validate() and (
        perform(
            replan.preview_replan,
            form.first.data,
            form.last.data,
            utcnow(),
            include_published=include,
            settings=_settings(),
            form=form,
        ).result
    )
    apply_form = ReplanApplyForm(
        formdata=None,
        first=form.first.data,
        last=form.last.data,
        include_published="y" if include else "",
        fingerprint=plan.fingerprint if plan else "",
    )
    organisations = replan.organisations(db.session, plan or None)
    page = render_template(
        "schedule/admin/replan.html",
        form=form,
        plan=plan or None,
        apply_form=apply_form,
        organisations=organisations,
    )
    return page, 200 if plan else 400


@bp.post("/rota/replan")
@role_required(COORDINATOR)
def replan_apply():
    form = ReplanApplyForm()
    if not form.validate_on_submit():
        flash(_("The re-plan form was incomplete. Preview the range again."), "error")
        return redirect(url_for("planning.replan_preview")), 303
    include = form.include_published.data == "y"
    done = perform(
        replan.apply_replan,
        form.first.data,
        form.last.data,
        utcnow(),
        actor_id=current_user.id,
        fingerprint=form.fingerprint.data,
        include_published=include,
        settings=_settings(),
        form=form,
    )
    if not done.ok:
        args = {"first": form.first.data, "last": form.last.data, "include_published": include}
        return redirect(url_for("planning.replan_preview", **args), 303)
    changed = len(done.result.changes)
    message = ngettext("%(num)d shift changed.", "%(num)d shifts changed.", changed)
    return done.redirect(message, "planning.planning")


@bp.get("/fairness")
@role_required(COORDINATOR, Role.ORG_ADMIN)
def fairness():
    form = RangeQueryForm(request.args)
    if not request.args:
        year = service_today().year
        form.first.data, form.last.data = date(year, 1, 1), date(year, 12, 31)
    table = (not request.args or form.validate()) and (
        perform(fairness_table, form.first.data, form.last.data, _settings(), form=form).result
    )
    months, month_rows = (
        monthly_fairness(db.session, form.first.data, form.last.data, _settings())
        if table
        else ([], [])
    )
    page = render_template(
        "schedule/admin/fairness.html",
        form=form,
        table=table or None,
        months=months,
        month_rows=month_rows,
    )
    return page, 200 if table else 400
