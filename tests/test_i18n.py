"""No English string may leak into a Finnish or Swedish page; mail speaks the recipient's language."""

import configparser
import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from itertools import product
from pathlib import Path

import flask_babel
import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po
from flask_babel import force_locale, format_date, format_decimal, gettext, refresh
from flask_babel import lazy_gettext as _l

from rota.contacts.models import Contact
from rota.extensions import db
from rota.outbox.models import OutboxMessage
from rota.outbox.service import MailSettings
from tests.auth.test_permissions import ROUTES, world  # noqa: F401 (world is a fixture)

ROOT = Path(__file__).resolve().parents[1]
CATALOGS = ROOT / "rota" / "translations"
TRANSLATED = ("fi", "sv")
SKIPPED_DIRS = {"node_modules", "tests", "instance", "build", "migrations"}
FIX = (
    "Fix: run `scripts/translations update`, translate each listed entry in "
    "rota/translations/{lang}/LC_MESSAGES/messages.po (remove any '#, fuzzy' line once "
    "checked), then `scripts/translations compile`."
)


@pytest.fixture
def app_config(app_config):
    """These tests speak about the ring's real default language, Finnish."""
    return {**app_config, "BABEL_DEFAULT_LOCALE": "fi"}


def source_messages() -> dict:
    """Every message the code and templates ask to translate: msgid → first location."""
    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg")
    keywords = {**DEFAULT_KEYWORDS, **parse_keywords(setup["extract_messages"]["keywords"].split())}
    with open(ROOT / "babel.cfg") as mapping:
        method_map, options_map = parse_mapping_cfg(mapping)
    found = extract_from_dir(
        ROOT,
        method_map,
        options_map,
        keywords=keywords,
        directory_filter=lambda path: (
            not set(Path(path).parts) & SKIPPED_DIRS and not Path(path).name.startswith((".", "_"))
        ),
    )
    messages = {}
    for filename, lineno, message, _comments, _context in found:
        messages.setdefault(message, f"{filename}:{lineno}")
    return messages


def catalog(language):
    with open(CATALOGS / language / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=language)


def _strings(message) -> tuple:
    return message.string if isinstance(message.string, tuple) else (message.string,)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_of_the_code_and_templates_is_translated(language):
    entries = catalog(language)
    missing = []
    for msgid, where in sorted(source_messages().items(), key=lambda item: item[1]):
        entry = entries.get(msgid)
        if entry is None or entry.fuzzy or not all(_strings(entry)):
            state = "missing" if entry is None else "fuzzy" if entry.fuzzy else "empty"
            missing.append(f"  {where}: {msgid!r} ({state})")
    if missing:
        pytest.fail(
            f"{len(missing)} messages have no {language} translation:\n"
            + "\n".join(missing)
            + "\n"
            + FIX.format(lang=language),
            pytrace=False,
        )


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_the_placeholders_of_their_message(language):
    problems = [
        f"  {message.id!r}: {'; '.join(map(str, errors))}"
        for message, errors in catalog(language).check()
    ]
    if problems:
        pytest.fail(
            "Translations that break their placeholders:\n" + "\n".join(problems), pytrace=False
        )


@pytest.mark.parametrize("language", ("fi", "sv", "en"))
def test_compiled_catalog_is_newer_than_its_source(language):
    folder = CATALOGS / language / "LC_MESSAGES"
    compiled, source = folder / "messages.mo", folder / "messages.po"
    assert compiled.exists() and compiled.stat().st_mtime >= source.stat().st_mtime, (
        f"{compiled.relative_to(ROOT)} is missing or older than its .po: "
        "run `scripts/translations compile`"
    )


