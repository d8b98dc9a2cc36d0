"""One pass over every page in Finnish, Swedish and English at once, for the accessibility tests.

Each language has its own coordinator (the interface language is a profile setting) and its own
browser context, so the three renderers work side by side: a page is requested in all three
languages, then axe-core runs in all three (it is part of every document through an init
script, so no extra round trip). Pages of the same endpoint share a template: one URL of each is
enough. The Finnish pass also measures the page on a 320 px phone screen and takes screenshots.
"""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from rota.extensions import db
from rota.members import people
from rota.members.models import Role, User
from tests.browser.helpers import (
    AXE,
    COORDINATOR,
    LANGUAGES,
    axe_details,
    coordinator_pages,
    screenshot,
    sign_in,
)

# axe.run does much of its work before its first await: start it from a timer, so that the
# call returns at once and the three languages' renderers check their pages side by side
START_AXE = (
    "tags => { window.axeViolations = new Promise(resolve => setTimeout(() => resolve(axe.run("
    "document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],"
    " selectors: false}).then(r => r.violations.length)), 0)); }"
)
# WCAG 2.1 4.1.1: axe-core 4.x no longer checks it, so the sweep does
DUPLICATE_IDS = (
    "() => { const seen = new Set(), twice = new Set(); document.querySelectorAll('[id]')"
    ".forEach(e => (seen.has(e.id) ? twice : seen).add(e.id)); return [...twice]; }"
)
# English words no Finnish or Swedish sentence uses (not "on", "to", "by", "in", "at": Finnish
# "on" is "is", "to" is Thursday; Swedish "by" is a village; not "organisation", Swedish too)
ENGLISH_WORDS = (
    "the and of is are was were with from this that these those your you our has have not "
    "no nobody none will would been being which who what when where there here than then "
    "shift shifts contact contacts received sent reply replies wrote behind share page "
    "pages named open closed choose remove save cancel back next previous today week month "
    "counsellor counsellors coordinator mail delivery queue hours minutes"
)
# the page's words (split at spaces, stripped of punctuation: "shifts:read" is a code, not a
# word) outside elements in another language (the language switch's names) and outside code
ENGLISH_ON_PAGE = (
    "words => { const found = new Set(), english = new Set(words.split(' ')), lang = "
    "document.documentElement.lang; const walker = document.createTreeWalker(document.body,"
    " NodeFilter.SHOW_TEXT); for (let n = walker.nextNode(); n; n = walker.nextNode()) {"
    " const owner = n.parentElement; if (owner.closest('script, style, code')) continue;"
    " const within = owner.closest('[lang]'); if (within && within.lang !== lang) continue;"
    " for (const word of n.textContent.split(/\\s+/)) {"
    " if (english.has(word.replace(/^[^\\p{L}]+|[^\\p{L}]+$/gu, '').toLowerCase()))"
    " found.add(n.textContent.trim().slice(0, 80)); } } return [...found]; }"
)
MAIN_PAGES = {
    "front-page",
    "organisations",
    "organisations-org_b",
    "members",
    "people",
    "rota",
    "rota-month",
    "rota-planning",
    "rota-organisations-org_a",
    "contacts",
    "contacts-contact_a",
    "subscribe",
    "shifts-shift_b",
}
PHONE = {"width": 320, "height": 640}
DESKTOP = {"width": 1280, "height": 900}
PHONE_SCREENSHOTS = {"front-page", "organisations", "rota"}


@dataclass
class LanguagePass:
    """What one language's pass found: statuses, html lang values, axe violations."""

    statuses: dict[str, int] = field(default_factory=dict)
    languages: dict[str, str] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    csp_refusals: list[str] = field(default_factory=list)
    english: list[str] = field(default_factory=list)


@dataclass
class Sweep:
    """The passes by language and the pages wider than a phone screen (in any language)."""

    passes: dict[str, LanguagePass]
    too_wide: list[str]
    pages: list[tuple[str, str]]


