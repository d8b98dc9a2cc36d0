"""GET /api/v1/shifts: the shared rota for integrations (token scope `shifts:read`).

`from` and `to` are local days (YYYY-MM-DD, both included; default: today and six days on, at
most 366 days). Every token with the scope sees every shift, whoever owns it: the rota is
shared by the whole ring. Times are ISO 8601 with the service zone's offset (+02:00 or +03:00).
"""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, jsonify, request

from rota.auth.access import token_required
from rota.db import utcnow
from rota.extensions import db
from rota.schedule.coverage import RotaEntry, rota_between

bp = Blueprint("shifts_api", __name__, url_prefix="/api/v1")

MAX_DAYS = 366
DEFAULT_DAYS = 7


class BadParameter(ValueError):
    """A query parameter the caller must fix; the message says how."""


def _day(name: str, default: date) -> date:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise BadParameter(f"Give `{name}` as a date YYYY-MM-DD, e.g. 2026-03-30.") from None


def _range(today: date) -> tuple[date, date]:
    first = _day("from", today)
    last = _day("to", first + timedelta(days=DEFAULT_DAYS - 1))
    if last < first:
        raise BadParameter("`to` cannot be before `from`.")
    if (last - first).days >= MAX_DAYS:
        raise BadParameter(f"Ask for at most {MAX_DAYS} days at a time.")
    return first, last


def entry_json(entry: RotaEntry, zone: ZoneInfo) -> dict:
    """One shift for the API: organisation, counsellor, whether covered, local ISO times."""
    shift, counsellor = entry.shift, entry.shift.counsellor
    return {
        "id": shift.id,
        "slot_key": shift.slot_key,
        "channel": shift.channel.value,
        "language": shift.language,
        "starts_at": shift.starts_at.astimezone(zone).isoformat(),
        "ends_at": shift.ends_at.astimezone(zone).isoformat(),
        "organisation": {
            "id": shift.organisation.id,
            "name": shift.organisation.name,
            "short_name": shift.organisation.short_name,
        },
        "counsellor": None
        if counsellor is None
        else {"id": counsellor.id, "name": counsellor.name},
        "covered": entry.covered,
        "offered": shift.offered_at is not None,
        "sequence": shift.sequence,
    }


@bp.get("/shifts")
@token_required("shifts:read")
def shifts():
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    try:
        first, last = _range(utcnow().astimezone(zone).date())
    except BadParameter as exc:
        response = jsonify(error="bad_request", message=str(exc))
        response.status_code = 400
        return response
    entries = rota_between(db.session, first, last)
    return jsonify(
        {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "timezone": zone.key,
            "shifts": [entry_json(entry, zone) for entry in entries],
        }
    )
