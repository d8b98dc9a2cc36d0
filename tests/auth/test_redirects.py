"""Open redirects: `next` after sign-in and after the language switch stays on this site."""

from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rota.auth.redirects import local_path
from tests.factories import PASSWORD

OFF_SITE = [
    "/%09/evil.example/",
    "/%0A/evil.example/",
    "/%0d/evil.example/",
    "//evil.example/x",
    "/%5Cevil.example/",
    "%20//evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "/profile%0D%0ASet-Cookie:%20x=1",
]


@pytest.mark.parametrize("raw_next", OFF_SITE)
def test_sign_in_never_redirects_off_site_and_never_fails(app, client, make, raw_next):
    user = make.counsellor()
    data = {"email": user.email, "password": PASSWORD}
    response = client.post(f"/login?next={raw_next}", data=data)
    assert response.status_code == 302
    assert response.location == "/"


@pytest.mark.parametrize("raw_next", OFF_SITE)
def test_language_switch_never_redirects_off_site(app, client, raw_next):
    from urllib.parse import unquote

    response = client.post("/language", data={"language": "sv", "next": unquote(raw_next)})
    assert response.status_code == 302
    assert response.location == "/"


def test_local_paths_with_a_query_are_kept(app, client, make):
    user = make.counsellor()
    data = {"email": user.email, "password": PASSWORD}
    response = client.post("/login?next=%2Frota%3Fday%3D2026-03-30", data=data)
    assert response.location == "/rota?day=2026-03-30"
    again = client.post("/language", data={"language": "fi", "next": "/contacts?mine=1"})
    assert again.location == "/contacts?mine=1"


def _as_a_browser_reads_it(target: str) -> str:
    """What a browser makes of a Location: tabs and line breaks dropped, \\ read as /."""
    cleaned = "".join(ch for ch in target if ch not in "\t\n\r").strip("\x00 ")
    return cleaned.replace("\\", "/")


@given(st.text(alphabet=st.sampled_from("/\\.:@ \t\n\r%?#ae\x00\x7fä"), max_size=12))
def test_whatever_is_accepted_stays_on_this_site(target):
    accepted = local_path(target)
    if accepted is None:
        return
    seen = urlsplit(_as_a_browser_reads_it(accepted))
    assert not seen.scheme and not seen.netloc and seen.path.startswith("/")