def one_page_per_endpoint(app, objects) -> list[tuple[str, str]]:
    """The coordinator's pages with one URL per endpoint (same template, other objects)."""
    adapter = app.url_map.bind("127.0.0.1")
    seen, pages = set(), []
    for name, url in coordinator_pages(objects):
        endpoint, _args = adapter.match(urlsplit(url).path)
        if endpoint not in seen:
            seen.add(endpoint)
            pages.append((name, url))
    return pages


def language_coordinators(app) -> dict[str, str]:
    """A copy of the demo coordinator per interface language (e-mail by language)."""
    emails = {}
    with app.app_context():
        demo = db.session.query(User).filter_by(email=COORDINATOR).one()
        for language in LANGUAGES:
            email = f"saavutettavuus.{language}@example.fi"
            person = people.save_person(
                db.session,
                None,
                actor=None,
                role=Role.COORDINATOR,
                name=demo.name,  # the pages (and screenshots) look as the demo's coordinator's
                email=email,
                languages=["fi", "sv", "en"],
                password_hash=demo.password_hash,
            )
            person.locale = language
            emails[language] = email
        db.session.commit()
        db.session.remove()
    return emails


def _open_tabs(browser, live_server, emails, passes) -> dict:
    tabs = {}
    for language, email in emails.items():
        context = browser.new_context(
            base_url=live_server.url, viewport=DESKTOP, ignore_https_errors=True
        )
        context.set_default_timeout(20_000)
        context.add_init_script(path=str(AXE))
        page = context.new_page()
        page.on("console", _note_csp_refusal(page, passes[language]))
        tabs[language] = sign_in(page, email)
    return tabs


def _note_csp_refusal(page, found: LanguagePass):
    """A console listener keeping the browser's Content Security Policy refusals."""

    def listen(message):
        if "Content Security Policy" in message.text:
            found.csp_refusals.append(f"{page.url}: {message.text}")

    return listen


def _phone_check(page, name, url, language) -> str | None:
    """Show the page on a 320 px screen: its width if wider, a screenshot of some pages."""
    page.set_viewport_size(PHONE)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    if name in PHONE_SCREENSHOTS and language == "fi":
        screenshot(page, f"phone-{name}", full_page=False)
    page.set_viewport_size(DESKTOP)
    return f"{url} ({language}): {width} px" if width > PHONE["width"] else None


def _visit(tabs, name, url, passes, too_wide) -> None:
    """Load one page in every language, run axe in all of them side by side, collect."""
    responses = {language: tab.goto(url, wait_until="commit") for language, tab in tabs.items()}
    for tab in tabs.values():
        tab.wait_for_load_state()
        tab.evaluate(START_AXE, ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    for language, tab in tabs.items():
        found = passes[language]
        found.statuses[url] = responses[language].status
        found.languages[url] = tab.get_attribute("html", "lang")
        if tab.evaluate("() => window.axeViolations"):
            found.violations += [f"{url}: {line}" for line in axe_details(tab)]
        if twice := tab.evaluate(DUPLICATE_IDS):
            found.violations.append(f"{url}: duplicate-id: {twice} (WCAG 4.1.1)")
        if language != "en":
            found.english += [
                f"{url}: {text}" for text in tab.evaluate(ENGLISH_ON_PAGE, ENGLISH_WORDS)
            ]
        if wide := _phone_check(tab, name, url, language):
            too_wide.append(wide)
    if name in MAIN_PAGES:
        screenshot(tabs["fi"], name)


def sweep_pages(browser, live_server) -> Sweep:
    """Visit every distinct page in fi, sv and en; see the module docstring."""
    emails = language_coordinators(live_server.app)
    passes, too_wide = {language: LanguagePass() for language in emails}, []
    tabs = _open_tabs(browser, live_server, emails, passes)
    pages = one_page_per_endpoint(live_server.app, live_server.objects)
    try:
        for name, url in pages:
            _visit(tabs, name, url, passes, too_wide)
    finally:
        for tab in tabs.values():
            tab.context.close()
    return Sweep(passes, too_wide, pages)
