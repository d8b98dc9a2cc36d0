"""The counsellor's queue and the contact page: claim, reply, note, calls, close, reassign,
merge, and the parts of client mail."""

import functools
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup

from rota import hot
from rota.auth import policy
from rota.auth.access import role_required
from rota.contacts import events
from rota.contacts.phone import service as phone
from rota.contacts.queue import merge as merging
from rota.contacts.queue import reply
from rota.contacts.queue import saved as saved_replies
from rota.contacts.queue import search as finding
from rota.contacts.queue import service as queue
from rota.contacts.queue.display import (
    automatic_label,
    delivery_reason,
    message_html,
    part_response,
    thread,
)
from rota.contacts.queue.forms import (
    CallForm,
    MergeForm,
    NoteForm,
    ReassignForm,
    ReplyForm,
    SavedReplyForm,
)
from rota.contacts.queue.page import contact_page, holders, state
from rota.contacts.routing import reasons
from rota.contacts.routing import service as routing
from rota.db import utcnow
from rota.errors import DomainError
from rota.extensions import db
from rota.forms import (
    apply_error,
    form_data,
    form_page,
    kept_field,
    mail_settings,
    options,
    perform,
)
from rota.members import service as members
from rota.members.models import Role
from rota.paging import cursors
from rota.privacy import readlog
from rota.reports.forms import facts_form
from rota.templating import filled, keepable, written_for

bp = Blueprint("contacts", __name__)
bp.record_once(lambda state: reasons.init_app(state.app))
bp.record_once(
    lambda state: state.app.jinja_env.globals.update(
        message_html=message_html,
        kept_field=kept_field,
        thread=thread,
        automatic_label=automatic_label,
        delivery_reason=delivery_reason,
    )
)

LABELS = {
    "channel": reasons.CHANNEL_WORDS,
    "status": {"new": _l("new"), "open": _l("open"), "closed": _l("closed")},
    "outcome": {
        "answered": _l("answered"),
        "missed": _l("missed: call back"),
        "voicemail": _l("voicemail: call back"),
    },
    "event": events.LABELS,
}


@bp.app_context_processor
def labels():
    """Readable labels for contact channels, statuses, call outcomes and events, each
    translated once per template (a queue page shows hundreds)."""

    def label(kind):
        words = {}

        def word(value):
            key = str(value)
            if key not in words:
                found = LABELS[kind].get(key)
                words[key] = key if found is None else Markup(found)  # as the lazy string shows
            return words[key]

        return word

    return {f"{kind}_label": label(kind) for kind in LABELS}


# the query parameters of a queue page that is kept (its sections' cursors): a page asked with
# others is not, so made-up parameters cannot crowd out the pages people use
SECTION_PARAMETERS = {section.value for section in queue.Section}


@bp.get("/contacts")
@login_required
def index():
    at, viewer = cursors(request.args, list(queue.Section)), current_user._get_current_object()
    # the page and each of its parts kept by the worker until a contact, a call or a name changes
    keep = functools.partial(hot.answer, reads=hot.QUEUES)

    def write():
        return keepable(
            "contacts/_queue.html", queues=queue.queues(db.session, viewer, at, keep)
        ), None

    if not set(request.args) <= SECTION_PARAMETERS:  # anything else: written afresh, not kept
        return render_template("contacts/queue.html", content=filled(write()[0]))
    asked = tuple(sorted(request.args.items(multi=True)))  # the page links keep the others
    content = keep(("queue page", viewer.id, asked, *written_for()), write)
    return render_template("contacts/queue.html", content=filled(content))


def _now_here() -> datetime:
    """This minute on the service's wall clock: what the call form starts with."""
    local = utcnow().astimezone(ZoneInfo(_zone()))
    return local.replace(tzinfo=None, second=0, microsecond=0)


# parts of the contact page kept by the worker until a table they were read from is written:
# the contact's record, the saved replies to choose from, and the page's content (all but its
# CSRF tokens): also the facts' lists, the organisations' names and the client's other contacts
KEEP_RECORD = functools.partial(hot.answer, reads=hot.THREADS)
KEEP_CHOICES = functools.partial(hot.answer, reads=hot.CHOICES)
KEEP_CONTENT = functools.partial(hot.answer, reads=hot.THREADS | hot.CHOICES | hot.MEMBERS)


