"""Security headers on every response (CSP, nosniff, no referrer, HSTS, no caching of pages),
and cross-site form posts refused by the browser's own word (Sec-Fetch-Site).

`Referrer-Policy: no-referrer` means browsers send no Referer, so Flask-WTF's Referer check
for HTTPS (WTF_CSRF_SSL_STRICT) is off; the session-bound CSRF token, SameSite cookies and the
Sec-Fetch-Site check below stand in its place.
"""

from flask import abort, current_app, request

from rota.extensions import csrf

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000; includeSubDomains"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def refuse_forged_posts():
    """403 for a state-changing request another site's page made the browser send, then
    Flask-WTF's CSRF token check (400), the API's blueprint exempt; reads pass at once.

    Browsers since 2023 say where a request came from in Sec-Fetch-Site; machines (the API)
    and old browsers send none and are left to the CSRF token and API tokens. Flask-WTF's own
    hook (WTF_CSRF_CHECK_DEFAULT, off in rota.config) looks up exemptions even for reads.
    """
    if request.method in SAFE_METHODS:
        return
    if request.headers.get("Sec-Fetch-Site") not in (None, "same-origin", "none"):
        abort(403)
    if current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect(apply_exemptions=True)


class SecurityHeaders:
    """WSGI middleware adding the headers to every response the app sends (error pages and
    Werkzeug's own answers too) unless the app set its own: feeds and static files keep their
    caching. The values are constants, checked once here, not at each response.

    Pages and API answers are never stored by a browser or proxy (they carry client data or
    names); `Referrer-Policy: no-referrer` keeps feed secrets in URLs out of other sites' logs.
    """

    def __init__(self, wsgi_app, headers: tuple[tuple[str, str], ...]):
        self.wsgi_app = wsgi_app
        self.headers = tuple((name.lower(), (name, value)) for name, value in headers)

    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            present = {name.lower() for name, _value in headers}
            headers.extend(header for name, header in self.headers if name not in present)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


def security_headers(config) -> tuple[tuple[str, str], ...]:
    """The headers SecurityHeaders adds (HSTS only where cookies are sent over HTTPS alone)."""
    return (
        ("Content-Security-Policy", CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        *((("Strict-Transport-Security", HSTS),) if config["SESSION_COOKIE_SECURE"] else ()),
        ("Cache-Control", "no-store"),
    )


def init_app(app):
    """Check every request's origin (rota.wrap_wsgi puts SecurityHeaders around the app)."""
    app.before_request(refuse_forged_posts)
