"""GET /api/v1/contacts: contacts changed since an instant, paged, for integrations and audits."""

from zoneinfo import ZoneInfo

from flask import current_app, g, jsonify, request

from rota.api import bp, params
from rota.api.auth import token_required
from rota.auth.policy import TokenScope
from rota.contacts import audit
from rota.extensions import db

MAX_LIMIT = 500
DEFAULT_LIMIT = 100


def contact_json(contact, counts: dict, zone: ZoneInfo) -> dict:
    """One contact: channel, status, owner, organisation, timestamps and message count."""
    owner, org = contact.owner, contact.organisation
    moments = ("received_at", "opened_at", "first_response_at", "closed_at", "updated_at")
    return {
        "id": contact.id,
        "reference": contact.reference,
        "channel": str(contact.channel),
        "status": str(contact.status),
        "language": contact.language,
        "owner": {"id": owner.id, "name": owner.name} if owner else None,
        "organisation": {"id": org.id, "short_name": org.short_name} if org else None,
        **{name: params.timestamp(getattr(contact, name), zone) for name in moments},
        "message_count": counts.get(contact.id, 0),
    }


@bp.get("/contacts")
@token_required(TokenScope.CONTACTS)
def contacts():
    args, zone = request.args, ZoneInfo(current_app.config["TIMEZONE"])
    page = audit.contacts_page(
        db.session,
        g.api_token,
        since=params.instant(args.get("since"), "since"),
        after=params.cursor(args.get("cursor")),
        limit=params.limit(args.get("limit"), DEFAULT_LIMIT, MAX_LIMIT),
    )
    last = page.contacts[-1] if page.more else None
    return jsonify(
        contacts=[contact_json(c, page.counts, zone) for c in page.contacts],
        next_cursor=params.make_cursor(last.updated_at, last.id) if last else None,
    )