def _page(contact_id: int, status: int = 200, **forms):
    """The contact page, its forms as the server fills them but those in `forms`. The viewer's
    right to see the contact is checked on every view; the content (all but its CSRF tokens)
    is kept for each state of the contact, viewer, language and minute (the call form's time),
    unless a form was posted or a saved reply asked for."""
    contact = queue.get_contact(db.session, current_user, contact_id)
    viewer, now_here = current_user._get_current_object(), _now_here()
    if forms or request.args:  # what was typed or asked for: written afresh, not kept
        content = _content(contact, viewer, now_here, forms)
    else:
        key = (
            ("contact content", state(contact)),
            (viewer.id, viewer.role, viewer.organisation_id, now_here, *written_for()),
        )
        content = KEEP_CONTENT(key, lambda: (_content(contact, viewer, now_here, {}), None))
    html = render_template("contacts/contact.html", contact=contact, content=filled(content))
    return html, status


def _content(contact, viewer, now_here: datetime, forms: dict) -> Markup:
    """The contact page's content, written to be kept (`keepable`): for `viewer`, with the
    forms in `forms`, the others as the server fills them."""
    page = contact_page(db.session, viewer, contact, KEEP_RECORD)
    chosen = request.args.get("saved", type=int)
    if chosen is not None and "reply" not in forms:  # "Use" of a saved reply fills the box
        text = saved_replies.get_usable(db.session, viewer, contact, chosen).text
        forms["reply"] = ReplyForm(formdata=None, data={"text": text})
    call = CallForm(data={"started_at": now_here, "caller": contact.client_phone})
    forms = {"reply": ReplyForm(), "note": NoteForm(), "call": call, **forms}
    forms.setdefault("facts", facts_form(db.session, contact.id))
    forms["reply"].also_to.choices = options((a, a) for a in page.record.others)
    return keepable(
        "contacts/_contact.html",
        page=page,
        forms=forms,
        holders=holders(db.session, contact),
        may_reassign=policy.may_reassign(viewer, contact.organisation_id),
        earlier=finding.earlier_contacts(db.session, viewer, contact),
        saved=saved_replies.usable(db.session, viewer, contact, KEEP_CHOICES),
        chosen=chosen,
    )


@bp.get("/contacts/search")
@login_required
def search():
    text = request.args.get("q", "")[:200]
    region = phone.PhoneSettings.from_config(current_app.config).region
    found = finding.search(db.session, current_user, text, region) if text.strip() else None
    return render_template("contacts/search.html", text=text, found=found, limit=finding.LIMIT)


@bp.get("/contacts/<int:contact_id>")
@login_required
def show(contact_id):
    page = _page(contact_id)
    readlog.record_read(db.session, current_user, contact_id, utcnow())
    db.session.commit()
    return page


@bp.get("/contacts/<int:contact_id>/attachments/<int:attachment_id>")
@login_required
def attachment(contact_id, attachment_id):
    part = queue.get_attachment(db.session, current_user, contact_id, attachment_id)
    readlog.record_read(db.session, current_user, contact_id, utcnow(), attachment_id=part.id)
    db.session.commit()
    return part_response(part)


def _act(contact_id: int, action, message: str):
    """Run `action(session, contact, user, now)` on a contact the user sees; back to it."""
    contact = queue.get_contact(db.session, current_user, contact_id)
    done = perform(action, contact, current_user, utcnow())
    return done.redirect(message, "contacts.show", contact_id=contact_id)


@bp.post("/contacts/<int:contact_id>/claim")
@login_required
def claim(contact_id):
    return _act(contact_id, queue.claim, _("The contact is yours now."))


@bp.post("/contacts/<int:contact_id>/close")
@login_required
def close(contact_id):
    return _act(contact_id, queue.close, _("Contact closed."))


@bp.post("/contacts/<int:contact_id>/reopen")
@login_required
def reopen(contact_id):
    return _act(contact_id, queue.reopen, _("Contact reopened."))


def _form_action(contact_id: int, key: str, form, action, message: str):
    """Run `action(session, contact)` from a posted form; the contact page again on errors."""
    contact = queue.get_contact(db.session, current_user, contact_id)
    if form.validate_on_submit() and (done := perform(action, contact, form=form)).ok:
        return done.redirect(message, "contacts.show", contact_id=contact_id)
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
            default_language=current_app.config["BABEL_DEFAULT_LOCALE"],
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


def _call_fields(form) -> dict:
    """The logged call's fields (the form reads its start time in the service zone; empty is now)."""
    fields = form_data(form)
    fields["started_at"] = fields["started_at"] or utcnow()
    return {**fields, "settings": phone.PhoneSettings.from_config(current_app.config)}


def _log_call(session, contact, form):
    return phone.log_call(session, current_user, contact, **_call_fields(form))


@bp.post("/contacts/<int:contact_id>/calls")
@login_required
def log_call(contact_id):
    form = CallForm()
    return _form_action(
        contact_id, "call", form, lambda s, c: _log_call(s, c, form), _("Call logged.")
    )


