"""The coordinator's rota pages: service hours, closures, publishing, re-planning, fairness."""

from datetime import date, timedelta

from flask import Blueprint, abort, render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from rota.auth.access import role_required
from rota.extensions import db
from rota.forms import form_data, form_page, perform
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
    if (
        form.validate_on_submit()
        and (done := perform(hours.save_pattern, None, form=form, **form_data(form))).ok
    ):
        pattern = done.result
        message = _("Service hours “%(name)s” saved. Add its slots.", name=pattern.name)
        return done.redirect(message, "rota_admin.pattern", pattern_id=pattern.id)
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
    if (
        form.validate_on_submit()
        and (done := perform(hours.save_pattern, pattern, form=form, **form_data(form))).ok
    ):
        message = _("Changes saved. Re-plan the weeks they affect.")
        return done.redirect(message, "rota_admin.pattern", pattern_id=pattern.id)
    status = 400 if form.is_submitted() else 200
    return _pattern_page(pattern, form, PatternSlotForm(formdata=None), status)


@bp.post("/service-hours/<int:pattern_id>/slots")
@role_required(COORDINATOR)
def slot_add(pattern_id):
    pattern = hours.get_pattern(db.session, pattern_id)
    slot_form = PatternSlotForm()
    if (
        slot_form.validate_on_submit()
        and (done := perform(hours.add_slot, pattern, form=slot_form, **form_data(slot_form))).ok
    ):
        message = _("Slot added. Extend or re-plan the rota to use it.")
        return done.redirect(message, "rota_admin.pattern", pattern_id=pattern.id)
    return _pattern_page(pattern, PatternForm(obj=pattern, formdata=None), slot_form, 400)


@bp.post("/service-hours/<int:pattern_id>/slots/<int:slot_id>/delete")
@role_required(COORDINATOR)
def slot_remove(pattern_id, slot_id):
    done = perform(hours.remove_slot, hours.get_pattern(db.session, pattern_id), slot_id)
    message = _("Slot removed. Re-plan the weeks that already have shifts in it.")
    return done.redirect(message, "rota_admin.pattern", pattern_id=pattern_id)


def _closures_page(form, status=200):
    today = service_today()
    entries = closures.calendar(db.session, today, today + timedelta(days=365), str(get_locale()))
    return render_template("schedule/admin/closures.html", form=form, entries=entries), status


@bp.route("/closures", methods=["GET", "POST"])
@role_required(COORDINATOR)
def closure_list():
    form = ClosureForm()
    if (
        form.validate_on_submit()
        and (
            done := perform(
                closures.add_closure,
                first=form.first_day.data,
                last=form.last_day.data,
                name=form.name.data,
                actor_id=current_user.id,
                form=form,
            )
        ).ok
    ):
        message = _("Closure saved. Re-plan its dates if they already have shifts.")
        return done.redirect(message, "rota_admin.closure_list")
    return _closures_page(form, 400 if form.is_submitted() else 200)


@bp.post("/closures/<int:closure_id>/delete")
@role_required(COORDINATOR)
def closure_remove(closure_id):
    done = perform(closures.remove_closure, closure_id)
    message = _("Removed. Extend or re-plan the rota to fill those days.")
    return done.redirect(message, "rota_admin.closure_list")


@bp.post("/closures/reopen/<day>")
@role_required(COORDINATOR)
def holiday_reopen(day):
    try:
        local_day = date.fromisoformat(day)
    except ValueError:
        abort(404)
    done = perform(closures.reopen_holiday, local_day, current_user.id)
    message = _("The ring is open on %(day)s. Extend or re-plan the rota to fill it.", day=day)
    return done.redirect(message, "rota_admin.closure_list")
