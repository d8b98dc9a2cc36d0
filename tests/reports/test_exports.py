"""The reports as files, read back: CSV (BOM, separators, decimal comma), XLSX (openpyxl), PDF
(text extraction) in each language; the command line and the API give the same figures."""

import csv
import io
import json

import openpyxl
import pytest
from pypdf import PdfReader

from rota.extensions import db
from tests.reports import history
from tests.support.feed_data import stored_token

PERIOD = {"first": "2026-03-01", "last": "2026-03-31"}
HEADINGS = {"fi": "Sitoumus (h)", "sv": "Åtagande (h)", "en": "Committed (h)"}


@pytest.fixture
def month(app, make):
    return history.build(make)


@pytest.fixture
def coordinator(month, make, login):
    return login(make.coordinator())


def _get(client, url, lang):
    client.post("/language", data={"language": lang})
    response = client.get(url, query_string=PERIOD)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_csv_opens_in_spreadsheets_in_each_language(client, coordinator, lang):
    body = _get(client, "/reports/summary.csv", lang).data
    assert body.startswith("\ufeff".encode())
    separator = "," if lang == "en" else ";"
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=separator))
    assert rows[1][1] == HEADINGS[lang]
    org_b = next(row for row in rows if row and row[0] == "Org B")
    # committed, entitled, held, covered, uncovered … call minutes
    decimal = "." if lang == "en" else ","
    assert org_b[1:6] == ["21", f"3{decimal}75", "3", "0", "3"]
    assert org_b[9] == "10" and org_b[10] == "Members split"


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_xlsx_holds_the_figures_as_numbers(client, coordinator, lang):
    body = _get(client, "/reports/summary.xlsx", lang).data
    book = openpyxl.load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["contribution", "phone_costs"]
    sheet = book["contribution"]
    assert sheet.cell(2, 2).value == HEADINGS[lang]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows["Org A"][1:4] == (31, 4.75, 6)
    assert list(book["phone_costs"].iter_rows(min_row=3, values_only=True)) == [
        ("2026-03", "Org B", "Members split", 10)
    ]


@pytest.mark.parametrize(
    ("lang", "title", "heading"),
    [
        ("fi", "Palveluraportti", "Yhteydenotot kanavittain"),
        ("sv", "Servicerapport", "Kontakter per kanal"),
        ("en", "Service report", "Contacts by channel"),
    ],
)
def test_pdf_of_the_service_report_has_the_text(client, coordinator, lang, title, heading):
    body = _get(client, "/reports/service.pdf", lang).data
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    assert title in text and heading in text
    assert "Jyväskylä" in text and "Org C" in text


def test_service_page_shows_charts_with_their_tables(client, coordinator):
    page = _get(client, "/reports/service", "en").get_data(as_text=True)
    assert page.count('role="img"') == 4
    assert "Contacts by weekday and hour" in page and '<desc id="chart-channel-desc">' in page
    assert "E-mail: Contacts 3." in page


def test_org_admin_sees_own_statement_not_anothers(client, month, make, login):
    login(make.org_admin(month.org_a))
    own = client.get(f"/reports/organisations/{month.org_a.id}", query_string=PERIOD)
    assert own.status_code == 200 and "Project pays the line" in own.get_data(as_text=True)
    other = client.get(f"/reports/organisations/{month.org_b.id}.csv", query_string=PERIOD)
    assert other.status_code == 404


def test_a_backwards_period_is_explained_on_the_page(client, coordinator):
    response = client.get("/reports", query_string={"first": "2026-03-31", "last": "2026-03-01"})
    assert response.status_code == 400
    assert "The last day must be on or after the first day" in response.get_data(as_text=True)


def _report(runner, *args):
    """Run `flask report` for March 2026 with these arguments."""
    return runner.invoke(args=["report", *args, "--from", "2026-03-01", "--to", "2026-03-31"])


def test_command_line_writes_each_format(month, runner, tmp_path):
    out = tmp_path / "summary.json"
    args = ("--org", "B", "--lang", "sv", "--format", "json", "--out", str(out))
    result = _report(runner, "contribution", *args)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["report"] == "statement-B" and data["language"] == "sv"
    assert data["tables"][0]["rows"][0][:6] == ["Org B", 21.0, 3.75, 3.0, 0.0, 3.0]
    xlsx = tmp_path / "service.xlsx"
    result = _report(runner, "service", "--format", "xlsx", "--out", str(xlsx))
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(xlsx)["channel"]
    assert sheet.cell(1, 1).value == "Yhteydenotot kanavittain"
    assert list(sheet.iter_rows(min_row=3, values_only=True)) == [("Sähköposti", 3), ("Puhelin", 1)]


