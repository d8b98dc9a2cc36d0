"""OpenAPI 3.1 description of every /api/v1 endpoint, served at /api/v1/openapi.json.

tests/api/test_openapi.py calls each operation for real (with the examples given here) and
validates the answers against these schemas, and checks that the app's /api/v1 routes and the
paths here are the same set: a new endpoint or field fails the test until it is described.
"""

from flask import jsonify

from rota.api import bp
from rota.api.schemas import CHANNELS, SCHEMAS, json_body, query, ref

UNAUTHORIZED = json_body(ref("Error"), "No live token with the scope this endpoint needs.")
BAD_REQUEST = json_body(ref("Error"), "A parameter is malformed; `message` says how to fix it.")
TOO_LARGE = json_body(ref("Error"), "The body is larger than the limit `message` states.")


def operation(operation_id: str, summary: str, scope: str | None, responses: dict, **more):
    """One operation; a scoped one also answers 401 without a live token holding the scope."""
    op = {"operationId": operation_id, "summary": summary, **more}
    op["security"] = [{"bearer": [scope]}] if scope else []
    if scope:
        responses = {**responses, "401": UNAUTHORIZED}
    return {**op, "responses": responses}


REPORT_PERIOD = [
    query(
        "from",
        {"type": "string", "format": "date"},
        "2026-03-01",
        "First local day (default: of last month)",
    ),
    query(
        "to",
        {"type": "string", "format": "date"},
        "2026-03-31",
        "Last local day (default: of last month); at most two years in all",
    ),
    query("lang", {"enum": ["fi", "sv", "en"]}, "en", "Language of titles and labels"),
]

PATHS = {
    "/api/v1/openapi.json": {
        "get": operation(
            "openapi",
            "This description",
            None,
            {"200": json_body({"type": "object", "required": ["openapi", "paths"]}, "OpenAPI")},
        )
    },
    "/api/v1/on-duty": {
        "get": operation(
            "onDuty",
            "Who is on duty at an instant, where to forward calls, and who is next",
            "on-duty:read",
            {"200": json_body(ref("OnDuty"), "On duty and next"), "400": BAD_REQUEST},
            parameters=[
                query(
                    "at",
                    {"type": "string"},
                    "2026-03-30T09:30:00+03:00",
                    "ISO 8601 instant, default now; without an offset it is the ring's local "
                    "time (refused when the clocks skip or repeat it). Encode '+' as %2B.",
                ),
                query("channel", {"enum": CHANNELS}, "phone"),
            ],
        )
    },
    "/api/v1/shifts": {
        "get": operation(
            "listShifts",
            "The shared rota between two local days (both included)",
            "shifts:read",
            {"200": json_body(ref("Rota"), "The shifts, by start"), "400": BAD_REQUEST},
            parameters=[
                query("from", {"type": "string", "format": "date"}, "2026-03-30", "Default today"),
                query(
                    "to",
                    {"type": "string", "format": "date"},
                    "2026-04-05",
                    "Default six days after `from`; at most 366 days in all.",
                ),
            ],
        )
    },
    "/api/v1/contacts": {
        "get": operation(
            "listContacts",
            "Contacts the token may see, changed at or after `since`, oldest change first",
            "contacts:read",
            {"200": json_body(ref("ContactPage"), "One page of contacts"), "400": BAD_REQUEST},
            parameters=[
                query(
                    "since", {"type": "string", "format": "date-time"}, "2026-03-01T00:00:00+02:00"
                ),
                query("cursor", {"type": "string"}, None, "`next_cursor` of the previous page"),
                query("limit", {"type": "integer", "minimum": 1, "maximum": 500}, 100),
            ],
        )
    },
    "/api/v1/reports/contribution": {
        "get": operation(
            "contributionReport",
            "Each member's contribution in a period (or one organisation's statement) and the "
            "phone costs by payer, as tables",
            "reports:read",
            {"200": json_body(ref("Report"), "The report's tables"), "400": BAD_REQUEST},
            parameters=[*REPORT_PERIOD, query("org", {"type": "string"}, None, "Short name")],
        )
    },
    "/api/v1/reports/service": {
        "get": operation(
            "serviceReport",
            "Contacts by channel, language, topic, municipality, hour; response times; calls",
            "reports:read",
            {"200": json_body(ref("Report"), "The report's tables"), "400": BAD_REQUEST},
            parameters=REPORT_PERIOD,
        )
    },
    "/api/v1/telephony/events": {
        "post": operation(
            "telephonyEvent",
            "Report a call event from the phone system (idempotent by call_id and event)",
            "telephony:write",
            {
                "201": json_body(ref("CallEventResult"), "Recorded; `new` says where to forward"),
                "200": json_body(ref("CallEventResult"), "Already recorded: nothing changed"),
                "400": BAD_REQUEST,
                "413": TOO_LARGE,
            },
            requestBody={
                "required": True,
                "content": {
                    "application/json": {
                        "schema": ref("CallEvent"),
                        "example": {"event": "new", "call_id": "pbx-1", "caller": "0401234567"},
                    }
                },
            },
        )
    },
}

SPEC = {
    "openapi": "3.1.0",
    "info": {
        "title": "rota API",
        "version": "1",
        "description": "The guidance ring's rota, on-duty lookup, contacts and telephony. "
        "Every call except this description needs `Authorization: Bearer <token>` with the "
        "scope the operation names; tokens are made on the API tokens page or with "
        '`flask --app rota token create`. Every error answers `{"error": code, "message": '
        "text}`; every timestamp is ISO 8601 in the service's zone with its offset "
        "(2026-03-29T04:00:00+03:00). Calendar feeds (.ics) are described in the README.",
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": SCHEMAS,
    },
    "paths": PATHS,
}


@bp.get("/openapi.json")
def openapi():
    return jsonify(SPEC)
