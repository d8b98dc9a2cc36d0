"""The coordinator's rota pages: service hours, closures, publishing, re-planning, fairness."""

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from rota.auth.access import role_required
from rota.errors import DomainError
from rota.extensions import db
from rota.forms import form_data, form_page, run_use_case
from rota.i18n import service_today
from rota.members.models import Role
from rota.schedule import labels
from rota.schedule.hours import closures
from rota.schedule.hours import patterns as hours
from rota.schedule.hours.forms import WEEKDAYS, ClosureForm, PatternForm, PatternSlotForm

bp = Blueprint("rota_admin", __name__)
bp.record_once(lambda state: labels.init_app(state.app))
bp.context_processor(lambda: {"weekdays": dict(WEEKDAYS)})

COORDINATOR = Role.COORDINATOR


@bp.get("/service-hours")
@role_required(COORDINATOR)
def patterns():
    return render_template("schedule/admin/patterns.html", patterns=hours.patterns(db.session))


@bp.route("/service-hours/new", methods=["GET", "POST"])
@role_required(COORDINATOR)
def pattern_new():
    form = PatternForm()
    if form.validate_on_submit():
        pattern = run_use_case(form, hours.save_pattern, None, **form_data(form))
        if pattern is not None:
            flash(_("Service hours “%(name)s” saved. Add its slots.", name=pattern.name), "success")
            return redirect(url_for("rota_admin.pattern", pattern_id=pattern.id))
    return form_page("schedule/admin/pattern_form.html", form)


def _pattern_page(pattern, form, slot_form, status=200):
    page = render_template(
        "schedule/admin/pattern.html", pattern=pattern, form=form, slot_form=slot_form
    )
    return page, status


@bp.route("/service-hours/<int:pattern_id>", methods=["GET", "POST"])
@role_required(COORDINATOR)
def pattern(pattern_id):
    pattern = hours.get_pattern(db.session, pattern_id)
    form = PatternForm(obj=pattern)
    saved = form.validate_on_submit() and run_use_case(
        form, hours.save_pattern, pattern, **form_data(form)
    )
    if saved:
        flash(_("Changes saved. Re-plan the weeks they affect."), "success")
        return redirect(url_for("rota_admin.pattern", pattern_id=pattern.id))
    status = 400 if form.is_submitted() else 200
    return _pattern_page(pattern, form, PatternSlotForm(formdata=None), status)


@bp.post("/service-hours/<int:pattern_id>/slots")
@role_required(COORDINATOR)
def slot_add(pattern_id):
    pattern = hours.get_pattern(db.session, pattern_id)
    slot_form = PatternSlotForm()
    added = slot_form.validate_on_submit() and run_use_case(
        slot_form, hours.add_slot, pattern, **form_data(slot_form)
    )
    if added:
        flash(_("Slot added. Extend or re-plan the rota to use it."), "success")
        return redirect(url_for("rota_admin.pattern", pattern_id=pattern.id))
    return _pattern_page(pattern, PatternForm(obj=pattern, formdata=None), slot_form, 400)


@bp.post("/service-hours/<int:pattern_id>/slots/<int:slot_id>/delete")
@role_required(COORDINATOR)
def slot_remove(pattern_id, slot_id):
    hours.remove_slot(db.session, hours.get_pattern(db.session, pattern_id), slot_id)
    db.session.commit()
    flash(_("Slot removed. Re-plan the weeks that already have shifts in it."), "success")
    return redirect(url_for("rota_admin.pattern", pattern_id=pattern_id))


def _closures_page(form, status=200):
    today = service_today()
    entries = closures.calendar(db.session, today, today + timedelta(days=365), str(get_locale()))
    return render_template("schedule/admin/closures.html", form=form, entries=entries), status


@bp.route("/closures", methods=["GET", "POST"])
@role_required(COORDINATOR)
def closure_list():
    form = ClosureForm()
    if form.validate_on_submit():
        closure = run_use_case(
            form,
            closures.add_closure,
            first=form.first_day.data,
            last=form.last_day.data,
            name=form.name.data,
            actor_id=current_user.id,
        )
        if closure is not None:
            flash(_("Closure saved. Re-plan its dates if they already have shifts."), "success")
            return redirect(url_for("rota_admin.closure_list"))
    return _closures_page(form, 400 if form.is_submitted() else 200)


@bp.post("/closures/<int:closure_id>/delete")
@role_required(COORDINATOR)
def closure_remove(closure_id):
    closures.remove_closure(db.session, closure_id)
    db.session.commit()
    flash(_("Removed. Extend or re-plan the rota to fill those days."), "success")
    return redirect(url_for("rota_admin.closure_list"))


@bp.post("/closures/reopen/<day>")
@role_required(COORDINATOR)
def holiday_reopen(day):
    try:
        closures.reopen_holiday(db.session, date.fromisoformat(day), current_user.id)
    except ValueError:
        abort(404)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.user_message), "error")
        return redirect(url_for("rota_admin.closure_list"))
    db.session.commit()
    flash(_("The ring is open on %(day)s. Extend or re-plan the rota to fill it.", day=day))
    return redirect(url_for("rota_admin.closure_list"))
