"""The counsellor's queue and the contact page: claim, reply, note, calls, close, reassign."""

from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from rota.auth.access import role_required
from rota.contacts import notify
from rota.contacts.phone import service as phone
from rota.contacts.queue import merge as merging
from rota.contacts.queue import panels, reply
from rota.contacts.queue import service as queue
from rota.contacts.queue.display import message_html, part_response, part_url
from rota.contacts.queue.forms import CallForm, MergeForm, NoteForm, ReassignForm, ReplyForm
from rota.contacts.routing import reasons
from rota.contacts.routing import service as routing
from rota.db import utcnow
from rota.errors import DomainError
from rota.extensions import db
from rota.forms import apply_error, form_data, form_page, options, run_use_case
from rota.members.models import Role

bp = Blueprint("contacts", __name__)
bp.record_once(lambda state: reasons.init_app(state.app))
bp.record_once(lambda state: panels.init_app(state.app))


bp.record_once(
    lambda state: state.app.jinja_env.globals.update(message_html=message_html, part_url=part_url)
)
LABELS = {
    "channel": reasons.CHANNEL_WORDS,
    "status": {"new": _l("new"), "open": _l("open"), "closed": _l("closed")},
    "outcome": {
        "answered": _l("answered"),
        "missed": _l("missed: call back"),
        "voicemail": _l("voicemail: call back"),
    },
    "event": {
        "routed": _l("routed"),
        "handed_over": _l("moved at shift end"),
        "reassigned": _l("reassigned"),
        "claimed": _l("taken"),
        "replied": _l("replied"),
        "closed": _l("closed"),
        "reopened": _l("reopened"),
        "call_answered": _l("call answered"),
        "call_missed": _l("call missed"),
        "call_logged": _l("call logged"),
        "called_back": _l("called back"),
        "caller_unreadable": _l("caller's number not readable"),
        "participant_added": _l("added to the conversation"),
        "merged": _l("merged in"),
        "merged_into": _l("merged into another contact"),
    },
}


@bp.app_context_processor
def labels():
    """Readable labels for contact channels, statuses, call outcomes and events."""

    def label(kind):
        return lambda value: LABELS[kind].get(str(value), str(value))

    return {f"{kind}_label": label(kind) for kind in LABELS}


@bp.get("/contacts")
@login_required
def index():
    return render_template("contacts/queue.html", queues=queue.queues(db.session, current_user))


def _page(contact_id: int, status: int = 200, **forms):
    page = queue.contact_page(db.session, current_user, contact_id)
    forms = {"reply": ReplyForm(), "note": NoteForm(), "call": CallForm(), **forms}
    forms["reply"].also_to.choices = options((a, a) for a in page.others)
    may_reassign = routing.may_reassign(current_user, page.contact)
    return render_template(
        "contacts/contact.html", page=page, forms=forms, may_reassign=may_reassign
    ), status


@bp.get("/contacts/<int:contact_id>")
@login_required
def show(contact_id):
    return _page(contact_id)


@bp.get("/contacts/<int:contact_id>/attachments/<int:attachment_id>")
@login_required
def attachment(contact_id, attachment_id):
    return part_response(queue.get_attachment(db.session, current_user, contact_id, attachment_id))


def _done(contact_id: int, message: str):
    db.session.commit()
    notify.deliver_pending(db.session, utcnow())
    flash(message, "success")
    return redirect(url_for("contacts.show", contact_id=contact_id))


def _act(contact_id: int, action, message: str):
    contact = queue.get_contact(db.session, current_user, contact_id)
    try:
        action(contact)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.user_message), "error")
        return redirect(url_for("contacts.show", contact_id=contact_id))
    return _done(contact_id, message)


@bp.post("/contacts/<int:contact_id>/claim")
@login_required
def claim(contact_id):
    return _act(
        contact_id,
        lambda c: queue.claim(db.session, c, current_user, utcnow()),
        _("The contact is yours now."),
    )


@bp.post("/contacts/<int:contact_id>/close")
@login_required
def close(contact_id):
    return _act(
        contact_id,
        lambda c: queue.close(db.session, c, current_user, utcnow()),
        _("Contact closed."),
    )


@bp.post("/contacts/<int:contact_id>/reopen")
@login_required
def reopen(contact_id):
    return _act(
        contact_id,
        lambda c: queue.reopen(db.session, c, current_user, utcnow()),
        _("Contact reopened."),
    )