@bp.route("/calls/new", methods=["GET", "POST"])
@login_required
def new_call():
    form = CallForm(data={"started_at": _now_here()})
    if form.validate_on_submit() and (done := perform(_log_call, None, form, form=form)).ok:
        return done.redirect(_("Call logged."), "contacts.show", contact_id=done.result.contact_id)
    return form_page("contacts/call_form.html", form)


@bp.post("/calls/<int:call_id>/called-back")
@login_required
def called_back(call_id):
    call = phone.get_call(db.session, call_id)
    contact = queue.get_contact(db.session, current_user, call.contact_id)
    done = perform(phone.called_back, call, current_user, utcnow())
    return done.redirect(_("Call-back marked done."), "contacts.show", contact_id=contact.id)


@bp.route("/contacts/<int:contact_id>/reassign", methods=["GET", "POST"])
@role_required(Role.COORDINATOR, Role.ORG_ADMIN)
def reassign(contact_id):
    contact = queue.get_contact(db.session, current_user, contact_id)
    form = ReassignForm()
    form.target.choices = options(routing.reassign_targets(db.session, current_user))
    if (
        form.validate_on_submit()
        and (
            done := perform(
                routing.reassign,
                contact,
                current_user,
                reason=form.reason.data,
                now=utcnow(),
                settings=mail_settings(),
                form=form,
                **form.target_ids(),
            )
        ).ok
    ):
        return done.redirect(_("Contact reassigned."), "contacts.show", contact_id=contact_id)
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
    if (
        form.validate_on_submit()
        and (
            done := perform(
                merging.merge, current_user, source, form.into.data, utcnow(), form=form
            )
        ).ok
    ):
        target = done.result
        message = _(
            "%(source)s merged into %(target)s.", source=source.reference, target=target.reference
        )
        return done.redirect(message, "contacts.show", contact_id=target.id)
    plan = _merge_plan(form, source) if form.into.data and not form.errors else None
    return form_page("contacts/merge.html", form, contact=source, plan=plan)


def _saved_reply_form(reply=None) -> SavedReplyForm:
    """The saved-reply form with the owners the user may choose: ring-wide only for the
    coordinator, an organisation admin their own organisation."""
    form = SavedReplyForm(obj=reply)
    scope = policy.management_scope(current_user)
    pairs = [(o.id, o.name) for o in members.organisations_by_name(db.session, scope)]
    if policy.may_manage_saved_replies(current_user, None):
        pairs.insert(0, ("", _("The whole ring")))
    form.organisation_id.choices = options(pairs)
    return form


@bp.get("/saved-replies")
@role_required(Role.COORDINATOR, Role.ORG_ADMIN)
def saved_reply_list():
    replies = saved_replies.manageable(db.session, current_user)
    may_change = {
        r.id for r in replies if policy.may_manage_saved_replies(current_user, r.organisation_id)
    }
    return render_template("contacts/saved_replies.html", replies=replies, may_change=may_change)


@bp.route("/saved-replies/new", methods=["GET", "POST"])
@role_required(Role.COORDINATOR, Role.ORG_ADMIN)
def new_saved_reply():
    form = _saved_reply_form()
    if (
        form.validate_on_submit()
        and (
            done := perform(
                saved_replies.create, current_user, now=utcnow(), form=form, **form_data(form)
            )
        ).ok
    ):
        return done.redirect(_("Saved reply added."), "contacts.saved_reply_list")
    return form_page("contacts/saved_reply_form.html", form, reply=None)


@bp.route("/saved-replies/<int:reply_id>/edit", methods=["GET", "POST"])
@role_required(Role.COORDINATOR, Role.ORG_ADMIN)
def edit_saved_reply(reply_id):
    reply = saved_replies.get_own(db.session, current_user, reply_id)
    form = _saved_reply_form(reply)
    if (
        form.validate_on_submit()
        and (
            done := perform(
                saved_replies.update,
                current_user,
                reply_id,
                now=utcnow(),
                form=form,
                **form_data(form),
            )
        ).ok
    ):
        return done.redirect(_("Saved reply changed."), "contacts.saved_reply_list")
    return form_page("contacts/saved_reply_form.html", form, reply=reply)


@bp.post("/saved-replies/<int:reply_id>/delete")
@role_required(Role.COORDINATOR, Role.ORG_ADMIN)
def delete_saved_reply(reply_id):
    done = perform(saved_replies.delete, current_user, reply_id)
    return done.redirect(_("Saved reply removed."), "contacts.saved_reply_list")
