"""The one shape of every error under /api: `{"error": code, "message": text}`.

`field` names the parameter to fix (400); `error_id` is the id of an unexpected failure in the
server log (500). Headers of the HTTP error (Allow, WWW-Authenticate) are kept.
"""

from flask import jsonify
from werkzeug.exceptions import HTTPException

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    500: "internal_error",
}
# Said instead of Werkzeug's stock descriptions, which speak of pages and browsers.
MESSAGES = {
    400: "The request is malformed.",
    401: "Send `Authorization: Bearer <token>` with a live API token.",
    403: "This token may not do that.",
    404: "There is no such endpoint or record: see /api/v1/openapi.json.",
    405: "This endpoint does not take that method: see the Allow header.",
    409: "Someone else changed this first: read it again and retry.",
}


def error_response(exc: HTTPException, message: str | None = None, **extra):
    """The JSON answer for an HTTP error: `message`, else the error's own description unless
    that is Werkzeug's stock text; `extra` adds `field` or `error_id`."""
    status = exc.code or 500
    if message is None:
        stock = exc.description == type(exc).description
        message = MESSAGES.get(status, exc.description) if stock else exc.description
    response = jsonify(error=CODES.get(status, "error"), message=message, **extra)
    response.status_code = status
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response