def _form_action(contact_id: int, key: str, form, action, message: str):
    contact = queue.get_contact(db.session, current_user, contact_id)
    if form.validate_on_submit() and run_use_case(form, action, contact) is not None:
        notify.deliver_pending(db.session, utcnow())
        flash(message, "success")
        return redirect(url_for("contacts.show", contact_id=contact_id))
    return _page(contact_id, 400, **{key: form})


def _ring() -> tuple[str, str]:
    return current_app.config["RING_NAME"], current_app.config["RING_EMAIL"]


def _zone() -> str:
    return current_app.config["TIMEZONE"]


@bp.post("/contacts/<int:contact_id>/reply")
@login_required
def send_reply(contact_id):
    form = ReplyForm()
    return _form_action(
        contact_id,
        "reply",
        form,
        lambda s, c: reply.send_reply(
            s,
            c,
            current_user,
            form.text.data,
            utcnow(),
            ring=_ring(),
            zone=_zone(),
            also_to=form.also_to.data or (),
        ),
        _("Reply saved; it is sent from the ring's address."),
    )


@bp.post("/contacts/<int:contact_id>/note")
@login_required
def add_note(contact_id):
    form = NoteForm()
    return _form_action(
        contact_id,
        "note",
        form,
        lambda s, c: queue.add_note(s, c, current_user, form.text.data, utcnow()),
        _("Note added."),
    )


def _log_call(form):
    zone = ZoneInfo(_zone())
    fields = form_data(form)
    fields["started_at"] = fields["started_at"].replace(tzinfo=zone)
    region = current_app.config["PHONE_REGION"]
    return lambda s, c: phone.log_call(s, current_user, c, region=region, **fields)


@bp.post("/contacts/<int:contact_id>/calls")
@login_required
def log_call(contact_id):
    form = CallForm()
    action = _log_call(form) if form.validate_on_submit() else None
    return _form_action(contact_id, "call", form, action, _("Call logged."))


@bp.route("/calls/new", methods=["GET", "POST"])
@login_required
def new_call():
    form = CallForm()
    if form.validate_on_submit() and (
        call := run_use_case(form, lambda s: _log_call(form)(s, None))
    ):
        notify.deliver_pending(db.session, utcnow())
        flash(_("Call logged."), "success")
        return redirect(url_for("contacts.show", contact_id=call.contact_id))
    return form_page("contacts/call_form.html", form)


@bp.post("/calls/<int:call_id>/called-back")
@login_required
def called_back(call_id):
    call = phone.get_call(db.session, call_id)
    return _act(
        call.contact_id,
        lambda c: phone.called_back(db.session, call, current_user, utcnow()),
        _("Call-back marked done."),
    )


@bp.route("/contacts/<int:contact_id>/reassign", methods=["GET", "POST"])
@role_required(Role.COORDINATOR, Role.ORG_ADMIN)
def reassign(contact_id):
    contact = queue.get_contact(db.session, current_user, contact_id)
    form = ReassignForm()
    form.target.choices = options(routing.reassign_targets(db.session, current_user))
    if form.validate_on_submit() and run_use_case(
        form,
        routing.reassign,
        contact,
        current_user,
        reason=form.reason.data,
        now=utcnow(),
        **form.target_ids(),
    ):
        return _done(contact_id, _("Contact reassigned."))
    return form_page("contacts/reassign.html", form, contact=contact)


def _merge_plan(form, source):
    """What the merge would move, or None (with the reason on the form) when it cannot be."""
    try:
        return merging.plan_merge(db.session, current_user, source, form.into.data)
    except DomainError as exc:
        apply_error(form, exc)
        return None


@bp.route("/contacts/<int:contact_id>/merge", methods=["GET", "POST"])
@login_required
def merge(contact_id):
    source = queue.get_contact(db.session, current_user, contact_id)
    form = MergeForm(data={"into": request.args.get("into", "")})
    if form.validate_on_submit():
        target = run_use_case(form, merging.merge, current_user, source, form.into.data, utcnow())
        if target is not None:
            flash(
                _(
                    "%(source)s merged into %(target)s.",
                    source=source.reference,
                    target=target.reference,
                ),
                "success",
            )
            return redirect(url_for("contacts.show", contact_id=target.id))
    plan = _merge_plan(form, source) if form.into.data and not form.errors else None
    return form_page("contacts/merge.html", form, contact=source, plan=plan)
