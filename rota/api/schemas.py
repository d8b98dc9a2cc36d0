"""JSON Schemas (OpenAPI 3.1 = JSON Schema 2020-12) of the /api/v1 bodies, and small builders."""

from rota.api.errors import CODES

CHANNELS = ["phone", "email", "chat"]
# The one timestamp style of the API (rota.api.params.timestamp): the service zone's offset.
LOCAL_TIME = {
    "format": "date-time",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$",
    "description": "ISO 8601 in the service's time zone with its offset, to the second.",
}
INSTANT = {"type": "string", **LOCAL_TIME, "examples": ["2026-03-30T09:00:00+03:00"]}
MAYBE_INSTANT = {"type": ["string", "null"], **LOCAL_TIME}
PHONE = {"type": ["string", "null"], "description": "E.164, e.g. +358401234567"}
ID = {"type": "integer"}
TEXT = {"type": "string"}


def ref(name: str) -> dict:
    """A reference to a schema in components."""
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(name: str) -> dict:
    """A referenced object, or null."""
    return {"oneOf": [ref(name), {"type": "null"}]}


def array(name: str, description: str = "") -> dict:
    """A list of referenced objects."""
    schema = {"type": "array", "items": ref(name)}
    return {**schema, "description": description} if description else schema


def json_body(schema: dict, description: str) -> dict:
    """A response (or request body) carrying JSON of schema."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def closed(properties: dict, optional=()) -> dict:
    """An object with exactly these properties, all required except `optional`."""
    required = [name for name in properties if name not in optional]
    return {
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": False,
    }


def query(name: str, schema: dict, example, description: str = "") -> dict:
    """A query parameter with an example (the OpenAPI test calls the endpoint with it)."""
    parameter = {"name": name, "in": "query", "schema": schema, "example": example}
    return {**parameter, "description": description} if description else parameter


CELL = {"type": ["string", "number", "null"]}
SCHEMAS = {
    "Report": closed(
        {
            "report": {"type": "string", "examples": ["summary", "statement-A", "service"]},
            "from": {"type": "string", "format": "date"},
            "to": {"type": "string", "format": "date"},
            "language": {"enum": ["fi", "sv", "en"]},
            "tables": {"type": "array", "items": ref("ReportTable")},
        }
    ),
    "ReportTable": closed(
        {
            "key": {"type": "string", "description": "contribution, phone_costs, channel …"},
            "title": TEXT,
            "columns": {"type": "array", "items": TEXT},
            "rows": {"type": "array", "items": {"type": "array", "items": CELL}},
        }
    ),
    "Error": closed(
        {
            "error": {"enum": sorted(set(CODES.values()))},
            "message": {**TEXT, "description": "What went wrong and what to send instead."},
            "field": {**TEXT, "description": "The parameter or body field to fix (400)."},
            "error_id": {**TEXT, "description": "The failure's id in the server log (500)."},
        },
        optional=("field", "error_id"),
    ),
    "OrganisationRef": closed(
        {"id": ID, "name": TEXT, "short_name": TEXT, "phone": PHONE}, optional=("phone",)
    ),
    "PersonRef": closed(
        {
            "id": ID,
            "name": TEXT,
            "phone": {
                **PHONE,
                "description": "A counsellor's own number: only for tokens with telephony:write.",
            },
        },
        optional=("phone",),
    ),
    "DutyShift": closed(
        {
            "id": ID,
            "slot_key": {"type": "string", "examples": ["2026-03-30/phone/09:00"]},
            "channel": {"enum": CHANNELS},
            "language": {"type": ["string", "null"], "examples": ["fi"]},
            "starts_at": INSTANT,
            "ends_at": INSTANT,
            "organisation": ref("OrganisationRef"),
            "counsellor": nullable("PersonRef"),
            "forward_to": {
                "type": "string",
                "description": "Where to forward calls: the counsellor's phone (for tokens "
                "with telephony:write), else the organisation's, else the ring's.",
            },
        }
    ),
    "OnDuty": closed(
        {
            "at": INSTANT,
            "channel": {"enum": [*CHANNELS, None]},
            "on_duty": array("DutyShift", "The planned shifts running at `at`."),
            "next": array("DutyShift", "The shifts starting next after `at` (same start)."),
            "ring_phone": TEXT,
        }
    ),
    "RotaShift": closed(
        {
            "id": ID,
            "slot_key": TEXT,
            "channel": {"enum": CHANNELS},
            "language": {"type": ["string", "null"]},
            "starts_at": INSTANT,
            "ends_at": INSTANT,
            "organisation": ref("OrganisationRef"),
            "counsellor": nullable("PersonRef"),
            "covered": {"type": "boolean", "description": "A counsellor is named and present."},
            "offered": {"type": "boolean", "description": "Offered to other organisations."},
            "sequence": {"type": "integer", "minimum": 0},
        }
    ),
    "Rota": closed(
        {
            "from": {"type": "string", "format": "date"},
            "to": {"type": "string", "format": "date"},
            "timezone": {"type": "string", "examples": ["Europe/Helsinki"]},
            "shifts": array("RotaShift"),
        }
    ),
    "Contact": closed(
        {
            "id": ID,
            "reference": {"type": ["string", "null"], "examples": ["R-1234"]},
            "channel": {"enum": CHANNELS},
            "status": {"enum": ["new", "open", "closed"]},
            "language": {"type": ["string", "null"]},
            "owner": nullable("PersonRef"),
            "organisation": {
                "oneOf": [closed({"id": ID, "short_name": TEXT}), {"type": "null"}],
            },
            "received_at": MAYBE_INSTANT,
            "opened_at": MAYBE_INSTANT,
            "first_response_at": MAYBE_INSTANT,
            "closed_at": MAYBE_INSTANT,
            "updated_at": MAYBE_INSTANT,
            "message_count": {"type": "integer", "minimum": 0},
        }
    ),
    "ContactPage": closed(
        {
            "contacts": array("Contact", "Oldest change first."),
            "next_cursor": {
                "type": ["string", "null"],
                "description": "Pass as `cursor` for the next page; null on the last page.",
            },
        }
    ),
    "CallEvent": {
        "type": "object",
        "required": ["event", "call_id"],
        "properties": {
            "event": {"enum": ["new", "answered", "ended"]},
            "call_id": {"type": "string", "maxLength": 200},
            "caller": {"type": "string", "description": "Required for `new`."},
            "called": TEXT,
            "answering_number": TEXT,
            "cause": TEXT,
            "timestamp": {
                "type": "string",
                "format": "date-time",
                "description": "When it happened, with an offset (default: on arrival).",
            },
        },
    },
    "CallEventResult": closed(
        {
            "call_id": TEXT,
            "event": {"enum": ["new", "answered", "ended"]},
            "duplicate": {"type": "boolean", "description": "A replay: nothing changed."},
            "contact": {"type": ["string", "null"], "description": "The contact's reference."},
            "forward_to": {**PHONE, "description": "`new` only: where to put the call."},
            "target": {"enum": ["counsellor", "organisation", None]},
            "reason": {
                **TEXT,
                "description": "`new` only: why, for the phone system's log: in English, shift "
                "times in ISO 8601 in the service's time zone.",
            },
        },
        optional=("forward_to", "target", "reason"),
    ),
}
