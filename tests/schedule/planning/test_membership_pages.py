"""The coordinator's pages for a ring that grows and shrinks: the what-if before a signature is
recorded, the re-plan it leads to, and the planning page's months, gaps and stranded shifts."""

from datetime import UTC, date, datetime, timedelta

import pytest

from rota.extensions import db
from rota.members.models import Signature
from rota.schedule.models import Shift, ShiftStatus
from tests.schedule.planning.helpers import WEEKDAYS, shifts


def ahead(days):
    return (date.today() + timedelta(days=days)).isoformat()


@pytest.fixture
def running(committed, make, client, login):
    """A rota generated for eight weeks, a newcomer without a signature, the coordinator."""
    agreement, big, small = committed
    make.service_hours([*WEEKDAYS, (5, 9, 12, "phone", "sv")])  # nobody speaks Swedish
    coordinator = make.coordinator()
    newcomer = make.org(name="Uusi Opisto", short_name="NEW")
    db.session.commit()
    login(coordinator)
    assert client.post("/rota/generate", data={"until": ahead(56)}).status_code == 302
    return agreement, big, small, newcomer


def signature_form(agreement_id, **overrides):
    return {
        "agreement_id": agreement_id,
        "signed_on": ahead(0),
        "signed_by_name": "Rehtori",
        "valid_from": ahead(14),
        "commitment_amount": "60",
        "commitment_unit": "hours",
        **overrides,
    }


def signatures():
    return db.session.scalar(db.select(db.func.count()).select_from(Signature))


def test_what_if_shows_the_quarter_before_and_after_and_records_nothing(running, client):
    agreement, _big, _small, newcomer = running
    before = {s.slot_key: s.organisation_id for s in shifts()}
    count = signatures()
    response = client.post(
        f"/organisations/{newcomer.id}/sign", data={**signature_form(agreement.id), "what_if": "1"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400  # the form again, with the preview
    assert "nothing recorded yet" in page and "Uusi Opisto" in page
    row = page.split('id="what-if-heading"')[1].split("Uusi Opisto")[1].split("</tr>")[0]
    assert "<td>0.0 h</td>" in row and "<td>+" in row  # it had no hours and will have some
    assert signatures() == count
    assert {s.slot_key: s.organisation_id for s in shifts()} == before


def test_withdrawal_what_if_and_refused_input_keep_everything(running, client):
    _agreement, _big, small, _newcomer = running
    signature = small.signatures[0]
    preview = client.post(
        f"/signatures/{signature.id}/withdraw",
        data={"withdrawn_on": ahead(7), "reason": "", "what_if": "1"},
    )
    assert "nothing recorded yet" in preview.get_data(as_text=True)
    db.session.expire_all()
    assert signature.withdrawn_on is None
    early = client.post(
        f"/signatures/{signature.id}/withdraw",
        data={"withdrawn_on": "2000-01-01", "reason": "", "what_if": "1"},
    )
    assert early.status_code == 400 and "before the signature starts" in early.get_data(
        as_text=True
    )


def test_recording_a_signature_leads_to_the_minimum_change_replan(running, client):
    agreement, big, small, newcomer = running
    response = client.post(f"/organisations/{newcomer.id}/sign", data=signature_form(agreement.id))
    assert response.status_code == 302 and "/rota/replan?" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert "Hours per member" in page
    summary = page.split("Hours per member")[1].split("</table>")[0]
    assert "Uusi Opisto" in summary and "−0.0 h" in summary
    assert page.index("Hours per member") < page.index("would change")


def test_planning_page_shows_months_gaps_and_shifts_of_members_no_longer_in_force(running, client):
    agreement, big, small, _newcomer = running
    from rota.members import memoranda
    from rota.schedule.planning import publishing

    now = datetime.now(UTC)
    publishing.publish_weeks(db.session, date.today(), date.today() + timedelta(56), None, now)
    memoranda.withdraw(db.session, small.signatures[0], date.today() + timedelta(21), "")
    db.session.commit()
    page = client.get("/rota/planning").get_data(as_text=True)
    assert "Service hours against the commitments in force, by month" in page
    assert "No member in force staffs this channel and language" in page  # the Swedish Saturday
    stranded = [
        s
        for s in shifts(organisation_id=small.id, status=ShiftStatus.PLANNED)
        if s.local_day >= date.today() + timedelta(21)
    ]
    assert stranded and "Shifts of members no longer in force" in page
    assert f'href="/shifts/{stranded[0].id}"' in page
    home = client.get("/").get_data(as_text=True)
    assert "Shifts of members no longer in force" in home


def test_org_admin_and_counsellor_cannot_run_a_what_if(running, client, make, login):
    agreement, big, _small, newcomer = running
    for person in (make.org_admin(newcomer), make.org_admin(big), make.counsellor(newcomer)):
        db.session.commit()
        client.post("/logout")
        login(person)
        response = client.post(
            f"/organisations/{newcomer.id}/sign",
            data={**signature_form(agreement.id), "what_if": "1"},
        )
        assert response.status_code == 403
    client.post("/logout")
    anonymous = client.post(
        f"/organisations/{newcomer.id}/sign", data={**signature_form(agreement.id), "what_if": "1"}
    )
    assert anonymous.status_code in (302, 401)
    assert db.session.scalar(db.select(db.func.count()).select_from(Shift)) > 0


@pytest.mark.parametrize("language", ("fi", "sv"))
def test_planning_pages_are_wholly_in_the_readers_language_decimal_sign_too(
    running, client, language
):
    from tests.test_i18n import leaks, stored_text

    agreement, _big, _small, newcomer = running
    client.get("/")  # the generation's message, written before the language changes
    client.post("/language", data={"language": language})
    form = signature_form(agreement.id)
    sign = f"/organisations/{newcomer.id}/sign"
    pages = {"what-if": client.post(sign, data={**form, "what_if": "1"})}
    assert client.post(sign, data=form).status_code == 302
    pages["replan"] = client.get(f"/rota/replan?first={ahead(2)}&last={ahead(56)}")
    pages["planning"] = client.get("/rota/planning")
    pages["fairness"] = client.get(f"/fairness?first={ahead(0)}&last={ahead(56)}")
    texts = {name: page.get_data(as_text=True) for name, page in pages.items()}
    assert {name: leaks(text, language, stored_text()) for name, text in texts.items()} == {
        name: [] for name in pages
    }
    assert all(",0 h" in texts[name] for name in ("what-if", "replan", "planning"))
