"""GET /api/v1/on-duty: who is on duty at an instant, where to forward calls, who is next."""

import functools
import math
from datetime import UTC, datetime
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from flask import current_app, g, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.wsgi import get_host

from rota import hot
from rota.api import bp, params
from rota.api.auth import bearer, token_required
from rota.auth import policy, tokens
from rota.auth.access import token_key
from rota.db import utcnow
from rota.extensions import db
from rota.ops import web
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


def _answer_key(channel: Channel | None, personal: bool) -> tuple:
    """The key of the answer for now among the worker's hot answers."""
    return ("on-duty", channel, personal)


def _body(at: datetime, zone: ZoneInfo, rest: str) -> str:
    return f'{{"at":"{_second(math.floor(at.timestamp()), zone)}",{rest}'


@bp.get("/on-duty")
@token_required(policy.TokenScope.ON_DUTY)
def on_duty():
    """Who is on duty now (the worker's hot answer, rota.hot) or at `at` (computed each time).
    A call for now that finds everything kept is answered before it reaches Flask (HotLane)."""
    app = current_app._get_current_object()
    zone = ZoneInfo(app.config["TIMEZONE"])
    asked, channel = _asked(request.query_string, zone)
    personal = policy.shows_personal_numbers(g.api_token.usable_scopes)
    at = asked or utcnow()
    compute = functools.partial(_answer_json, at, channel, app.config["RING_PHONE"], zone, personal)
    if asked is None:
        rest = hot.cache(app).answer(_answer_key(channel, personal), at, compute)
    else:
        rest, _changes_at = compute()
    return app.response_class(_body(at, zone, rest), content_type="application/json")


class HotLane:
    """WSGI middleware: the phone system's call for who is on duty now, answered from this
    worker's hot answers (rota.hot) without Flask's request machinery, when all it needs is
    kept there: the token's check and the answer, as the view keeps them.

    Every other request goes to Flask, and so does this one whenever anything is missing or
    asks for more than a lookup: a Host not trusted (Flask refuses it), a cookie (Flask's
    sign-in hooks may have work), a method other than GET, an `at`, a bad parameter, no
    bearer token, a token whose check is not kept (unknown, revoked, or not checked within
    HOT_CACHE_SECONDS) or whose use is due to be recorded, an answer not kept. There the view
    answers, refuses or keeps exactly as it would without this lane; the lane then answers the
    next calls with what the view kept, byte for byte (tests/api/test_on_duty_lane.py). The
    request id, latency, access line and security headers come from the middleware around it.
    """

    def __init__(self, wsgi_app, app):
        self.wsgi_app = wsgi_app
        self.app = app
        self.rule = next(app.url_map.iter_rules("api.on_duty"))

    def __call__(self, environ, start_response):
        body = None
        if (
            environ.get("PATH_INFO") == self.rule.rule
            and environ.get("REQUEST_METHOD") == "GET"
            and "HTTP_COOKIE" not in environ
        ):
            body = self._kept(environ)
        if body is None:
            return self.wsgi_app(environ, start_response)
        environ[web.ROUTE] = self.rule
        data = body.encode()
        start_response(
            "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
        )
        return [data]

    def _kept(self, environ) -> str | None:
        config = self.app.config
        try:
            get_host(environ, config["TRUSTED_HOSTS"])  # Flask's own check of the Host header
            zone = ZoneInfo(config["TIMEZONE"])
            asked, channel = _asked(environ.get("QUERY_STRING", "").encode("latin-1"), zone)
        except HTTPException:  # SecurityError, BadParameter: Flask answers them
            return None
        secret = bearer(environ)
        if asked is not None or not secret:
            return None
        answers, now = hot.cache(self.app), utcnow()
        token = answers.kept(token_key(secret, policy.TokenScope.ON_DUTY), now)
        if token is None or tokens.use_is_stale(token, now):
            return None
        personal = policy.shows_personal_numbers(token.usable_scopes)
        rest = answers.kept(_answer_key(channel, personal), now)
        return None if rest is None else _body(now, zone, rest)
