"""The contacts API: telephony call events in, contacts out for integrations and audits."""

from datetime import datetime

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import force_locale

from rota.auth.access import token_required
from rota.contacts import audit
from rota.contacts.phone import service as phone
from rota.db import utcnow
from rota.errors import DomainError
from rota.extensions import csrf, db
from rota.forms import deliver_mail

bp = Blueprint("contacts_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def _bad_request(error: DomainError):
    response = jsonify(error="bad_request", field=error.field, message=str(error.user_message))
    response.status_code = 400
    return response


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@bp.post("/telephony/events")
@token_required("telephony:write")
def telephony_event():
    now = utcnow()
    with force_locale("en"):
        try:
            report = phone.parse_call_event(request.get_json(silent=True), now)
        except DomainError as exc:
            return _bad_request(exc)
        settings = phone.PhoneSettings.from_config(current_app.config)
        result = phone.record_call_event(db.session, report, request.get_json(), settings)
    db.session.commit()
    deliver_mail()
    return jsonify(result), 200 if result["duplicate"] else 201


def _contact_json(contact, counts: dict) -> dict:
    owner, org = contact.owner, contact.organisation
    return {
        "id": contact.id,
        "reference": contact.reference,
        "channel": str(contact.channel),
        "status": str(contact.status),
        "language": contact.language,
        "owner": {"id": owner.id, "name": owner.name} if owner else None,
        "organisation": {"id": org.id, "short_name": org.short_name} if org else None,
        "received_at": _iso(contact.received_at),
        "opened_at": _iso(contact.opened_at),
        "first_response_at": _iso(contact.first_response_at),
        "closed_at": _iso(contact.closed_at),
        "updated_at": _iso(contact.updated_at),
        "message_count": counts.get(contact.id, 0),
    }


@bp.get("/contacts")
@token_required("contacts:read")
def contacts():
    args = request.args
    with force_locale("en"):
        try:
            page = audit.contacts_page(
                db.session, g.api_token, args.get("since"), args.get("cursor"), args.get("limit")
            )
        except DomainError as exc:
            return _bad_request(exc)
    return jsonify(
        contacts=[_contact_json(c, page.counts) for c in page.contacts],
        next_cursor=page.next_cursor,
    )
