"""Swap requests: asked on the shift page, answered by the other side, approved by the coordinator
where the ring says so; each step in the shifts' history and mailed; every route and role."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from rota.errors import DomainError
from rota.extensions import db
from rota.outbox.models import OutboxMessage
from rota.schedule import coverage, swaps
from rota.schedule.models import SwapRequest, SwapStatus
from tests import factories

NOW = datetime(2031, 3, 20, 8, tzinfo=UTC)


@pytest.fixture
def pair(ring, make):
    """Aino's shift of Org A on Monday 31 March 2031 and Bert's of Org B on the Tuesday."""
    mine = make.shift(ring.org_a, start="2031-03-31T09:00", counsellor=ring.aino)
    theirs = make.shift(ring.org_b, start="2031-04-01T09:00", counsellor=ring.bert)
    db.session.commit()
    return mine, theirs


def settings(approval=False):
    return swaps.SwapSettings(factories.mail_settings(), needs_approval=approval)


def ask(ring, pair, actor=None, counter=True):
    mine, theirs = pair
    return swaps.ask_swap(
        db.session,
        mine.id,
        actor or ring.aino,
        counter_shift_id=theirs.id if counter else 0,
        to_organisation_id=0 if counter else ring.org_b.id,
        note="Family day",
        now=NOW,
        settings=settings(),
    )


def mailed(kind):
    query = select(OutboxMessage).where(OutboxMessage.kind == kind)
    return sorted(m.recipients[0] for m in db.session.scalars(query))


def kinds(shift):
    return [c.kind for c in coverage.history(db.session, shift)]


def test_asked_on_the_shift_page_accepted_by_the_other_side_and_swapped(ring, pair, client, login):
    mine, theirs = pair
    login(ring.aino)
    assert "Ask to swap or give away" in client.get(f"/shifts/{mine.id}").get_data(as_text=True)
    response = client.post(
        f"/shifts/{mine.id}/swap",
        data={"counter_shift_id": theirs.id, "to_organisation_id": 0, "note": "Family day"},
    )
    assert response.status_code == 302
    assert mailed("swap") == sorted([ring.admin_b.email, ring.bert.email])
    client.post("/logout")
    login(ring.admin_b)
    page = client.get("/swaps").get_data(as_text=True)
    assert "Family day" in page and "Accept" in page
    [swap] = db.session.scalars(select(SwapRequest)).all()
    assert client.post(f"/swaps/{swap.id}/accept").status_code == 302
    db.session.expire_all()
    assert (mine.organisation_id, mine.counsellor_id) == (ring.org_b.id, ring.bert.id)
    assert (theirs.organisation_id, theirs.counsellor_id) == (ring.org_a.id, ring.aino.id)
    assert kinds(mine) == ["swap_ask", "swap_accept", "swap"]
    assert swap.status == SwapStatus.DONE
    handover = mailed("handover")
    for person in (ring.admin_a, ring.admin_b, ring.aino, ring.bert):
        assert person.email in handover
    html = client.get(f"/shifts/{mine.id}").get_data(as_text=True)
    assert "Swap asked" in html and "Swapped" in html


def test_where_the_ring_asks_for_approval_the_coordinator_decides(ring, pair):
    mine, theirs = pair
    swap = ask(ring, pair)
    swaps.answer_swap(db.session, swap.id, ring.bert, accept=True, now=NOW, settings=settings(True))
    assert swap.status == SwapStatus.ACCEPTED and mine.organisation_id == ring.org_a.id
    assert ring.coordinator.email in mailed("swap")
    swaps.decide_swap(
        db.session, swap.id, ring.coordinator, approve=True, now=NOW, settings=settings(True)
    )
    assert swap.status == SwapStatus.DONE and mine.organisation_id == ring.org_b.id
    assert kinds(theirs) == ["swap_ask", "swap_accept", "swap"]


def test_the_coordinator_refuses_and_both_sides_hear(ring, pair):
    mine, _theirs = pair
    swap = ask(ring, pair)
    swaps.answer_swap(
        db.session, swap.id, ring.admin_b, accept=True, now=NOW, settings=settings(True)
    )
    swaps.decide_swap(
        db.session, swap.id, ring.coordinator, approve=False, now=NOW, settings=settings(True)
    )
    assert swap.status == SwapStatus.REFUSED and mine.organisation_id == ring.org_a.id
    assert {ring.aino.email, ring.admin_a.email, ring.admin_b.email} <= set(mailed("swap"))
    assert kinds(mine)[-1] == "swap_refuse"


def test_a_shift_given_away_and_declined_stays_and_the_asker_hears(ring, pair):
    mine, _theirs = pair
    swap = ask(ring, pair, actor=ring.admin_a, counter=False)
    assert swap.counter_shift is None and swap.to_organisation_id == ring.org_b.id
    swaps.answer_swap(db.session, swap.id, ring.admin_b, accept=False, now=NOW, settings=settings())
    assert swap.status == SwapStatus.DECLINED and mine.organisation_id == ring.org_a.id
    assert ring.admin_a.email in mailed("swap")
    assert kinds(mine) == ["swap_ask", "swap_decline"]


def test_a_shift_given_away_and_accepted_goes_without_its_counsellor(ring, pair):
    mine, _theirs = pair
    swap = ask(ring, pair, actor=ring.admin_a, counter=False)
    swaps.answer_swap(db.session, swap.id, ring.admin_b, accept=True, now=NOW, settings=settings())
    assert (mine.organisation_id, mine.counsellor_id) == (ring.org_b.id, None)


def test_bad_requests_say_what_to_do(ring, pair):
    swap = ask(ring, pair)
    with pytest.raises(DomainError, match="already has an open swap request"):
        ask(ring, pair)
    swaps.cancel_swap(db.session, swap.id, ring.aino, now=NOW, settings=settings())
    with pytest.raises(DomainError, match="answered already"):
        swaps.answer_swap(db.session, swap.id, ring.bert, accept=True, now=NOW, settings=settings())
    with pytest.raises(DomainError, match="another member organisation"):
        swaps.ask_swap(
            db.session,
            pair[0].id,
            ring.admin_a,
            counter_shift_id=0,
            to_organisation_id=ring.org_a.id,
            note="",
            now=NOW,
            settings=settings(),
        )


# who gets what on each route: anonymous, coordinator, Org A's admin, Aino (asker, named on the
# shift), Anna (Org A, not named), Org B's admin, Bert (named on the counter shift)
WHO = ("anon", "coordinator", "admin_a", "aino", "anna", "admin_b", "bert")
ROUTES = {
    "ask": dict(zip(WHO, (302, 403, 302, 302, 404, 404, 404), strict=True)),
    "accept": dict(zip(WHO, (302, 403, 404, 404, 404, 302, 302), strict=True)),
    "decline": dict(zip(WHO, (302, 403, 404, 404, 404, 302, 302), strict=True)),
    "approve": dict(zip(WHO, (302, 302, 403, 403, 403, 403, 403), strict=True)),
    "refuse": dict(zip(WHO, (302, 302, 403, 403, 403, 403, 403), strict=True)),
    "cancel": dict(zip(WHO, (302, 302, 302, 302, 404, 404, 404), strict=True)),
    "list": dict(zip(WHO, (302, 200, 200, 200, 200, 200, 200), strict=True)),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("route", ROUTES)
def test_permissions_of_every_swap_route_for_every_role(app, ring, pair, client, login, route, who):
    mine, theirs = pair
    app.config["SWAP_NEEDS_APPROVAL"] = route in ("approve", "refuse")
    swap = None
    if route != "ask":
        swap = ask(ring, pair)
        if route in ("approve", "refuse"):
            swaps.answer_swap(
                db.session, swap.id, ring.bert, accept=True, now=NOW, settings=settings(True)
            )
        db.session.commit()
    before = swap and swap.status
    if who != "anon":
        login(getattr(ring, who))
    if route == "ask":
        data = {"counter_shift_id": theirs.id, "to_organisation_id": 0, "note": ""}
        response = client.post(f"/shifts/{mine.id}/swap", data=data)
    elif route == "list":
        response = client.get("/swaps")
    else:
        response = client.post(f"/swaps/{swap.id}/{route}")
    assert response.status_code == ROUTES[route][who]
    if who != "anon" and response.status_code == 302 and swap is not None:
        db.session.expire_all()
        assert db.session.get(SwapRequest, swap.id).status != before  # the step was taken
