"""The queue page and the front-page panels read a page at a time: keyset pages that walk the
whole list once in both directions, with counts from COUNT queries, and page links in a
labelled nav (rel=next/prev) that work without JavaScript."""

import re
from datetime import timedelta

import pytest

from rota.contacts.models import Call, CallOutcome, ContactStatus
from rota.contacts.queue import service as queue
from rota.contacts.queue.service import PAGE_SIZE, Section
from rota.db import utcnow
from rota.extensions import db
from rota.paging import Cursor, parse_cursor

MANY = 2 * PAGE_SIZE + 3  # three pages


@pytest.fixture
def annas(ring, make):
    """MANY open contacts of Anna's, pairs of them received at the same instant (ties by id)."""
    start = utcnow() - timedelta(days=1)
    rows = [
        make.contact(
            f"Asia {i}",
            ring.anna,
            status=ContactStatus.OPEN,
            received_at=start + timedelta(minutes=i // 2),
        )
        for i in range(MANY)
    ]
    db.session.commit()
    return [row.id for row in rows]


def _walk(viewer, step):
    """Every page from the first following `step` ("next"), or back from the last ("prev")."""
    page = queue.section_page(db.session, viewer, Section.MINE)
    pages = [page]
    if step == "prev":
        while page.next:
            page = queue.section_page(db.session, viewer, Section.MINE, parse_cursor(page.next))
        pages = [page]
    while getattr(page, step):
        page = queue.section_page(
            db.session, viewer, Section.MINE, parse_cursor(getattr(page, step))
        )
        pages.append(page)
    return pages


def test_pages_walk_the_whole_queue_once_in_order_both_ways(ring, annas):
    forward = _walk(ring.anna, "next")
    assert [len(p.rows) for p in forward] == [PAGE_SIZE, PAGE_SIZE, 3]
    assert [c.id for p in forward for c in p] == annas
    assert {p.total for p in forward} == {MANY}
    backward = _walk(ring.anna, "prev")
    assert [c.id for p in reversed(backward) for c in p] == annas
    assert backward[-1].prev is None and forward[0].prev is None and forward[-1].next is None


def _links(html: str) -> dict[str, str]:
    nav = re.search(r'<nav class="pager" aria-label="Pages of My contacts">(.*?)</nav>', html, re.S)
    assert nav, "the list's page links are in a nav named after the list"
    found = re.findall(r'<a rel="(next|prev)" href="([^"]+)"', nav[1])
    return {rel: href.replace("&amp;", "&") for rel, href in found}


def test_queue_page_lists_one_page_with_the_count_and_links_either_way(client, login, ring, annas):
    login(ring.anna)
    first = client.get("/contacts").get_data(as_text=True)
    assert f"({MANY} in all)" in first
    assert first.count(f'href="/contacts/{annas[0]}"') == 1
    assert f'href="/contacts/{annas[PAGE_SIZE]}"' not in first
    assert set(_links(first)) == {"next"}
    second = client.get(_links(first)["next"]).get_data(as_text=True)
    assert f'href="/contacts/{annas[PAGE_SIZE]}"' in second
    assert f'href="/contacts/{annas[0]}"' not in second
    assert set(_links(second)) == {"next", "prev"}
    back = client.get(_links(second)["prev"]).get_data(as_text=True)
    assert f'href="/contacts/{annas[0]}"' in back and "prev" not in _links(back)


def test_a_mangled_page_link_says_what_to_do(client, login, ring, annas):
    login(ring.anna)
    response = client.get("/contacts?mine=page2")
    assert response.status_code == 400
    assert "Go back to the first page of the list" in response.get_data(as_text=True)


def test_front_page_panel_shows_five_and_counts_all(client, login, ring, annas):
    db.session.add(
        Call(
            contact_id=annas[0],
            caller="+358451112233",
            started_at=utcnow(),
            outcome=CallOutcome.MISSED,
            callback_needed=True,
        )
    )
    db.session.commit()
    login(ring.anna)
    html = client.get("/").get_data(as_text=True)
    assert f"{MANY} open contacts" in html
    assert [i for i in annas if f'href="/contacts/{i}"' in html] == annas[:5]


def test_a_page_past_the_end_is_empty_and_still_counts_the_list(ring, annas):
    """The COUNT comes with a page's rows; a page with no rows (a link gone stale as contacts
    closed) reads it on its own."""
    first = queue.section_page(db.session, ring.anna, Section.MINE)
    assert first.total == MANY
    beyond = Cursor(True, utcnow() + timedelta(days=1), 0)
    page = queue.section_page(db.session, ring.anna, Section.MINE, beyond)
    assert (page.rows, page.total, page.next, page.prev) == ([], MANY, None, None)
