"""The contact page's content is kept by the worker with holes for the CSRF token: each session
is shown its own in every form of the page (the forms' own hidden fields and the "Called back"
buttons alike), and the forms work."""

import re

import pytest

from rota.contacts.models import Call
from rota.templating import CSRF_HOLE
from tests.auth.test_csrf import _sign_in

TOKEN = re.compile(r'name="csrf_token"[^>]* value="([^"]+)"')


@pytest.fixture
def app_config(app_config):
    """CSRF on, and a time limit far longer than any test: the second view is the kept one."""
    return {**app_config, "WTF_CSRF_ENABLED": True, "HOT_CACHE_SECONDS": 3600}


def _tokens(client, contact_id: int) -> set[str]:
    """The CSRF tokens of every form of the contact page (rendered in its own app context as on
    a real server: the test's would keep the first token made in `g`)."""
    with client.application.app_context():
        page = client.get(f"/contacts/{contact_id}").get_data(as_text=True)
    assert CSRF_HOLE not in page
    assert 'action="/calls/' in page  # the "Called back" button is there
    return set(TOKEN.findall(page))


@pytest.fixture
def callback(make, call_to_return) -> Call:
    """A counsellor's contact with a missed call to return."""
    return call_to_return(make.contact("Soittopyyntö", owner=make.counsellor()))


def test_a_kept_contact_page_carries_each_session_its_own_token(app, client, callback):
    contact, other = callback.contact, app.test_client()
    for each in (client, other):
        _sign_in(each, contact.owner)
    first = _tokens(client, contact.id)
    second = _tokens(other, contact.id)  # the content kept from the first session's view
    assert len(first) == 1 and len(second) == 1  # every form of a page: the session's token
    assert _tokens(client, contact.id) != second
    (token,) = second
    note = other.post(
        f"/contacts/{contact.id}/note", data={"text": "Muistiin", "csrf_token": token}
    )
    assert note.status_code == 302, note.get_data(as_text=True)
    back = other.post(f"/calls/{callback.id}/called-back", data={"csrf_token": token})
    assert back.status_code == 302
