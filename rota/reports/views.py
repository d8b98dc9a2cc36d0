"""Report pages: a contact's facts, the ring's lists (coordinator), the reports and exports."""

from datetime import timedelta

from flask import Blueprint, abort, current_app, make_response, render_template, request
from flask_babel import force_locale, format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from rota.auth import policy
from rota.auth.access import role_required
from rota.contacts.queue import service as queue
from rota.contacts.queue import views as contact_views
from rota.db import utcnow
from rota.extensions import db
from rota.forms import perform
from rota.i18n import service_today
from rota.members.models import Role
from rota.members.service import find_organisation, organisations_by_name
from rota.reports import documents, exports, facts, feedback
from rota.reports.forms import FactsForm, FeedbackForm, OptionForm, facts_form
from rota.reports.models import FactKind
from rota.reports.service import ReportSettings
from rota.schedule.hours.forms import RangeQueryForm

bp = Blueprint("reports", __name__)


@bp.app_template_filter("report_number")
def report_number(value):
    """A report's cell for people: numbers in the reader's locale, none as a dash."""
    if value is None:
        return "–"
    return format_decimal(value, format="#,##0.##") if isinstance(value, int | float) else value


LIST_NAMES = {
    FactKind.TOPIC: _l("Topics"),
    FactKind.MUNICIPALITY: _l("Municipalities"),
    FactKind.CLIENT_GROUP: _l("Client groups"),
}


@bp.post("/contacts/<int:contact_id>/facts")
@login_required
def set_facts(contact_id):
    contact = queue.get_contact(db.session, current_user, contact_id)
    form = facts_form(db.session, contact_id, FactsForm())
    if (
        form.validate_on_submit()
        and (
            done := perform(
                facts.set_facts, contact, current_user, utcnow(), **form.values(), form=form
            )
        ).ok
    ):
        return done.redirect(_("Facts saved."), "contacts.show", contact_id=contact_id)
    return contact_views._page(contact_id, 400, facts=form)


def _kind(kind: str) -> FactKind:
    if kind not in FactKind.__members__.values():
        abort(404)
    return FactKind(kind)


def _lists_page(status: int = 200, forms: dict | None = None):
    forms = forms or {}
    lists = [
        (kind, LIST_NAMES[kind], facts.options(db.session, kind), forms.get(kind) or OptionForm())
        for kind in FactKind
    ]
    return render_template("reports/lists.html", lists=lists), status


@bp.get("/reports/lists")
@role_required(Role.COORDINATOR)
def lists():
    return _lists_page()


@bp.post("/reports/lists/<kind>")
@role_required(Role.COORDINATOR)
def add_option(kind):
    kind = _kind(kind)
    form = OptionForm()
    if (
        form.validate_on_submit()
        and (done := perform(facts.add_option, kind, form.label.data, form=form)).ok
    ):
        return done.redirect(_("Entry added."), "reports.lists")
    return _lists_page(400, {kind: form})


@bp.post("/reports/lists/options/<int:option_id>/retire")
@role_required(Role.COORDINATOR)
def retire_option(option_id):
    done = perform(facts.retire_option, option_id)
    return done.redirect(
        _("Entry taken off the list; contacts that name it keep it."), "reports.lists"
    )


# Reports -------------------------------------------------------------------------------------

EXPORTS = "<any(csv, xlsx, pdf, json):fmt>"


def _settings() -> ReportSettings:
    return ReportSettings.from_config(current_app.config)


def _period(form: RangeQueryForm) -> bool:
    """Read the period (last month when none is asked for); False when it is not readable."""
    if not request.args:
        this_month = service_today().replace(day=1)
        form.last.data = this_month - timedelta(days=1)
        form.first.data = form.last.data.replace(day=1)
        return True
    return form.validate()


def _document(build, *args):
    """The document of the asked period, or the refusal on the period form (None)."""
    form = RangeQueryForm(request.args)
    if not _period(form):
        return form, None
    done = perform(build, form.first.data, form.last.data, _settings(), *args, form=form)
    return form, done.result


def _page(build, *args, **context):
    form, doc = _document(build, *args)
    page = render_template("reports/report.html", form=form, doc=doc, **context)
    return page, 200 if doc else 400


def _export(fmt: str, build, *args):
    _form, doc = _document(build, *args)
    if doc is None:
        abort(400)
    body = documents.as_file(doc, fmt, str(get_locale()))
    response = make_response(body)
    response.headers["Content-Type"] = exports.MEDIA_TYPES[fmt]
    response.headers["Content-Disposition"] = f'attachment; filename="{doc.filename}.{fmt}"'
    return response


def _summary(session, first, last, settings):
    return documents.ring_summary(session, first, last, settings)


def _statement(org):
    return lambda session, first, last, settings: documents.statement(
        session, first, last, settings, org
    )


def _service(session, first, last, settings):
    document = documents.service_document(session, first, last, settings)
    session.commit()  # the contacts' figures it worked out are kept (rota.reports.stored)
    return document


def _readable_org(org_id: int):
    """An organisation whose statement the user may read; 404 for the others."""
    org = find_organisation(db.session, org_id)
    if org is None or not policy.may_read_statement(current_user, org.id):
        abort(404)
    return org


def _for(rule):
    def check():
        if not rule(current_user):
            abort(403)

    return check


@bp.get("/reports")
@login_required
def summary():
    _for(policy.may_read_ring_summary)()
    readable = [
        o
        for o in organisations_by_name(db.session)
        if policy.may_read_statement(current_user, o.id)
    ]
    return _page(_summary, export="reports.summary_export", statements=readable)


@bp.get(f"/reports/summary.{EXPORTS}")
@login_required
def summary_export(fmt):
    _for(policy.may_read_ring_summary)()
    return _export(fmt, _summary)


@bp.get("/reports/organisations/<int:org_id>")
@role_required(Role.COORDINATOR, Role.ORG_ADMIN)
def statement(org_id):
    org = _readable_org(org_id)
    return _page(_statement(org), export="reports.statement_export", org_id=org.id)


@bp.get(f"/reports/organisations/<int:org_id>.{EXPORTS}")
@role_required(Role.COORDINATOR, Role.ORG_ADMIN)
def statement_export(org_id, fmt):
    return _export(fmt, _statement(_readable_org(org_id)))


@bp.get("/reports/service")
@login_required
def service_report():
    _for(policy.may_read_service_report)()
    return _page(_service, export="reports.service_export")


@bp.get(f"/reports/service.{EXPORTS}")
@login_required
def service_export(fmt):
    _for(policy.may_read_service_report)()
    return _export(fmt, _service)


# Client feedback (no login: the link's secret is the key) ------------------------------------


@bp.route("/feedback/<secret>", methods=["GET", "POST"])
def feedback_page(secret):
    request_ = feedback.find_request(db.session, secret)
    with force_locale(request_.language):
        problem = feedback.open_problem(request_, utcnow())
        form = FeedbackForm()
        if problem is None and form.validate_on_submit():
            done = perform(
                feedback.answer,
                secret,
                utcnow(),
                form.rating.data,
                form.comment.data or "",
                form=form,
            )
            if done.ok:
                problem = _("Thank you: your answer has been received. The link works only once.")
        status = 400 if form.errors else 200
        return render_template("reports/feedback.html", form=form, problem=problem), status
