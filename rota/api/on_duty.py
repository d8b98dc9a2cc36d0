"""GET /api/v1/on-duty: who is on duty at an instant, where to forward calls, who is next."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, jsonify, request

from rota.auth.access import token_required
from rota.db import utcnow
from rota.extensions import db
from rota.schedule import duty
from rota.schedule.models import Channel, Shift

bp = Blueprint("duty_api", __name__, url_prefix="/api/v1")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def forward_to(shift: Shift, ring_phone: str) -> str:
    """The number to forward calls to: the covering counsellor's, else the organisation's, else
    the ring's."""
    counsellor = duty.covering_counsellor(db.session, shift)
    found = duty.forwarding_number(counsellor, shift.organisation)
    return found[0] if found else ring_phone


def shift_json(shift: Shift, ring_phone: str) -> dict:
    """A shift as the on-duty API shows it."""
    org, counsellor = shift.organisation, shift.counsellor
    return {
        "id": shift.id,
        "slot_key": shift.slot_key,
        "channel": shift.channel.value,
        "language": shift.language,
        "starts_at": _iso(shift.starts_at),
        "ends_at": _iso(shift.ends_at),
        "organisation": {
            "id": org.id,
            "name": org.name,
            "short_name": org.short_name,
            "phone": org.phone or None,
        },
        "counsellor": None
        if counsellor is None
        else {"id": counsellor.id, "name": counsellor.name, "phone": counsellor.phone or None},
        "forward_to": forward_to(shift, ring_phone),
    }


def _bad_request(message: str):
    response = jsonify(error="bad_request", message=message)
    response.status_code = 400
    return response


def _parse_at(raw: str | None, tz: str) -> datetime:
    """The instant asked about: now, or ISO 8601 (a time without offset is the ring's local time)."""
    if raw is None:
        return utcnow()
    moment = datetime.fromisoformat(raw.strip().replace(" ", "+"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return moment.astimezone(UTC)


@bp.get("/on-duty")
@token_required("on-duty:read")
def on_duty():
    config = current_app.config
    try:
        at = _parse_at(request.args.get("at"), config["TIMEZONE"])
    except ValueError:
        return _bad_request("Give `at` as an ISO 8601 instant, e.g. 2026-03-30T09:30:00+03:00.")
    channel = request.args.get("channel")
    if channel is not None and channel not in set(Channel):
        choices = ", ".join(c.value for c in Channel)
        return _bad_request(f"Give `channel` as one of: {choices}.")
    ring_phone = config["RING_PHONE"]
    current = duty.on_duty(db.session, at, channel)
    following = duty.next_shifts(db.session, at, channel)
    return jsonify(
        at=_iso(at),
        channel=channel,
        on_duty=[shift_json(shift, ring_phone) for shift in current],
        next=[shift_json(shift, ring_phone) for shift in following],
        ring_phone=ring_phone,
    )