def test_command_line_refuses_an_unknown_organisation(month, runner, tmp_path):
    out = str(tmp_path / "x.csv")
    result = _report(runner, "contribution", "--org", "X", "--format", "csv", "--out", out)
    assert result.exit_code == 2 and "no organisation with short name 'X'" in result.output


def _api_tables(client) -> dict:
    """The service report of March from the API, its tables by key."""
    secret = stored_token("reports:read")
    db.session.commit()
    response = client.get(
        "/api/v1/reports/service?from=2026-03-01&to=2026-03-31",
        headers={"Authorization": f"Bearer {secret}"},
    )
    return {t["key"]: t for t in response.get_json()["tables"]}


def test_api_gives_the_service_report(month, client):
    tables = _api_tables(client)
    assert tables["channel"]["rows"] == [["E-mail", 3], ["Phone", 1]]
    assert tables["first_response"]["rows"][0] == ["E-mail", 1, 30.0, 30.0]


def test_coordinator_finds_each_organisations_statement_from_the_summary(
    client, coordinator, month
):
    page = _get(client, "/reports", "en").get_data(as_text=True)
    for org in (month.org_a, month.org_b, month.org_c):
        assert f'href="/reports/organisations/{org.id}">{org.name}</a>' in page


@pytest.fixture
def rated(month):
    """Feedback asked of three of March's clients: two answered, with 5 and 2."""
    from datetime import timedelta

    from rota.reports.models import FeedbackRequest

    for n, (key, rating) in enumerate((("friday", 5), ("call", 2), ("saturday", None))):
        sent = month.contacts[key].received_at + timedelta(days=1)
        db.session.add(
            FeedbackRequest(
                contact_id=month.contacts[key].id,
                token_hash=f"{n:064d}",
                language="fi",
                sent_at=sent,
                expires_at=sent + timedelta(days=14),
                answered_at=sent if rating else None,
                rating=rating,
            )
        )
    db.session.commit()
    return month


# asked, answered, response rate (%), then answers rated 1 to 5
FEEDBACK = [3, 2, 66.7, 0, 1, 0, 0, 1]


def test_csv_and_xlsx_of_the_service_report_hold_the_client_feedback(client, coordinator, rated):
    rows = list(csv.reader(io.StringIO(_get(client, "/reports/service.csv", "en").text)))
    at = rows.index(["Client feedback"])
    assert rows[at + 1] == ["Figure", "Value"]
    assert [row[1] for row in rows[at + 2 : at + 10]] == [str(v) for v in FEEDBACK]
    assert rows[at + 4][0] == "Response rate (%)" and rows[at + 9][0] == "Rating 5"
    book = openpyxl.load_workbook(io.BytesIO(_get(client, "/reports/service.xlsx", "fi").data))
    sheet = book["feedback"]
    assert sheet.cell(1, 1).value == "Asiakaspalaute"
    assert [value for _name, value in sheet.iter_rows(min_row=3, values_only=True)] == FEEDBACK


def test_pdf_and_api_of_the_service_report_hold_the_client_feedback(client, coordinator, rated):
    body = _get(client, "/reports/service.pdf", "sv").data
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    assert "Klientrespons" in text and "Svarsfrekvens (%) 66,7" in text
    tables = _api_tables(client)
    assert [value for _name, value in tables["feedback"]["rows"]] == FEEDBACK


@pytest.mark.parametrize(("lang", "shown"), [("fi", "12,5"), ("sv", "12,5"), ("en", "12.5")])
def test_chart_figures_and_their_text_alternative_use_the_readers_decimal_sign(app, lang, shown):
    from flask_babel import force_locale

    from rota.reports.charts import bars
    from rota.reports.tables import Table

    table = Table("hours", "Hours", ["Organisation", "Hours"], [["Org A", 12.5]])
    with app.test_request_context(), force_locale(lang):
        chart = str(bars("chart-hours", table, [1], "Hours"))
    assert chart.count(shown) == 2 and "Hours 12" in chart  # the bar's label and the summary
