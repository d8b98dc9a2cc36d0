"""Rota pages: week and month views, an organisation's shifts, gaps, one shift and its history."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from babel.dates import get_day_names
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from rota.auth import policy
from rota.auth.access import role_required
from rota.auth.redirects import local_path
from rota.db import utcnow
from rota.extensions import db
from rota.forms import form_data, form_page, mail_settings, options, perform
from rota.i18n import service_today
from rota.members.models import Role
from rota.members.service import get_managed_organisation, organisations_by_name
from rota.schedule import absences, calendar, coverage, labels, service, swaps
from rota.schedule.coverage import RotaEntry, group_by_day
from rota.schedule.days import ONE_WEEK, monday
from rota.schedule.forms import (
    AbsenceForm,
    NameCounsellorForm,
    NameOnShiftsForm,
    OfferForm,
    OverrideForm,
    PeriodForm,
    ShiftRuleForm,
    SwapAnswerForm,
    SwapForm,
    TakeForm,
    WithdrawOfferForm,
)
from rota.schedule.models import Channel, SwapStatus
from rota.schedule.planning import origin

bp = Blueprint("schedule", __name__)
bp.record_once(lambda state: labels.init_app(state.app))
bp.record_once(
    lambda state: state.app.jinja_env.globals.update(
        pattern_of=calendar.pattern_of, shift_words=service.shift_words
    )
)

C, A, S = Role.COORDINATOR, Role.ORG_ADMIN, Role.COUNSELLOR
ORG_WEEKS = 8
MY_SHIFTS = 100


def _coverage_days() -> int:
    return current_app.config["COVERAGE_DAYS"]


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def _period_day() -> date:
    form = PeriodForm(formdata=request.args)
    if not form.validate():
        parsed = form.day.data is not None  # then it is out of range, and the error says so
        abort(
            400,
            form.day.errors[-1] if parsed else _("Give the day as YYYY-MM-DD, e.g. 2026-03-30."),
        )
    return form.day.data or service_today()


def _weekday_names(width: str) -> list[str]:
    names = get_day_names(width, locale=get_locale())
    return [names[n] for n in range(7)]


def _pick_form(entries) -> tuple[NameOnShiftsForm | None, set[int]]:
    """The form naming a counsellor on chosen shifts, and the shifts the viewer may choose."""
    now = utcnow()
    pickable = {
        e.shift.id
        for e in entries
        if policy.may_manage_shift(current_user, e.shift.organisation_id) and e.shift.ends_at > now
    }
    if not pickable:
        return None, pickable
    return _name_on_shifts_form(), pickable


def _name_on_shifts_form(formdata=None) -> NameOnShiftsForm:
    form = NameOnShiftsForm(formdata=formdata)
    people = service.staff_choices(db.session, current_user)
    form.counsellor_id.choices = options(
        [(0, _("Choose a counsellor")), *((p.id, service.person_label(p)) for p in people)]
    )
    return form


def _rota_page(
    template, entries, first: date, last: date, previous: date, following: date, **layout
):
    view = "list" if request.args.get("view") == "list" else "grid"
    pick_form, pickable = _pick_form(entries) if view == "grid" else (None, set())
    organisations = {e.shift.organisation.id: e.shift.organisation for e in entries}
    return render_template(
        template,
        first=first,
        last=last,
        previous=previous,
        following=following,
        days=group_by_day(entries),
        form=PeriodForm(formdata=None, day=first),
        view=view,
        organisations=sorted(organisations.values(), key=lambda o: o.name),
        pickable=pickable,
        pick_form=pick_form,
        today=service_today(),
        weekday_names=_weekday_names("abbreviated"),
        **layout,
    )


@bp.get("/rota")
@login_required
def week():
    first = monday(_period_day())
    last = first + timedelta(days=6)
    entries = coverage.rota_between(db.session, first, last)
    return _rota_page(
        "schedule/week.html",
        entries,
        first,
        last,
        first - ONE_WEEK,
        first + ONE_WEEK,
        grid=calendar.week_grid(first, group_by_day(entries), _zone()),
        weeks=None,
    )


@bp.get("/rota/month")
@login_required
def month():
    first = _period_day().replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    last = following - timedelta(days=1)
    return _rota_page(
        "schedule/month.html",
        coverage.rota_between(db.session, first, last),
        first,
        last,
        previous,
        following,
        grid=None,
        weeks=calendar.month_weeks(first, last),
    )


def _rule_form() -> ShiftRuleForm:
    today = service_today()
    form = ShiftRuleForm(
        formdata=request.args if request.args else None,
        weekday=today.weekday(),
        channel=Channel.PHONE.value,
        first_day=today,
        last_day=today + timedelta(weeks=4),
    )
    form.weekday.choices = options(enumerate(_weekday_names("wide")))
    form.channel.choices = options((c.value, labels.channel_label(c)) for c in Channel)
    return form


def _assign_page(form: NameOnShiftsForm, shifts, rule_form, status=200):
    return render_template(
        "schedule/assign.html", pick_form=form, shifts=shifts, rule_form=rule_form
    ), status


@bp.get("/rota/assign")
@role_required(C, A)
def assign():
    rule_form = _rule_form()
    shifts = []
    if request.args and rule_form.validate():
        rule = service.ShiftRule(
            weekday=rule_form.weekday.data,
            channel=Channel(rule_form.channel.data),
            first_day=rule_form.first_day.data,
            last_day=rule_form.last_day.data,
        )
        shifts = service.shifts_by_rule(db.session, current_user, rule, utcnow())
    form = _name_on_shifts_form()
    form.shift_ids.data = [s.id for s in shifts]
    return _assign_page(form, shifts, rule_form, 400 if rule_form.errors else 200)


@bp.post("/rota/assign")
@role_required(C, A)
def name_on_shifts():
    form = _name_on_shifts_form(request.form)
    if (
        form.validate_on_submit()
        and (
            done := perform(
                service.name_counsellor_on_shifts,
                current_user,
                shift_ids=form.shift_ids.data,
                counsellor_id=form.counsellor_id.data,
                now=utcnow(),
                form=form,
            )
        ).ok
    ):
        named = done.result
        message = ngettext(
            "%(name)s is named on %(num)s shift.",
            "%(name)s is named on %(num)s shifts.",
            len(named),
            name=named[0].counsellor.name,
        )
        flash(message, "success")
        return redirect(
            local_path(form.back.data) or url_for(".week", day=named[0].local_day.isoformat())
        )
    shifts = service.managed_shifts(db.session, form.shift_ids.data or [], current_user)
    return _assign_page(form, shifts, _rule_form(), 400)


@bp.get("/rota/mine")
@login_required
def mine():
    entries = coverage.upcoming_for(db.session, current_user.id, utcnow(), limit=MY_SHIFTS)
    return render_template("schedule/mine.html", entries=entries)


@bp.get("/rota/own")
@role_required(A)
def own():
    return redirect(url_for(".organisation", org_id=current_user.organisation_id))


@bp.get("/rota/organisations/<int:org_id>")
@role_required(C, A)
def organisation(org_id):
    org = get_managed_organisation(db.session, current_user, org_id)
    today = service_today()
    entries = coverage.rota_between(
        db.session, today, today + timedelta(weeks=ORG_WEEKS), organisation_id=org_id
    )
    offers = [
        s for s in coverage.offered_shifts(db.session, utcnow()) if s.organisation_id != org_id
    ]
    return render_template(
        "schedule/organisation.html", org=org, entries=entries, offers=offers, weeks=ORG_WEEKS
    )


@bp.get("/rota/gaps")
@role_required(C, A)
def gaps():
    return render_template(
        "schedule/gaps.html",
        entries=coverage.gaps_for(db.session, current_user, utcnow(), _coverage_days()),
        days=_coverage_days(),
    )


@bp.get("/shifts/<int:shift_id>")
@login_required
def shift(shift_id):
    return _shift_page(service.get_shift(db.session, shift_id))


def _name_form(shift, formdata=None):
    form = NameCounsellorForm(
        formdata=formdata, version=shift.version, counsellor_id=shift.counsellor_id or 0
    )
    people = service.counsellor_choices(db.session, shift, current_user)
    form.counsellor_id.choices = options([(0, _("Nobody yet")), *((p.id, p.name) for p in people)])
    return form


def _override_form(shift, formdata=None):
    form = OverrideForm(
        formdata=formdata,
        version=shift.version,
        organisation_id=shift.organisation_id,
        counsellor_id=shift.counsellor_id or 0,
    )
    organisations = organisations_by_name(db.session)
    form.organisation_id.choices = options((o.id, o.name) for o in organisations)
    people = service.counsellor_choices(db.session, shift, current_user)
    form.counsellor_id.choices = options(
        [(0, _("Nobody yet")), *((p.id, f"{p.name} ({p.organisation.short_name})") for p in people)]
    )
    return form


def _forms_for(shift) -> dict:
    """The forms the signed-in person may use on this shift, filled from its current state."""
    forms, fresh = {}, {"formdata": None, "version": shift.version}
    if policy.may_manage_shift(current_user, shift.organisation_id):
        forms["name_form"] = _name_form(shift)
        key, form_cls = (
            ("withdraw_form", WithdrawOfferForm) if shift.offered_at else ("offer_form", OfferForm)
        )
        forms[key] = form_cls(**fresh)
    elif policy.may_take_shifts(current_user) and shift.offered_at is not None:
        forms["take_form"] = TakeForm(**fresh)
    if policy.may_override_shift(current_user):
        forms["override_form"] = _override_form(shift)
    return forms


def _swap_form(shift, formdata=None):
    form = SwapForm(formdata=formdata)
    label = "{:%d.%m. %H:%M} {} – {}{}"
    choices = [
        (
            s.id,
            label.format(
                s.starts_at.astimezone(_zone()),
                labels.channel_label(s.channel),
                s.organisation.name,
                f" ({s.counsellor.name})" if s.counsellor else "",
            ),
        )
        for s in swaps.counter_choices(db.session, shift, utcnow())
    ]
    form.counter_shift_id.choices = options([(0, _("No shift: give it away")), *choices])
    organisations = swaps.give_choices(db.session, shift)
    form.to_organisation_id.choices = options(
        [(0, _("Nobody: swap it")), *((o.id, o.name) for o in organisations)]
    )
    return form


def _shift_page(shift, status=200, **forms):
    entry = RotaEntry(shift, shift.id in absences.absent_shift_ids(db.session, [shift]))
    context = {**_forms_for(shift), **forms}
    if "swap_form" not in context and policy.may_ask_swap(
        current_user, shift.organisation_id, shift.counsellor_id
    ):
        context["swap_form"] = _swap_form(shift)
    history = origin.with_origin(shift, coverage.history(db.session, shift))
    return render_template(
        "schedule/shift.html", entry=entry, shift=shift, history=history, **context
    ), status


def _act(shift_id, form, key, action, success, **settings):
    """Run one shift operation from a posted form; back to the shift page, with errors if any."""
    if (
        form.validate_on_submit()
        and (
            done := perform(
                action,
                shift_id,
                current_user,
                now=utcnow(),
                version=form.version.data,
                form=form,
                **settings,
                **form_data(form, exclude=("version",)),
            )
        ).ok
    ):
        return done.redirect(success, ".shift", shift_id=shift_id)
    shift = service.get_shift(db.session, shift_id)
    return _shift_page(shift, 400, **({key: form} if form.errors else {}))


def _managed(shift_id):
    return service.get_managed_shift(db.session, shift_id, current_user)


@bp.post("/shifts/<int:shift_id>/counsellor")
@role_required(C, A)
def name_counsellor(shift_id):
    form = _name_form(_managed(shift_id), request.form)
    return _act(shift_id, form, "name_form", service.name_counsellor, _l("Counsellor saved."))


@bp.post("/shifts/<int:shift_id>/offer")
@role_required(C, A)
def offer(shift_id):
    _managed(shift_id)
    return _act(
        shift_id,
        OfferForm(),
        "offer_form",
        service.offer_shift,
        _l("The shift is offered to the other organisations."),
    )


@bp.post("/shifts/<int:shift_id>/withdraw")
@role_required(C, A)
def withdraw(shift_id):
    _managed(shift_id)
    return _act(
        shift_id,
        WithdrawOfferForm(),
        "withdraw_form",
        service.withdraw_offer,
        _l("The offer is withdrawn."),
    )


@bp.post("/shifts/<int:shift_id>/take")
@role_required(A)
def take(shift_id):
    return _act(
        shift_id,
        TakeForm(),
        "take_form",
        service.take_shift,
        _l("The shift is now your organisation's. Name its counsellor."),
        settings=mail_settings(),
    )


@bp.post("/shifts/<int:shift_id>/override")
@role_required(C)
def override(shift_id):
    form = _override_form(service.get_shift(db.session, shift_id), request.form)
    return _act(
        shift_id,
        form,
        "override_form",
        service.override_shift,
        _l("The shift is reassigned."),
        settings=mail_settings(),
    )


def _swap_settings():
    return swaps.SwapSettings.from_config(current_app.config)


@bp.post("/shifts/<int:shift_id>/swap")
@role_required(A, S)
def swap_ask(shift_id):
    shift = service.get_shift(db.session, shift_id)
    if not policy.may_ask_swap(current_user, shift.organisation_id, shift.counsellor_id):
        abort(404)
    form = _swap_form(shift, request.form)
    if (
        form.validate_on_submit()
        and (
            done := perform(
                swaps.ask_swap,
                shift_id,
                current_user,
                now=utcnow(),
                settings=_swap_settings(),
                form=form,
                **form_data(form),
            )
        ).ok
    ):
        return done.redirect(_("Your swap request is sent."), ".swap_list")
    return _shift_page(shift, 400, swap_form=form)


@bp.get("/swaps")
@login_required
def swap_list():
    rows = swaps.visible_swaps(db.session, current_user, utcnow())
    actions = {swap.id: _swap_actions(swap) for swap in rows}
    return render_template("schedule/swaps.html", swaps=rows, actions=actions)


def _swap_actions(swap) -> list[tuple[str, str]]:
    """(endpoint, label) of the steps the signed-in person may take on a swap request."""
    if swap.status == SwapStatus.ASKED:
        counter = swap.counter_shift.counsellor_id if swap.counter_shift else None
        if policy.may_answer_swap(current_user, swap.to_organisation_id, counter):
            return [(".swap_accept", _("Accept")), (".swap_decline", _("Decline"))]
    if swap.status == SwapStatus.ACCEPTED and policy.may_decide_swap(current_user):
        return [(".swap_approve", _("Approve")), (".swap_refuse", _("Refuse"))]
    if swap.open and policy.may_cancel_swap(
        current_user, swap.asked_by_id, swap.from_organisation_id
    ):
        return [(".swap_cancel", _("Cancel the request"))]
    return []


def _swap_step(swap_id, action, message, **choice):
    form = SwapAnswerForm()
    if form.validate_on_submit():
        done = perform(
            action, swap_id, current_user, now=utcnow(), settings=_swap_settings(), **choice
        )
        return done.redirect(message, ".swap_list")
    flash(_("The form expired. Try again."), "error")
    return redirect(url_for(".swap_list"))


@bp.post("/swaps/<int:swap_id>/accept")
@role_required(A, S)
def swap_accept(swap_id):
    return _swap_step(swap_id, swaps.answer_swap, _("You accepted the swap."), accept=True)


@bp.post("/swaps/<int:swap_id>/decline")
@role_required(A, S)
def swap_decline(swap_id):
    return _swap_step(swap_id, swaps.answer_swap, _("You declined the swap."), accept=False)


@bp.post("/swaps/<int:swap_id>/approve")
@role_required(C)
def swap_approve(swap_id):
    return _swap_step(swap_id, swaps.decide_swap, _("The swap is approved and done."), approve=True)


@bp.post("/swaps/<int:swap_id>/refuse")
@role_required(C)
def swap_refuse(swap_id):
    return _swap_step(swap_id, swaps.decide_swap, _("The swap is refused."), approve=False)


@bp.post("/swaps/<int:swap_id>/cancel")
@login_required
def swap_cancel(swap_id):
    return _swap_step(swap_id, swaps.cancel_swap, _("The swap request is cancelled."))


def _absence_form():
    form = AbsenceForm(person_id=current_user.id)
    people = absences.people_for_absences(db.session, current_user)
    form.person_id.choices = options((p.id, p.name) for p in people)
    return form


@bp.route("/absences", methods=["GET", "POST"])
@login_required
def absence_list():
    form = _absence_form()
    if (
        form.validate_on_submit()
        and (
            done := perform(
                absences.record_absence,
                current_user,
                zone=_zone(),
                now=utcnow(),
                settings=mail_settings(),
                form=form,
                **form_data(form),
            )
        ).ok
    ):
        message = _("The absence is recorded. Shifts you are named to then show as uncovered.")
        return done.redirect(message, ".absence_list")
    rows = absences.visible_absences(db.session, current_user, utcnow())
    return form_page("schedule/absences.html", form, absences=rows)


@bp.post("/absences/<int:absence_id>/delete")
@login_required
def delete_absence(absence_id):
    done = perform(absences.delete_absence, current_user, absence_id)
    return done.redirect(_("The absence is removed."), ".absence_list")
