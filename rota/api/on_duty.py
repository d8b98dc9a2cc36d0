"""GET /api/v1/on-duty: who is on duty at an instant, where to forward calls, who is next."""

import functools
import math
from datetime import UTC, datetime
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from flask import current_app, g, request
from werkzeug.datastructures import MultiDict

from rota import hot
from rota.api import bp, params
from rota.api.auth import token_required
from rota.auth import policy
from rota.db import utcnow
from rota.extensions import db
from rota.schedule import duty
from rota.schedule.models import Channel, Shift


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


def _answer_json(at, channel, ring_phone: str, zone: ZoneInfo, personal: bool):
    """The answer's fields after `at` (who is on duty at `at` and next, the channel, the ring's
    number), encoded as the tail of a JSON object: a hot answer is encoded once; and when it
    changes by the clock alone."""
    shifts = duty.duty_at(db.session, at, channel)
    current, following = (
        [shift_json(s, shifts, ring_phone, zone, personal) for s in part]
        for part in (shifts.current, shifts.following)
    )
    fields = {"channel": channel, "ring_phone": ring_phone, "on_duty": current, "next": following}
    # as `jsonify` writes it in production: sorted keys, compact
    encoded = current_app.json.dumps(fields, separators=(",", ":"))
    return encoded[1:], shifts.changes_at()


@functools.lru_cache(maxsize=64)
def _asked(query: bytes, zone: ZoneInfo) -> tuple[datetime | None, Channel | None]:
    """The instant (`at`) and the channel a query string asks for, read once per distinct query
    string: a phone system sends the same one at every call. A bad value raises BadParameter,
    which is never kept."""
    args = MultiDict(parse_qsl(query.decode(errors="replace"), keep_blank_values=True))
    return params.instant(args.get("at"), "at", zone), params.channel(args.get("channel"))


@functools.lru_cache(maxsize=4)
def _second(second: int, zone: ZoneInfo) -> str:
    """The instant `second` (seconds since the epoch) as the API writes it: written once a
    second, however many calls arrive in it."""
    return params.timestamp(datetime.fromtimestamp(second, UTC), zone)


@bp.get("/on-duty")
@token_required(policy.TokenScope.ON_DUTY)
def on_duty():
    """Who is on duty now (the worker's hot answer, rota.hot) or at `at` (computed each time)."""
    app = current_app._get_current_object()
    zone = ZoneInfo(app.config["TIMEZONE"])
    asked, channel = _asked(request.query_string, zone)
    personal = policy.shows_personal_numbers(g.api_token.usable_scopes)
    at = asked or utcnow()
    compute = functools.partial(_answer_json, at, channel, app.config["RING_PHONE"], zone, personal)
    if asked is None:
        rest = hot.cache(app).answer(("on-duty", channel, personal), at, compute)
    else:
        rest, _changes_at = compute()
    body = f'{{"at":"{_second(math.floor(at.timestamp()), zone)}",{rest}'
    return app.response_class(body, content_type="application/json")
