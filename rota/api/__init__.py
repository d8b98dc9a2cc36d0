"""The JSON API on /api/v1: one blueprint; its errors (`errors`), query parameters and
timestamps (`params`), token check (`auth`) and OpenAPI description (`openapi`) live beside it.

Each endpoint module adds its routes to `bp` when imported below.
"""

from flask import Blueprint

from rota.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

from rota.api import contacts, on_duty, openapi, reports, shifts, telephony  # noqa: E402, F401
