"""Privacy pages: the public notice; the coordinator's retention settings and runs, a client's
data (find, export, erase) and the read log per contact and per person.

A client's address or number never travels in a URL: the search and the actions are POSTs.
"""

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from rota.auth.access import role_required
from rota.db import utcnow
from rota.errors import DomainError
from rota.extensions import db
from rota.forms import apply_error, perform
from rota.members.models import Role
from rota.privacy import clients, readlog, retention
from rota.privacy.forms import ClientActionForm, EraseClientForm, FindClientForm
from rota.privacy.models import ClientRequest
from rota.privacy.notice import notice_text
from rota.privacy.storage import reclaim

bp = Blueprint("privacy", __name__)

RECENT_REQUESTS = 50


@bp.get("/privacy")
def notice():
    """The privacy notice, public, in ?lang= or the visitor's language."""
    languages = current_app.config["LANGUAGES"]
    language = request.args.get("lang")
    if language not in languages:
        language = get_locale().language  # "en", not the en_GB its dates are written in
    text = notice_text(current_app.config, language)
    return render_template("privacy/notice.html", paragraphs=text.split("\n\n"), language=language)


@bp.get("/privacy/admin")
@role_required(Role.COORDINATOR)
def admin():
    """Retention periods, the last runs, the notice per language and the recorded requests."""
    config = current_app.config
    requests = db.session.scalars(
        db.select(ClientRequest).order_by(ClientRequest.at.desc()).limit(RECENT_REQUESTS)
    )
    return render_template(
        "privacy/admin.html",
        settings=retention.RetentionSettings.from_config(config),
        runs=retention.last_runs(db.session),
        requests=list(requests),
        languages=config["LANGUAGES"],
        own_notice=config.get("PRIVACY_NOTICE") or {},
        form=FindClientForm(),
    )


def _key(form):
    return clients.ClientKey.parse(
        form.email.data, form.phone.data, current_app.config["PHONE_REGION"]
    )


def _client_page(form, action_form=None, erase_form=None, status=200):
    """What is held about the client named in `form` (and the export and erase forms)."""
    try:
        data = clients.find(db.session, _key(form))
    except DomainError as exc:
        apply_error(form, exc)
        return render_template("privacy/client.html", form=form, data=None), 400
    hidden = {"email": data.key.email, "phone": data.key.phone}
    return render_template(
        "privacy/client.html",
        form=form,
        data=data,
        export_form=action_form or ClientActionForm(data=hidden),
        erase_form=erase_form or EraseClientForm(data=hidden),
    ), status


@bp.route("/privacy/clients", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def client():
    """Find a client's data by e-mail address or phone number."""
    form = FindClientForm()
    if not form.is_submitted():
        return render_template("privacy/client.html", form=form, data=None)
    if not form.validate():
        return render_template("privacy/client.html", form=form, data=None), 400
    return _client_page(form)


def _refused(action_form, erase_form):
    find_form = FindClientForm(
        data={"email": action_form.email.data, "phone": action_form.phone.data}
    )
    return _client_page(find_form, erase_form=erase_form, action_form=action_form, status=400)


def _on_client(form, use_case):
    """Run export or erase for the client the posted form names: the Outcome, or None when
    the form or the use case refused (the reason is on the form)."""
    if not form.validate_on_submit():
        return None
    done = perform(
        lambda session: use_case(session, current_user, _key(form), form.reason.data, utcnow()),
        form=form,
    )
    return done if done.ok else None


@bp.post("/privacy/clients/export")
@role_required(Role.COORDINATOR)
def export_client():
    """A ZIP of everything held about the client (recorded, with the reason)."""
    form = ClientActionForm()
    if done := _on_client(form, clients.export):
        return Response(
            done.result,
            mimetype="application/zip",
            headers={
                "Content-Disposition": 'attachment; filename="client-data.zip"',
                "X-Content-Type-Options": "nosniff",
            },
        )
    return _refused(form, None)


@bp.post("/privacy/clients/erase")
@role_required(Role.COORDINATOR)
def erase_client():
    """Erase the client's data (recorded, with the reason), then reclaim the space."""
    form = EraseClientForm()
    if done := _on_client(form, clients.erase):
        reclaim(db.engine)
        return done.redirect(_("The client's data was erased."), "privacy.admin")
    return _refused(
        ClientActionForm(data={"email": form.email.data, "phone": form.phone.data}), form
    )


@bp.get("/contacts/<int:contact_id>/reads")
@role_required(Role.COORDINATOR)
def contact_reads(contact_id):
    """Who opened the contact and its parts."""
    contact = readlog.get_contact(db.session, contact_id)
    entries = readlog.reads_of_contact(db.session, contact.id)
    return render_template(
        "privacy/reads.html",
        contact=contact,
        rows=[(e, contact.reference) for e in entries],
        parts=readlog.part_names(db.session, entries),
    )


@bp.get("/people/<int:person_id>/reads")
@role_required(Role.COORDINATOR)
def person_reads(person_id):
    """What the person opened."""
    person = readlog.get_person(db.session, person_id)
    rows = readlog.reads_by_person(db.session, person.id)
    return render_template(
        "privacy/reads.html",
        person=person,
        rows=rows,
        parts=readlog.part_names(db.session, [e for e, _ref in rows]),
    )
