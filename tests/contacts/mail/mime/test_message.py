"""rota.contacts.mail.mime.message: the corpus of odd real-world messages, the API rules, and fuzzing."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rota.contacts.mail.mime.decode import decode_bytes
from rota.contacts.mail.mime.message import (
    ParsedMessage,
    UnparseableMessage,
    html_for_display,
    parse_message,
    quote_for_reply,
    reference_tag,
    sender_digest,
)

CORPUS = Path(__file__).parents[1] / "corpus"
OWN = ("neuvonta@ohjaamo.example", "Vagledning@Ohjaamo.example")
DANGEROUS = ("<script", "onerror", "onload", "onclick", "javascript:", "<iframe", "<form", "style=")

# file -> expected outcome; tests/contacts/corpus/README.md describes the same table.
EXPECTED = {
    "01_fi_latin1": dict(text=["Hyvää päivää", "syksyllä?"], subject="yhteishausta ää"),
    "02_fi_says_ascii_is_utf8": dict(text=["en ymmärrä tätä lomaketta", "”Äidinkieli”"]),
    "03_fi_says_utf8_is_cp1252": dict(text=["hyvästä", "Åland", "“hyvältä” – kysyn", "ölyistä"]),
    "04_sv_split_encoded_subject": dict(
        text=["ansöker till yrkesutbildning", "Åsa"],
        subject="Fråga om vägledning för höstterminen [#R-1234]",
    ),
    "05_raw_8bit_headers": dict(text=["kesätöistä"], subject="Hakemus – kesätyöt"),
    "06_outlook_html_only": dict(text=["Haluaisin varata ajan", "Tiina Korhonen"], html=True),
    "07_html_script_xss": dict(text=["Safe paragraph"], html=True),
    "08_out_of_office": dict(text=["Olen lomalla"], automatic="auto-replied", kind="auto-reply"),
    "09_vacation_x_autoreply": dict(
        text=["away until"], automatic="auto-replied", kind="auto-reply"
    ),
    "10_mailing_list": dict(text=["koulutuksiin"], automatic="list"),
    "11_dsn_bounce": dict(
        text=["user unknown", "Action: failed", "Status: 5.1.1", "tässä vastaus"],
        automatic="bounce",
        kind="bounce",
    ),
    "12_rfc2231_attachment": dict(
        text=["Liitteenä"],
        attachments=["äitiysavustus hakemus.pdf", "Överklagande av beslut.docx", "passwd.txt"],
    ),
    "13_inline_image_cid": dict(text=["Katso kuva"], html=True, attachments=["image-1.png"]),
    "14_forwarded_rfc822": dict(
        text=["Välitän", "Forwarded message", "Subject: Alkuperäinen kysymys", "Original inner"],
        attachments=["grades.csv"],
    ),
    "15_calendar_invite": dict(
        text=["Invitation: Ohjausaika: jatko-opinnot ja hakeminen", "Place: Teams"],
        kind="calendar",
        attachments=["attachment-1.ics"],
    ),
    "16_broken_mime_bad_base64": dict(text=["Teksti säilyy", "Toinen osa ilman loppurajaa"]),
    "17_boundary_never_found": dict(text=["Rajat eivät täsmää mutta teksti näkyy."]),
    "18_no_message_id_no_date": dict(text=["Message-ID:tä"]),
    "19a_duplicate_message_id": dict(text=["Ensimmäinen versio."]),
    "19b_duplicate_message_id": dict(text=["Toinen, eri pituinen"]),
    "20_empty_body": dict(text=[]),
    "21_huge_line": dict(text=["sana sana", "LOPPU"]),
    "22_header_injection_subject": dict(text=["Header injection"], subject="Apua Bcc: victim"),
    "23_own_address_loop": dict(text=["Kiitos"], automatic="own-address"),
    "24_auto_generated_notice": dict(text=["uusi viesti"], automatic="auto-submitted"),
    "25_not_an_email": dict(unparseable="no header fields"),
    "26_empty_file": dict(unparseable="empty"),
}


def parse_file(stem: str) -> ParsedMessage:
    """Parse one corpus file with the ring's own addresses."""
    return parse_message((CORPUS / f"{stem}.eml").read_bytes(), own_addresses=OWN)


