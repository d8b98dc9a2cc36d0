"""The memorandum's life cycle: a new version with a grace period, who has signed it, reminders
once per stage, and the signed copy (PDF) only the coordinator and that organisation may read."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from rota.extensions import db
from rota.jobs import scheduler as jobs
from rota.members import lifecycle, memoranda
from rota.members.models import SignedCopy
from rota.members.service import members_in_force
from rota.outbox.models import OutboxMessage

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def version_two(ring, make):
    """Memorandum v2 takes effect on 1 June 2026 with 30 days' grace; Org A signed it from
    15 June, Org B has not. Org B's admin reads Swedish."""
    agreement = memoranda.create_agreement(
        db.session,
        title="Memorandum",
        version_label="v2",
        effective_from=date(2026, 6, 1),
        grace_days=30,
    )
    make.signature(ring.org_a, agreement, valid_from=date(2026, 6, 15))
    ring.admin_b.locale = "sv"
    db.session.commit()
    return agreement


def members(day):
    return {m.organisation.name for m in members_in_force(db.session, day)}


def test_a_new_version_lets_earlier_signatures_count_through_the_grace_period(ring, version_two):
    assert members(date(2026, 5, 31)) == {"Org A", "Org B"}
    assert members(date(2026, 6, 30)) == {"Org A", "Org B"}
    assert members(date(2026, 7, 1)) == {"Org A"}
    assert ring.agreement.counts_until == date(2026, 6, 30)


def test_the_version_lists_who_has_signed_and_who_has_not(ring, version_two, client, login):
    rows = lifecycle.signing_status(db.session, version_two, date(2026, 6, 5))
    by_name = {r.organisation.name: r for r in rows}
    assert by_name["Org A"].signature is not None and by_name["Org A"].counts_until is None
    assert by_name["Org B"].signature is None
    assert by_name["Org B"].counts_until == date(2026, 6, 30)
    login(ring.admin_a)
    html = client.get(f"/agreements/{version_two.id}").get_data(as_text=True)
    assert (
        "Who has signed" in html and "Not signed (the earlier signature: until 30/06/2026)" in html
    )


def reminders():
    query = select(OutboxMessage).where(OutboxMessage.kind == "memorandum-reminder")
    return sorted((m.recipients[0], m.subject) for m in db.session.scalars(query))


def test_admins_are_reminded_once_per_stage(app, ring, version_two, smtp_sink):
    jobs.run_job("memorandum", now=datetime(2026, 6, 5, 6, tzinfo=UTC))
    sent = reminders()
    assert [to for to, _subject in sent] == [ring.admin_b.email] * 2
    subjects = " | ".join(subject for _to, subject in sent)
    assert "väntar på er underskrift" in subjects and "upphör snart" in subjects
    received = smtp_sink.wait_for(2)
    assert all(m.rcpt_tos == (ring.admin_b.email,) for m in received)
    assert "30 juni 2026" in received[0].message.get_content()
    jobs.run_job("memorandum", now=datetime(2026, 6, 5, 7, tzinfo=UTC))
    jobs.run_job("memorandum", now=datetime(2026, 6, 20, 6, tzinfo=UTC))
    assert reminders() == sent


def test_a_signature_ending_is_reminded_only_within_the_lead_time(ring, make):
    make.signature(
        make.org_admin(make.org(name="Org C")).organisation,
        ring.agreement,
        valid_until=date(2026, 9, 30),
    )
    db.session.commit()
    jobs.run_job("memorandum", now=datetime(2026, 8, 30, 6, tzinfo=UTC))
    assert reminders() == []
    jobs.run_job("memorandum", now=datetime(2026, 8, 31, 6, tzinfo=UTC))
    assert len(reminders()) == 1 and "ends soon" in reminders()[0][1]


def upload(client, signature_id, data, name="signed.pdf"):
    from io import BytesIO

    return client.post(
        f"/signatures/{signature_id}/copy",
        data={"copy": (BytesIO(data), name)},
        content_type="multipart/form-data",
    )


@pytest.fixture
def signature_a(ring):
    return ring.org_a.signatures[0]


def test_the_organisations_admin_attaches_the_pdf_and_the_coordinator_downloads_it(
    ring, signature_a, client, login
):
    login(ring.admin_a)
    response = upload(client, signature_a.id, PDF)
    assert response.status_code == 303
    assert "signed.pdf" in client.get(f"/organisations/{ring.org_a.id}").get_data(as_text=True)
    client.post("/logout")
    login(ring.coordinator)
    download = client.get(f"/signatures/{signature_a.id}/copy")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.mimetype == "application/pdf"


@pytest.mark.parametrize("who", ["admin_b", "anna"])
def test_nobody_else_reads_the_signed_copy(ring, signature_a, client, login, who):
    login(ring.admin_a)
    upload(client, signature_a.id, PDF)
    client.post("/logout")
    login(getattr(ring, who))
    expected = 404 if who == "admin_b" else 403
    assert client.get(f"/signatures/{signature_a.id}/copy").status_code == expected
    assert upload(client, signature_a.id, PDF).status_code == expected


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"GIF89a not a pdf", "signed.pdf", "The file is not a PDF"),
        (PDF, "signed.exe", "The file is not a PDF"),
        (PDF + b"x" * 2048, "signed.pdf", "at most 0.0 MB fit"),
    ],
)
def test_a_bad_file_is_refused_saying_what_to_do(
    app, ring, signature_a, client, login, data, name, message
):
    app.config["SIGNED_COPY_MAX_BYTES"] = 1024
    login(ring.admin_a)
    response = upload(client, signature_a.id, data, name)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert message in page
    assert db.session.scalars(select(SignedCopy)).all() == []


@pytest.mark.parametrize(
    ("lang", "shown"), [("fi", "(2,6 kt)"), ("sv", "(2,6 kB)"), ("en", "(2.6 kB)")]
)
def test_the_signed_copys_size_is_written_in_the_readers_number_format(
    ring, signature_a, client, login, lang, shown
):
    login(ring.admin_a)
    upload(client, signature_a.id, PDF.ljust(2_600, b"\n"))
    page = client.get(f"/organisations/{ring.org_a.id}", headers={"Accept-Language": lang})
    assert shown in page.get_data(as_text=True)
