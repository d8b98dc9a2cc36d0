"""GET /api/v1/shifts: the shared rota for integrations (token scope `shifts:read`).

`from` and `to` are local days (YYYY-MM-DD, both included; default: today and six days on, at
most 366 days). Every token with the scope sees every shift, whoever owns it: the rota is
shared by the whole ring.
"""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, jsonify, request

from rota.api import bp, params
from rota.api.auth import token_required
from rota.auth.policy import TokenScope
from rota.db import utcnow
from rota.extensions import db
from rota.schedule.coverage import RotaEntry, rota_between

MAX_DAYS = 366
DEFAULT_DAYS = 7


def _range(today: date) -> tuple[date, date]:
    first = params.day(request.args.get("from"), "from") or today
    last = params.day(request.args.get("to"), "to") or first + timedelta(days=DEFAULT_DAYS - 1)
    if last < first:
        raise params.BadParameter("to", "`to` cannot be before `from`.")
    if (last - first).days >= MAX_DAYS:
        raise params.BadParameter("to", f"Ask for at most {MAX_DAYS} days at a time.")
    return first, last


def entry_json(entry: RotaEntry, zone: ZoneInfo) -> dict:
    """One shift for the API: organisation, counsellor, whether covered, local ISO times."""
    shift, counsellor = entry.shift, entry.shift.counsellor
    return {
        "id": shift.id,
        "slot_key": shift.slot_key,
        "channel": shift.channel.value,
        "language": shift.language,
        "starts_at": params.timestamp(shift.starts_at, zone),
        "ends_at": params.timestamp(shift.ends_at, zone),
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
@token_required(TokenScope.SHIFTS)
def shifts():
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    first, last = _range(utcnow().astimezone(zone).date())
    entries = rota_between(db.session, first, last)
    return jsonify(
        {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "timezone": zone.key,
            "shifts": [entry_json(entry, zone) for entry in entries],
        }
    )