class _MarkupAudit(HTMLParser):
    """Collects tags, attributes and URLs a browser would treat as active content."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "iframe", "form", "input", "svg", "object", "embed"}:
            self.found.append(tag)
        for name, value in attrs:
            url = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if name.startswith("on") or name == "style" or url.startswith(("javascript:", "data:")):
                self.found.append(f"{tag} {name}={value}")


def dangerous_markup(html: str) -> list[str]:
    """Active content left in sanitised HTML (parsed as a browser would, not by substring)."""
    audit = _MarkupAudit()
    audit.feed(html)
    audit.close()
    return audit.found


def assert_safe(msg: ParsedMessage) -> None:
    """The invariants every parsed message keeps, whatever came in."""
    assert not dangerous_markup(msg.html or "")
    for value in (msg.subject, msg.from_name, msg.from_addr, *msg.to, *msg.cc):
        assert "\r" not in value and "\n" not in value and "\x00" not in value
    assert "\x00" not in msg.text
    assert msg.date is None or msg.date.utcoffset() == timedelta(0)
    assert msg.message_id.startswith("<") and msg.message_id.endswith(">")
    assert len(msg.digest) == 64


def test_corpus_table_lists_every_file():
    assert {path.stem for path in CORPUS.glob("*.eml")} == set(EXPECTED)


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_corpus_message_parses_as_documented(stem):
    expected = EXPECTED[stem]
    if "unparseable" in expected:
        with pytest.raises(UnparseableMessage, match=expected["unparseable"]):
            parse_file(stem)
        return
    msg = parse_file(stem)
    assert_safe(msg)
    assert msg.digest == sender_digest((CORPUS / f"{stem}.eml").read_bytes())
    assert not any(bad in (msg.html or "").lower() for bad in DANGEROUS)
    assert all(fragment in msg.text for fragment in expected["text"]), msg.text[:500]
    assert expected.get("subject", "") in msg.subject
    assert msg.automatic == expected.get("automatic")
    assert msg.kind == expected.get("kind", "message")
    assert (msg.html is not None) == expected.get("html", False)
    assert [a.filename for a in msg.attachments] == expected.get("attachments", [])


def test_outlook_html_loses_conditional_comments_mso_styles_and_head():
    msg = parse_file("06_outlook_html_only")
    assert "<!--" not in msg.html and "mso" not in msg.html.lower()
    assert "Outlook title text" not in msg.text and "hidden for Outlook" not in msg.text


def test_inline_image_keeps_cid_and_display_maps_it_and_blocks_tracking_pixel():
    msg = parse_file("13_inline_image_cid")
    (image,) = msg.attachments
    assert (image.content_id, image.inline, image.size) == ("logo123@logo.example.fi", True, 16)
    shown = html_for_display(msg.html, lambda cid: f"/contacts/7/parts/{cid}")
    assert 'src="/contacts/7/parts/logo123@logo.example.fi"' in shown
    assert "tracker.example" not in shown
    assert "<img" in html_for_display('<img src="/\\tracker.example/p.gif" alt="x">', str)
    assert "src=" not in html_for_display('<img src="/\\tracker.example/p.gif">', str)
    assert "src=" not in html_for_display('<img src="p.gif"><a href="cid:x">x</a>', str)


def test_header_injection_subject_is_one_line_and_adds_no_recipient():
    msg = parse_file("22_header_injection_subject")
    assert msg.to == ("neuvonta@ohjaamo.example",) and msg.cc == ()


def test_addresses_threading_headers_and_date_are_normalised():
    msg = parse_file("04_sv_split_encoded_subject")
    assert (msg.from_name, msg.from_addr) == ("Åsa Lindström", "asa.lindstrom@example.se")
    assert msg.cc == ("anna@example.se",)
    assert msg.in_reply_to == "<ack-1234@ohjaamo.example>"
    assert msg.references == ("<first@example.se>", "<ack-1234@ohjaamo.example>")
    assert msg.date == datetime(2024, 3, 5, 13, 2, 11, tzinfo=UTC)


def test_reused_message_id_with_other_content_has_another_digest():
    first, second = parse_file("19a_duplicate_message_id"), parse_file("19b_duplicate_message_id")
    assert first.message_id == second.message_id
    assert first.digest != second.digest


def test_redelivery_through_another_relay_keeps_digest_and_synthetic_id():
    raw = (CORPUS / "18_no_message_id_no_date.eml").read_bytes()
    relayed = b"Received: from relay2.example by mx.example; Tue, 5 Mar 2024\n" + raw
    once, again = parse_message(raw), parse_message(relayed.replace(b"\n", b"\r\n"))
    assert once.message_id_synthetic and once.date is None
    assert once.message_id == again.message_id and once.message_id.endswith("@rota.invalid>")
    assert once.digest == again.digest == sender_digest(raw)
    assert parse_message(raw + b"more text\n").message_id != once.message_id


def test_delivery_report_without_failure_is_not_a_bounce():
    raw = (CORPUS / "11_dsn_bounce.eml").read_bytes().replace(b"Action: failed", b"Action: delayed")
    msg = parse_message(raw)
    assert (msg.automatic, msg.kind) == ("delivery-report", "delivery-report")


@pytest.mark.parametrize(
    ("data", "charset", "text"),
    [
        ("Äiti".encode(), "us-ascii", "Äiti"),
        ("Äiti".encode("cp1252"), "utf-8", "Äiti"),
        ("Äiti".encode(), "iso-8859-1", "Äiti"),
        ("Äiti".encode("latin-1"), "no-such-charset", "Äiti"),
        (b"\x81\x8d", "utf-8", "\x81\x8d"),
        ("Åsa".encode("utf-16"), "utf-16", "Åsa"),
    ],
)
def test_charset_fallback_never_loses_text(data, charset, text):
    assert decode_bytes(data, charset) == text


def test_non_bytes_input_is_a_programming_error():
    with pytest.raises(TypeError):
        parse_message("From: a@example.fi\n\nhi")  # type: ignore[arg-type]


def test_deeply_nested_multiparts_give_a_message_or_the_documented_error():
    levels = [
        b"Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n" % (n, n) for n in range(400)
    ]
    try:
        msg = parse_message(b"From: a@example.fi\n" + b"".join(levels) + b"\ndeep\n")
    except UnparseableMessage as exc:
        assert exc.reason
    else:
        assert "TooManyPartsDefect" in msg.defects


@pytest.mark.parametrize(
    ("subject", "tag"),
    [
        ("Re: Apua [#R-1234]", "R-1234"),
        ("SV: [ #r-9 ] fråga", "R-9"),
        ("R-12 ilman", None),
        (None, None),
    ],
)
def test_reference_tag_is_found_in_subjects(subject, tag):
    assert reference_tag(subject) == tag


def test_quote_for_reply_quotes_every_line_under_an_attribution():
    quoted = quote_for_reply("Hei\r\n\n> aiempi", "Matti\r\nBcc: x kirjoitti:")
    assert quoted == "Matti Bcc: x kirjoitti:\n> Hei\n>\n>> aiempi"


def check_any_outcome(raw: bytes) -> None:
    """Any bytes give a safe ParsedMessage or the documented exception, never another error."""
    try:
        msg = parse_message(raw, own_addresses=OWN)
    except UnparseableMessage as exc:
        assert not exc.reason.startswith("unexpected"), exc.reason
        return
    assert_safe(msg)


def mutate(data: bytes, seed: int, rounds: int) -> bytes:
    """Flip, insert, delete, duplicate and truncate bytes of a corpus file, deterministically."""
    rng = random.Random(seed)
    buf = bytearray(data)
    for _ in range(rounds):
        at = rng.randrange(len(buf) + 1)
        op = rng.randrange(5)
        if op == 0 and at < len(buf):
            buf[at] = rng.randrange(256)
        elif op == 1:
            buf[at:at] = rng.choice([b"\n", b"\r\n\r\n", b"=?", b"?=", b"--", b";", b'"', b"\xff"])
        elif op == 2:
            del buf[at : at + rng.randrange(1, 40)]
        elif op == 3:
            buf[at:at] = buf[max(0, at - 60) : at]
        else:
            del buf[at + rng.randrange(200) :]
    return bytes(buf)


FUZZ = settings(max_examples=300, deadline=None, database=None)
SMALL_CORPUS = sorted(p for p in CORPUS.glob("*.eml") if p.stat().st_size < 20_000)


@FUZZ
@given(st.binary(max_size=3000))
def test_random_bytes_never_raise_another_exception(raw):
    check_any_outcome(raw)


@FUZZ
@given(st.sampled_from(SMALL_CORPUS), st.integers(0, 2**32), st.integers(1, 30))
def test_mutated_corpus_files_never_raise_another_exception(path, seed, rounds):
    check_any_outcome(mutate(path.read_bytes(), seed, rounds))


HEADER_NAMES = ["Subject", "From", "To", "Cc", "Date", "Message-ID", "References", "Content-Type"]
WORD = st.builds(
    lambda cs, kind, text: b"=?" + cs + b"?" + kind + b"?" + text + b"?=",
    st.sampled_from([b"utf-8", b"iso-8859-1", b"bogus", b"utf-16", b"utf-7", b"", b"utf-8*fi"]),
    st.sampled_from([b"B", b"q", b"X"]),
    st.binary(max_size=30).map(lambda b: b.replace(b"?", b"")),
)
HEADER = st.tuples(st.sampled_from(HEADER_NAMES), st.lists(st.one_of(WORD, st.binary(max_size=40))))


@settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.lists(HEADER, min_size=1, max_size=8), st.binary(max_size=300))
def test_random_header_values_never_raise_another_exception(headers, body):
    lines = [name.encode() + b": " + b" ".join(parts) for name, parts in headers]
    check_any_outcome(b"\r\n".join(lines) + b"\r\n\r\n" + body)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("=?utf-8?q?x:victim@other.example;?= <real@client.example>", "real@client.example"),
        ("=?utf-8?b?dmljdGltQG90aGVyLmV4YW1wbGU=?= <real@client.example>", "real@client.example"),
        ('"=?utf-8?q?victim@other.example?=" <real@client.example>', "real@client.example"),
        ("=?utf-8?q?victim=40other=2Eexample?=", ""),  # an encoded word is never an address
    ],
)
def test_the_sender_comes_from_the_address_part_never_from_the_display_name(header, expected):
    raw = f"From: {header}\nTo: neuvonta@ohjaamo.example\nSubject: x\n\nHei\n".encode()
    msg = parse_message(raw)
    assert msg.from_addr == expected
    assert "victim" not in msg.from_addr


def test_one_invalid_byte_in_utf8_is_replaced_where_it_is():
    # Dovecot serves a NUL as 0x80: the rest of the UTF-8 part must stay readable
    raw = (
        b"From: Aino <aino@example.fi>\r\nSubject: Kysymys\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + "Hyvää päivää".encode()
        + b"\x80"
        + " – kiitos ylläpidolle".encode()
        + b"\r\n"
    )
    text = parse_message(raw).text
    assert "Hyvää päivää\ufffd – kiitos ylläpidolle" in text and "Ã" not in text


def test_cp1252_text_with_one_accidental_utf8_pair_stays_cp1252():
    data = "Päivää, äiti ja isä: ".encode("cp1252") + "ä".encode()
    assert decode_bytes(data, "utf-8").startswith("Päivää, äiti ja isä")


def test_a_from_that_is_not_an_address_keeps_its_text_as_the_name():
    raw = b"From: Matti Meik\xc3\xa4l\xc3\xa4inen\r\nSubject: x\r\n\r\nhei\r\n"
    msg = parse_message(raw)
    assert (msg.from_name, msg.from_addr) == ("Matti Meikäläinen", "")
