"""Absolute links for mail, calendar subscriptions and QR codes: always on BASE_URL.

A link built from the request's Host header would let anyone who sends a forged Host have
reset links (and contact links) mailed pointing at their own server.
"""

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint` (full name, e.g. "auth.reset_password") on BASE_URL."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)
