"""Navigation by task with the role's own work first; destructive actions ask first."""

import re
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from rota.db import utcnow
from rota.extensions import db
from rota.schedule import absences
from tests import factories


def nav_groups(html):
    """[(group, [link texts])] of the main navigation."""
    nav = html.split('id="site-nav"')[1].split("</nav>")[0]
    groups = re.findall(r'class="nav-group"[^>]*>([^<]+)</span>(.*?)</ul>', nav, re.S)
    return [(name, re.findall(r"<a [^>]*>([^<]+)</a>", links)) for name, links in groups]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (
            "aino",
            [
                ("My work", ["Front page", "My queue", "My shifts", "Absences", "Swap requests"]),
                ("The ring", ["Rota", "Member organisations"]),
                ("Settings", ["Calendar subscription"]),
            ],
        ),
        ("admin_a", ["Our organisation", "The ring", "Settings"]),
        ("coordinator", ["Today", "Rota", "Members", "Mail", "Reports", "Settings"]),
    ],
)
def test_each_role_sees_its_own_work_first(ring, client, login, who, expected):
    login(getattr(ring, who))
    groups = nav_groups(client.get("/").get_data(as_text=True))
    if isinstance(expected[0], tuple):
        assert groups == expected
    else:
        assert [name for name, _links in groups] == expected
    links = [link for _name, group in groups for link in group]
    assert ("API tokens" in links) == (who != "aino")


def test_admins_own_work_comes_first_and_the_page_is_marked_current(ring, client, login):
    login(ring.admin_a)
    html = client.get("/people").get_data(as_text=True)
    assert nav_groups(html)[0] == (
        "Our organisation",
        [
            "Front page",
            "Our shifts",
            "Our people",
            "Coverage gaps",
            "Absences",
            "Swap requests",
            "Contacts",
        ],
    )
    assert re.search(r'<a href="/people" aria-current="page">Our people</a>', html)


def test_my_shifts_lists_the_counsellors_coming_shifts_only(ring, client, login, make):
    make.shift(ring.org_a, start="2031-01-07T09:00", counsellor=ring.aino)
    make.shift(ring.org_a, start="2031-01-08T09:00", counsellor=ring.anna)
    db.session.commit()
    login(ring.aino)
    html = client.get("/rota/mine").get_data(as_text=True)
    assert "Tue 7.1." in html and "Wed 8.1." not in html


def test_removing_an_absence_asks_first_naming_whose_it_is(ring, client, login):
    for person in (ring.anna, ring.aino):
        absences.record_absence(
            db.session,
            ring.admin_a,
            person_id=person.id,
            first_day=date(2031, 1, 5),
            last_day=date(2031, 1, 9),
            reason="",
            zone=ZoneInfo("Europe/Helsinki"),
            now=utcnow(),
            settings=factories.mail_settings(),
        )
    db.session.commit()
    login(ring.admin_a)
    html = client.get("/absences").get_data(as_text=True)
    summaries = re.findall(r"<summary>([^<]+)</summary>", html)
    assert sorted(summaries) == [
        "Remove the absence of Aino Aalto from 5.1.2031",
        "Remove the absence of Anna from 5.1.2031",
    ]
    assert "Yes, remove the absence of Anna from 5.1.2031" in html
