"""A small HTTP client for tests against real servers (gunicorn): one cookie jar for several
hosts, forms with their CSRF token, no redirects followed.

It sends its cookies to whichever server it talks to, Secure or not: behind the TLS proxy of a
real deployment the app sees https, while the tests talk plain HTTP to gunicorn on loopback.
"""

from __future__ import annotations

import http.client
import json
import re
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Response:
    """What a server answered."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body)


class Browser:
    """One person's cookies, used against any of the servers."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(self, url: str, method: str = "GET", body=None, headers=None) -> Response:
        parts = urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(
                method, parts.path + (f"?{parts.query}" if parts.query else ""), body, sent
            )
            answer = conn.getresponse()
            response = Response(answer.status, answer.headers, answer.read())
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or morsel["expires"].startswith("Thu, 01 Jan 1970"):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def get(self, url: str, **headers) -> Response:
        return self.request(url, headers=headers)

    def submit(self, page_url: str, action_url: str, fields: dict) -> Response:
        """POST a form as the page at `page_url` offers it (with that page's CSRF token)."""
        page = self.get(page_url)
        token = CSRF.search(page.text)
        assert token, f"no form with a CSRF token at {page_url} ({page.status})"
        body = urlencode({"csrf_token": token.group(1), **fields})
        content = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.request(action_url, "POST", body, content)
