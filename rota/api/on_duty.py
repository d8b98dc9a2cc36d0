"""GET /api/v1/on-duty: who is on duty at an instant, where to forward calls, who is next."""

import functools
from zoneinfo import ZoneInfo

from flask import current_app, g, request

from rota import hot
from rota.api import bp, params
from rota.api.auth import token_required
from rota.auth import policy
from rota.db import utcnow
from rota.extensions import db
from rota.schedule import duty
from rota.schedule.models import Shift


def forward_to(shift: Shift, shifts: duty.Duty, ring_phone: str, personal: bool) -> str:
    """The number to forward calls to: the covering counsellor's (only for `personal` callers,
    i.e. the phone system), else the organisation's, else the ring's."""
    counsellor = shifts.covering_counsellor(shift) if personal else None
    found = duty.forwarding_number(counsellor, shift.organisation)
    return found[0] if found else ring_phone


def shift_json(
    shift: Shift, shifts: duty.Duty, ring_phone: str, zone: ZoneInfo, personal: bool
) -> dict:
    """A shift as the on-duty API shows it; counsellors' own numbers only when `personal`."""
    org, counsellor = shift.organisation, shift.counsellor
    person = None if counsellor is None else {"id": counsellor.id, "name": counsellor.name}
    if person is not None and personal:
        person["phone"] = counsellor.phone or None
    return {
        "id": shift.id,
        "slot_key": shift.slot_key,
        "channel": shift.channel.value,
        "language": shift.language,
        "starts_at": params.timestamp(shift.starts_at, zone),
        "ends_at": params.timestamp(shift.ends_at, zone),
        "organisation": {
            "id": org.id,
            "name": org.name,
            "short_name": org.short_name,
            "phone": org.phone or None,
        },
        "counsellor": person,
        "forward_to": forward_to(shift, shifts, ring_phone, personal),
    }


def _shifts_json(at, channel, ring_phone: str, zone: ZoneInfo, personal: bool):
    """The shifts on duty at `at` and the next ones, as the API shows them (each list encoded
    as JSON text: a hot answer is encoded once), and when that answer changes by the clock
    alone."""
    shifts = duty.duty_at(db.session, at, channel)
    listed = [
        _json([shift_json(s, shifts, ring_phone, zone, personal) for s in part])
        for part in (shifts.current, shifts.following)
    ]
    return listed, shifts.changes_at()


def _json(value) -> str:
    """`value` in JSON as `jsonify` writes it in production (sorted keys, compact)."""
    return current_app.json.dumps(value, separators=(",", ":"))


def _answer(head: dict, current: str, following: str):
    """The JSON answer: `head`'s fields, then the encoded lists on duty and next."""
    body = f'{_json(head)[:-1]},"on_duty":{current},"next":{following}}}'
    return current_app.response_class(body, mimetype="application/json")


@bp.get("/on-duty")
@token_required(policy.TokenScope.ON_DUTY)
def on_duty():
    """Who is on duty now (the worker's hot answer, rota.hot) or at `at` (computed each time)."""
    config = current_app.config
    zone = ZoneInfo(config["TIMEZONE"])
    asked = params.instant(request.args.get("at"), "at", zone)
    channel = params.channel(request.args.get("channel"))
    ring_phone = config["RING_PHONE"]
    personal = policy.shows_personal_numbers(g.api_token.usable_scopes)
    at = asked or utcnow()
    compute = functools.partial(_shifts_json, at, channel, ring_phone, zone, personal)
    if asked is None:
        current, following = hot.answer(("on-duty", channel, personal), compute)
    else:
        (current, following), _changes_at = compute()
    head = {"at": params.timestamp(at, zone), "channel": channel, "ring_phone": ring_phone}
    return _answer(head, current, following)
