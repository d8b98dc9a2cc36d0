"""What the browser tests share: signing in, the language switch, axe-core, screenshots, pages."""

import re
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select

from rota.auth import tokens
from rota.demo import DEMO_PASSWORD  # noqa: F401 (re-exported for tests)
from rota.extensions import db
from rota.members.models import Agreement, Organisation, Role, Signature, User
from tests import factories
from tests.auth.test_permissions import ROUTES, add_contacts, add_rota_shifts

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-output" / "screenshots"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

COORDINATOR = "koordinaattori@example.fi"
ORG_ADMIN = "admin@gradia.example.fi"
COUNSELLOR = "ohjaaja1@gradia.example.fi"
OTHER_ADMIN = "admin@jkl-typ.example.fi"
LANGUAGES = ("fi", "sv", "en")
# files (.ics, .json, a message's attachments), the API, probes
NOT_A_PAGE = re.compile(r"\.\w+$|/attachments/|^/api/|^/healthz$")


def sign_in(page, email, password=DEMO_PASSWORD):
    """Sign in through the login form (field ids are the form's field names)."""
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: not url.endswith("/login"))
    return page


def switch_language(page, code):
    """Press the language switch (stored in the profile when signed in)."""
    page.locator(f".language-switch button[value={code}]").click()
    page.wait_for_selector(f"html[lang={code}]")


def axe_details(page) -> list[str]:
    """WCAG 2.1 A and AA violations on a page that has axe-core, one line per rule."""
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        WCAG_21_AA,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']}; {len(v['nodes'])}× e.g. "
        f"{v['nodes'][0]['target']} {v['nodes'][0].get('failureSummary', '')!r}"
        for v in result["violations"]
    ]


def axe_violations(page) -> list[str]:
    """Load axe-core into the page and list its WCAG 2.1 A and AA violations.

    The source is evaluated through the DevTools protocol: a <script> tag added to the page
    would be (rightly) refused by its Content Security Policy.
    """
    page.evaluate(AXE.read_text())
    return axe_details(page)


def screenshot(page, name, full_page=True) -> Path:
    """Save test-output/screenshots/<name>.png (git-ignored)."""
    path = SCREENSHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=full_page)
    return path


@contextmanager
def live_db(live_server):
    """The live server's database session (as a scheduled job has it); commits at the end."""
    with live_server.app.app_context():
        try:
            yield db.session
            db.session.commit()
        finally:
            db.session.remove()


def user(session, email) -> User:
    """The person with this e-mail address."""
    return _one(session, select(User).where(User.email == email))


def _one(session, query):
    return session.scalars(query.limit(1)).one()


def demo_objects(session) -> dict:
    """The demo ring's objects for the placeholders of the permission table's URLs."""
    org_a = _one(session, select(Organisation).where(Organisation.short_name == "Gradia"))
    org_b = _one(session, select(Organisation).where(Organisation.short_name == "JKL-TYP"))

    def counsellor(org):
        return _one(
            session, select(User).where(User.organisation == org, User.role == Role.COUNSELLOR)
        )

    def newest_signature(org):
        query = select(Signature).where(Signature.organisation == org)
        return _one(session, query.order_by(Signature.valid_from.desc()))

    coordinator = _one(session, select(User).where(User.email == COORDINATOR))
    token, _secret = tokens.create_token(
        session, name="Kalenteri", scopes=["feeds:read"], user=coordinator
    )
    _feed_token, feed_secret = tokens.create_token(
        session, name="Gradian kalenteri", scopes=["feeds:read"], organisation=org_a
    )
    objects = {
        "org_a": org_a.id,
        "org_b": org_b.id,
        "agreement": _one(session, select(Agreement).order_by(Agreement.effective_from.desc())).id,
        "person_a": counsellor(org_a).id,
        "person_b": counsellor(org_b).id,
        "signature_a": newest_signature(org_a).id,
        "signature_b": newest_signature(org_b).id,
        "coordinator_token": token.id,
        "feed_secret_a": feed_secret,
        "shift_a": factories.shift(org_a, "2026-03-30T09:00", counsellor=counsellor(org_a)).id,
    }
    # the permission table's own objects, built by its helpers on the demo ring
    objects.update(add_contacts(counsellor(org_a), objects["person_b"]))
    objects.update(add_rota_shifts(org_a, org_b, objects["person_b"]))
    return objects


def coordinator_pages(objects) -> list[tuple[str, str]]:
    """(name, URL) of every page the permission table says a coordinator can open."""
    pages = []
    for method, template, statuses in ROUTES:
        if method != "GET" or statuses["coordinator"] != 200 or NOT_A_PAGE.search(template):
            continue
        missing = set(re.findall(r"{(\w+)}", template)) - objects.keys()
        assert not missing, f"{template}: name demo objects for {missing} in demo_objects()"
        name = re.sub(r"[{}]", "", template).strip("/").replace("/", "-") or "front-page"
        pages.append((name, template.format(**objects)))
    return pages


def focused_id(page) -> str:
    """The id of the element that has the keyboard focus."""
    return page.evaluate("() => document.activeElement.id")


def tab_to(page, selector, limit=40):
    """Press Tab until the element matching `selector` has focus (keyboard only)."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never got the focus in {limit} Tab presses")
