"""POST /api/v1/telephony/events: call events from the phone system (token `telephony:write`)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, jsonify, request
from flask_babel import force_locale

from rota.api import bp, params
from rota.api.auth import token_required
from rota.auth.policy import TokenScope
from rota.contacts.phone import service as phone
from rota.contacts.phone.service import EVENTS, CallReport
from rota.db import utcnow
from rota.extensions import db
from rota.forms import deliver_mail


def parse_call_event(data, now: datetime) -> CallReport:
    """Check a webhook body; BadParameter names the first thing wrong with it."""
    if not isinstance(data, dict):
        raise params.BadParameter(None, "Send a JSON object with event, call_id and caller.")
    event = params.text(data, "event", required=True)
    if event not in EVENTS:
        raise params.BadParameter("event", f"`event` must be one of: {', '.join(EVENTS)}.")
    return CallReport(
        event=event,
        call_id=params.text(data, "call_id", required=True),
        caller=params.text(data, "caller", required=event == "new"),
        called=params.text(data, "called"),
        answering=params.text(data, "answering_number"),
        cause=params.text(data, "cause", max_length=100),
        at=params.instant(data.get("timestamp") or None, "timestamp") or now,
    )


@bp.post("/telephony/events")
@token_required(TokenScope.TELEPHONY)
def telephony_event():
    data = request.get_json(silent=True)
    report = parse_call_event(data, utcnow())
    settings = phone.PhoneSettings.from_config(current_app.config)
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    with force_locale("en"):  # the API's language, with its one timestamp style
        result = phone.record_call_event(
            db.session, report, data, settings, lambda moment: params.timestamp(moment, zone)
        )
    db.session.commit()
    deliver_mail()
    return jsonify(result), 200 if result["duplicate"] else 201