class VisibleText(HTMLParser):
    """The text a reader meets in a page, leaving out parts marked as another language."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    SPOKEN = ("aria-label", "title", "placeholder", "alt", "data-copied", "data-failed")
    SILENT = {"script", "style"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.page_lang, self.segments, self.stack = None, [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.page_lang = attrs.get("lang")
        skipped = bool(self.stack and self.stack[-1][1]) or tag in self.SILENT
        skipped = skipped or attrs.get("lang", self.page_lang) != self.page_lang
        if not skipped:
            self.segments += [attrs[name] for name in self.SPOKEN if attrs.get(name)]
            if tag == "input" and attrs.get("type") in ("submit", "button"):
                self.segments.append(attrs.get("value") or "")
        if tag not in self.VOID:
            self.stack.append((tag, skipped))

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data):
        if data.strip() and not (self.stack and self.stack[-1][1]):
            self.segments.append(" ".join(data.split()))


PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sdf]")


def english_phrases(language) -> tuple[set, set]:
    """Messages whose translation differs: (whole messages, multi-word fragments around values)."""
    whole, fragments = set(), set()
    for message in catalog(language):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        if not message.id or set(ids) == set(_strings(message)):
            continue
        for msgid in ids:
            pieces = [p.strip(" .,:;()“”") for p in PLACEHOLDER.split(msgid)]
            if len(pieces) == 1:
                whole.add(msgid)
            fragments.update(p for p in pieces if " " in p and len(p) >= 8)
    return whole, fragments


def stored_text() -> set:
    """Every text value in the database: names and titles people typed are not leaks."""
    values = set()
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()):
            values.update(" ".join(v.split()) for v in row if isinstance(v, str))
    return values


# 12.5 where fi and sv write 12,5 (a date's 30.3.2026 and a time's 9.05 are not decimals)
DECIMAL_POINT = re.compile(r"(?<![\d.])\d+\.\d(?![\d.])")
# a program's own words: an exception's name or errno (a page may show them marked lang="en")
RAW_EXCEPTION = re.compile(r"\b[A-Z]\w*(?:Error|Exception)\b|\[Errno \d+\]")


def english_in(text: str, whole: set, fragments: set) -> set:
    """The English catalog messages and fragments in `text`."""
    return ({text} & whole) | {f for f in fragments if f in text}


def leaks(page: str, language: str, data: set) -> list[str]:
    """English catalog messages shown on a page meant to be in `language`.

    Stored text shows as typed (a name may be one catalog word), except where it holds English
    catalog phrases: the app wrote it (a call's subject, a history row's reason) in whichever
    language its writer had.
    """
    parser = VisibleText()
    parser.feed(page)
    assert parser.page_lang == language, f'<html lang="{parser.page_lang}">'
    whole, fragments = english_phrases(language)
    phrases = {message for message in whole if " " in message}
    typed = {value for value in data if not english_in(value, phrases, fragments)}
    segments = [s for s in parser.segments if s not in typed]
    text = "\n".join(segments)
    points = {f"decimal point: {number}" for number in DECIMAL_POINT.findall(text)}
    raw = {f"raw exception: {name}" for name in RAW_EXCEPTION.findall(text)}
    return sorted(english_in(text, set(), fragments) | (set(segments) & whole) | points | raw)


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_english_message_shows_on_any_page(world, client, login, language):  # noqa: F811
    people, objects = world
    login(people["coordinator"])
    client.post("/language", data={"language": language})
    data = stored_text()
    failures = []
    for method, template, statuses in ROUTES:
        if method != "GET" or statuses["coordinator"] != 200 or template == "/healthz":
            continue
        url = template.format(**objects)
        response = client.get(url)
        if response.mimetype != "text/html":
            continue
        found = leaks(response.get_data(as_text=True), language, data)
        failures += [f"  {url}: {text!r}" for text in found]
    if failures:
        pytest.fail(f"English on {language} pages:\n" + "\n".join(failures), pytrace=False)


@pytest.mark.parametrize("language", TRANSLATED)
def test_calls_recorded_in_english_show_in_the_readers_language(app, make, login, language):
    from rota.auth import tokens

    org = make.org()
    make.shift(org, "2026-03-30T09:00", channel="phone", counsellor=make.counsellor(org))
    english, reader = make.counsellor(org), make.coordinator()
    english.locale, reader.locale = "en", language
    _token, secret = tokens.create_token(db.session, name="PBX", scopes=["telephony:write"])
    db.session.commit()
    writer = app.test_client()
    writer.post("/login", data={"email": english.email, "password": make.PASSWORD})
    form = {"caller": "040 765 4321", "started_at": "2026-03-30T10:15", "outcome": "missed"}
    assert writer.post("/calls/new", data=form).status_code == 302
    withheld = {"call_id": "pbx-1", "caller": "anonymous-sip"}
    headers = {"Authorization": f"Bearer {secret}", "Accept-Language": "en"}
    for event in ({"event": "new"}, {"event": "ended", "cause": "NO_ANSWER"}):
        answer = writer.post("/api/v1/telephony/events", json=withheld | event, headers=headers)
        assert answer.status_code == 201
    browser = app.test_client()
    browser.post("/login", data={"email": reader.email, "password": make.PASSWORD})
    ids = db.session.scalars(db.select(Contact.id).order_by(Contact.id)).all()
    urls = ["/", "/contacts", "/contacts/search?q=0407654321", "/contacts/search?q=anonymous"]
    urls += [f"/contacts/{contact_id}" for contact_id in ids]
    data = stored_text()
    pages = {url: browser.get(url).get_data(as_text=True) for url in urls}
    assert {url: leaks(page, language, data) for url, page in pages.items()} == {
        url: [] for url in urls
    }
    assert all("+358 40 7654321" in pages[url] for url in urls[1:3])
    with force_locale(language):
        missed = gettext("nobody answered")
    assert missed in pages[urls[-1]] and "NO_ANSWER" not in pages[urls[-1]]  # the phone's code


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_replanned_shifts_history_shows_in_the_readers_language(make, client, login, language):
    from rota.schedule.labels import SLOT_CLOSED
    from rota.schedule.models import ShiftChange, ShiftChangeKind

    shift = make.shift(make.org())
    at = datetime(2026, 3, 1, tzinfo=UTC)
    db.session.add_all(
        [
            ShiftChange(
                shift_id=shift.id,
                at=at,
                kind=ShiftChangeKind.REPLAN,
                reason="2.5 h behind its share",
            ),
            ShiftChange(shift_id=shift.id, at=at, kind=ShiftChangeKind.CANCEL, reason=SLOT_CLOSED),
        ]
    )
    reader = make.coordinator()
    reader.locale = language
    db.session.commit()
    login(reader)
    page = client.get(f"/shifts/{shift.id}").get_data(as_text=True)
    with force_locale(language):
        closed = gettext("Re-planned: the slot is no longer open")
    assert leaks(page, language, stored_text()) == []
    assert "2,5 h" in page and closed in page and closed != "Re-planned: the slot is no longer open"


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_mailbox_error_shows_as_a_reason_in_the_readers_language(
    app, make, client, login, language
):
    from rota.contacts.mail.poll import mailbox_key
    from rota.contacts.models import MailboxState

    app.config.update(IMAP_HOST="imap.example.fi", IMAP_USER="ohjaus")
    error = "ConnectionRefusedError: [Errno 111] Connection refused"
    key = mailbox_key(app.config)
    db.session.add(
        MailboxState(mailbox=key, uidvalidity=1, last_uid=0, failures=3, last_error=error)
    )
    reader = make.coordinator()
    reader.locale = language
    db.session.commit()
    login(reader)
    pages = {url: client.get(url).get_data(as_text=True) for url in ("/", "/mail")}
    with force_locale(language):
        reason = gettext("the mail server could not be reached")
    assert {url: leaks(page, language, stored_text()) for url, page in pages.items()} == {
        "/": [],
        "/mail": [],
    }
    assert all(reason in page for page in pages.values())


def test_a_visitor_gets_the_browsers_language_and_then_the_default(client):
    swedish = client.get("/login", headers={"Accept-Language": "sv-FI,sv;q=0.9,en;q=0.5"})
    assert '<html lang="sv">' in swedish.get_data(as_text=True)
    assert "Logga in" in swedish.get_data(as_text=True)
    unknown = client.get("/login", headers={"Accept-Language": "de"})
    assert '<html lang="fi">' in unknown.get_data(as_text=True)
    assert "Kirjaudu sisään" in unknown.get_data(as_text=True)


def test_the_language_switch_is_kept_in_the_profile(app, make, client, login):
    person = login(make.counsellor())
    client.post("/language", data={"language": "sv", "next": "/profile"})
    assert db.session.get(type(person), person.id).locale == "sv"
    other_browser = app.test_client()
    other_browser.post("/login", data={"email": person.email, "password": make.PASSWORD})
    page = other_browser.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="sv">' in page


def test_dates_and_numbers_follow_the_language(app):
    day = date(2026, 3, 30)
    with force_locale("sv"):
        assert format_date(day, "full") == "måndag 30 mars 2026"
        assert format_decimal(1234.5) == "1\xa0234,5"
    with force_locale("fi"):
        assert format_date(day, "full") == "maanantai 30. maaliskuuta 2026"
        assert format_decimal(1234.5) == "1\xa0234,5"
    with force_locale("en"):
        assert format_date(day, "full") == "Monday, March 30, 2026"
        assert format_decimal(1234.5) == "1,234.5"


def test_mail_outside_a_request_is_written_in_the_recipients_language(app, make):
    person = make.counsellor()
    person.locale = "sv"
    assert gettext("Reset your password") == "Vaihda salasanasi"
    with force_locale(MailSettings.from_config(app.config).locale_for(person)):
        assert gettext("Reset your password") == "Återställ ditt lösenord"
    with force_locale("en"):
        assert gettext("Reset your password") == "Reset your password"


def test_reset_mail_goes_out_in_the_recipients_language(app, make, client):
    person = make.counsellor(email="sv@example.fi")
    person.locale = "sv"
    db.session.commit()
    client.post(
        "/password/reset", data={"email": "sv@example.fi"}, headers={"Accept-Language": "fi"}
    )
    mail = db.session.scalars(db.select(OutboxMessage)).one()
    assert mail.subject == "Återställ ditt lösenord"
    assert "Hej" in mail.body_text


def mail_leaks(text: str, language: str) -> list[str]:
    """English catalog messages in a mail body meant to be in `language`."""
    whole, fragments = english_phrases(language)
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    return sorted({line for line in lines if line in whole} | {f for f in fragments if f in text})


@pytest.mark.parametrize("language", TRANSLATED)
def test_mail_to_clients_and_counsellors_is_wholly_in_their_language(app, make, language):
    from rota.contacts.mail.acknowledge import acknowledgement_text
    from rota.contacts.models import Message, MessageDirection
    from rota.contacts.notify import _notice_texts
    from rota.contacts.queue.reply import reply_body

    contact = make.contact("Hakemus", reference="R-12", client_email="c@example.com")
    when = datetime(2026, 3, 2, 7, 5, tzinfo=UTC)
    incoming = Message(
        direction=MessageDirection.IN, from_name="Aino", body_text="Hei", created_at=when
    )
    reply = reply_body("Vastaus", [incoming], "Europe/Helsinki", language)
    quote = {
        "fi": "2. maaliskuuta 2026 klo 9.05 Aino kirjoitti:",
        "sv": "Den 2 mars 2026 kl. 09:05 skrev Aino:",
    }
    assert quote[language] in reply
    ack = acknowledgement_text(db.session, app.config, language, "R-12", when.date(), {})
    with app.test_request_context():
        subject, notice = _notice_texts(contact, language, False, "Rengas")
    failures = {
        name: mail_leaks(text, language)
        for name, text in [
            ("reply", reply),
            ("acknowledgement", ack),
            ("notice", f"{subject}\n{notice}"),
        ]
    }
    assert failures == {"reply": [], "acknowledgement": [], "notice": []}
    assert "email" not in notice and "e-mail" not in notice


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_rotas_and_the_mailboxs_mail_is_wholly_in_the_readers_language(app, make, language):
    from rota.contacts.mail.alerts import record_failure
    from rota.schedule.notify import send_coverage_warnings, send_reminders

    now = datetime(2026, 3, 29, 6, 0, tzinfo=UTC)
    org = make.org()
    people = [make.counsellor(org), make.org_admin(org), make.coordinator()]
    for person in people:
        person.locale = language
    make.shift(org, "2026-03-30T09:00", counsellor=people[0])
    make.shift(org, "2026-03-31T09:00")  # nobody named: a gap
    settings = MailSettings.from_config(app.config)
    with app.test_request_context():
        send_reminders(db.session, now, settings)
        send_coverage_warnings(db.session, now, 7, settings)
        config = {**app.config, "IMAP_ALERT_AFTER": 1, "BABEL_DEFAULT_LOCALE": language}
        record_failure(db.session, "ohjaus@imap", config, now, "TimeoutError: timed out")
    mails = db.session.scalars(db.select(OutboxMessage)).all()
    assert sorted(m.kind for m in mails) == ["alert", "coverage", "coverage", "shift-reminder"]
    found = {m.kind: mail_leaks(f"{m.subject}\n{m.body_text}", language) for m in mails}
    assert found == {"alert": [], "coverage": [], "shift-reminder": []}


def test_mail_to_an_english_reader_writes_dates_as_in_the_uk(app, make):
    from rota.contacts.notify import _notice_texts

    received = datetime(2026, 3, 30, 6, 5, tzinfo=UTC)  # 09:05 in Helsinki
    contact = make.contact("Hakemus", reference="R-12", received_at=received)
    with app.test_request_context():
        _subject, notice = _notice_texts(contact, "en", False, "Rengas")
    assert "Received: 30/03/2026, 09:05" in notice  # not the US 3/30/26, 9:05 AM


def test_file_sizes_and_dates_on_pages_follow_the_language(app, client):
    from rota.templating import file_size

    with force_locale("fi"):
        assert (file_size(28), file_size(1536)) == ("28 t", "1,5 kt")
    with force_locale("sv"):
        assert file_size(2_250_000) == "2,2 MB"
    with force_locale("en_GB"):
        assert file_size(1536) == "1.5 kB"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()
        assert format_date(date(2026, 3, 30), "full") == "Monday, 30 March 2026"  # en_GB
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in page
    notice = client.get("/privacy", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<div lang="en">' in notice  # a language tag, not the en_GB of the formats


# the formats the templates give each date filter, and the named ones
TEMPLATE_FORMATS = {
    kind: sorted(
        {"short", "medium", "long", "full", None}
        | {
            found
            for template in (ROOT / "templates").rglob("*.html")
            for found in re.findall(rf'\b{kind}format\("([^"]+)"\)', template.read_text())
        },
        key=str,
    )
    for kind in ("datetime", "date", "time")
}


def test_the_date_filters_of_templates_write_what_flask_babel_writes(app):
    """The templates' datetimeformat, dateformat and timeformat keep each locale's parsed
    patterns; across the clock changes, in each language and with a language forced within
    a request (mail), they write what Flask-Babel's functions write."""
    spring = datetime(2026, 3, 28, 22, 15, tzinfo=UTC)
    instants = [spring + timedelta(hours=h, minutes=7 * h) for h in range(0, 36, 5)]
    instants.append(datetime(2026, 10, 24, 23, 45))  # naive: UTC
    babel = {
        "datetime": flask_babel.format_datetime,
        "date": flask_babel.format_date,
        "time": flask_babel.format_time,
    }
    compared = 0
    with app.test_request_context(headers={"Accept-Language": "sv"}):
        for language in ("sv", "fi", "en_GB"):
            with force_locale(language):
                for kind, formats in TEMPLATE_FORMATS.items():
                    write = app.jinja_env.filters[f"{kind}format"]
                    values = [*instants, date(2026, 12, 31)] if kind == "date" else instants
                    for value, format in product(values, formats):
                        assert write(value, format) == babel[kind](value, format), (kind, format)
                        compared += 1
    assert compared > 500 and "EEE d.M. HH:mm" in TEMPLATE_FORMATS["datetime"]


def test_a_language_forced_within_a_request_translates_in_it_and_then_not(app):
    """The request's catalog is found once per request and language: a mail in another
    language (force_locale) gets its own, and the page's comes back after it."""
    contacts = _l("Contacts")
    template = app.jinja_env.from_string("{{ _('Contacts') }} {{ word }}")
    with app.test_request_context(headers={"Accept-Language": "fi"}):
        refresh()
        assert (gettext("Contacts"), str(contacts)) == ("Yhteydenotot", "Yhteydenotot")
        with force_locale("sv"):
            assert template.render(word=contacts) == "Kontakter Kontakter"
            assert gettext("Contacts") == "Kontakter"
        assert template.render(word=contacts) == "Yhteydenotot Yhteydenotot"
