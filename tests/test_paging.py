"""Keyset pages of the other lists that grow (people, tokens, mail problems): every row once
in both directions, with the count; cursors survive the round trip or are refused clearly."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from rota.contacts.models import RawMessage, RawStatus
from rota.errors import DomainError
from rota.extensions import db
from rota.members import people as people_service
from rota.paging import Cursor, parse_cursor
from tests.support.feed_data import feed_secret

NOW = datetime(2026, 3, 30, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("key", [NOW, datetime(1969, 1, 1, tzinfo=UTC), "åsa öhman", ""])
def test_a_cursor_survives_its_link(key):
    for forward in (True, False):
        cursor = Cursor(forward, key, 42)
        assert parse_cursor(str(cursor)) == cursor


@pytest.mark.parametrize("text", ["2", "a1.2.3", "x12.3", "as!!.3", "as/w==.3", "at.1"])
def test_a_mangled_cursor_is_refused(text):
    with pytest.raises(DomainError):
        parse_cursor(text)


def _links(html: str) -> dict[str, str]:
    found = re.findall(r'<a rel="(next|prev)" href="([^"]+)"', html)
    return {rel: href.replace("&amp;", "&") for rel, href in found}


def _walk(client, path: str, pattern: str) -> list[list[str]]:
    """The rows matching `pattern` on each page, following next links, then back by prev."""
    pages, html = [], client.get(path).get_data(as_text=True)
    pages.append(re.findall(pattern, html))
    while "next" in _links(html):
        html = client.get(_links(html)["next"]).get_data(as_text=True)
        pages.append(re.findall(pattern, html))
    back = [re.findall(pattern, html)]
    while "prev" in _links(html):
        html = client.get(_links(html)["prev"]).get_data(as_text=True)
        back.append(re.findall(pattern, html))
    assert back == list(reversed(pages))
    return pages


def test_people_pages_by_name_whatever_the_case(client, login, ring, make):
    names = [f"{'Å' if i % 3 == 0 else 'a'}sa {i:03}" for i in range(people_service.PAGE_SIZE + 5)]
    for name in names:
        make.counsellor(ring.org_a, name=name)
    login(ring.coordinator)
    pages = _walk(client, "/people", r'/people/\d+/edit">([^<]+)</a>')
    assert [len(p) for p in pages] == [people_service.PAGE_SIZE, 11]  # 55 + the ring's 6
    listed = [name for page in pages for name in page]
    assert set(names) <= set(listed)
    assert len(set(listed)) == len(listed) == len(names) + 6


def test_token_pages_newest_first(client, login, ring):
    for _ in range(55):
        feed_secret(user=ring.anna)
    db.session.commit()
    login(ring.anna)
    pages = _walk(client, "/tokens", r"<code>(rota_[^<…]+)…</code>")
    assert [len(p) for p in pages] == [50, 5]


def test_mail_problem_pages_newest_first(client, login, ring):
    for uid in range(60):
        db.session.add(
            RawMessage(
                mailbox="INBOX",
                uidvalidity=1,
                uid=uid,
                message_id="",
                digest="",
                size=10,
                data=b"Subject: x\r\n\r\nx",
                fetched_at=NOW - timedelta(minutes=uid),
                status=RawStatus.FAILED,
                error="broken",
            )
        )
    db.session.commit()
    login(ring.coordinator)
    pages = _walk(client, "/mail", r"Download message (\d+) \(\.eml\)")
    ids = [int(i) for page in pages for i in page]
    assert [len(p) for p in pages] == [50, 10] and len(set(ids)) == 60
    assert "(60 in all)" in client.get("/mail").get_data(as_text=True)
