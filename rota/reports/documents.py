"""A report as a document: its title, period, tables and the charts drawn from them; and the
document as a file. Pages, exports, the command line, the API and the monthly mail use these."""

import json
from dataclasses import dataclass, field
from datetime import date

from flask import render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.orm import Session

from rota.members.models import Organisation
from rota.reports import charts, exports, service
from rota.reports.service import ReportSettings
from rota.reports.tables import Table, contribution_table, phone_cost_table, service_tables


@dataclass
class Document:
    """A report of a period: `kind` is summary, statement or service."""

    kind: str
    title: str
    first: date
    last: date
    tables: list[Table]
    charts: dict[str, Markup] = field(default_factory=dict)  # table key → its chart

    @property
    def filename(self) -> str:
        return f"{self.kind}-{self.first.isoformat()}-{self.last.isoformat()}"


def _contribution_chart(table: Table) -> Markup:
    return charts.bars("chart-contribution", table, [1, 3], str(_l("Committed and held hours")))


def ring_summary(session: Session, first: date, last: date, settings: ReportSettings) -> Document:
    """Every member's contribution in one table, and the phone costs by payer."""
    rows = service.contribution(session, first, last, settings)
    table = contribution_table(rows)
    costs = phone_cost_table(service.phone_costs(session, first, last, settings))
    title = str(_l("Ring summary"))
    return Document(
        "summary", title, first, last, [table, costs], {table.key: _contribution_chart(table)}
    )


def statement(
    session: Session, first: date, last: date, settings: ReportSettings, org: Organisation
) -> Document:
    """One organisation's contribution statement and its phone costs."""
    rows = service.contribution(session, first, last, settings, org.id)
    table = contribution_table(rows)
    costs = phone_cost_table(service.phone_costs(session, first, last, settings, org.id))
    title = str(_l("Contribution statement: %(name)s", name=org.name))
    doc = Document(
        "statement", title, first, last, [table, costs], {table.key: _contribution_chart(table)}
    )
    doc.kind = f"statement-{org.short_name}"
    return doc


def service_document(
    session: Session, first: date, last: date, settings: ReportSettings
) -> Document:
    """The service report: contacts split every way, response times, calls, referrals."""
    report = service.service_report(session, first, last, settings)
    tables = service_tables(report)
    by_key = {t.key: t for t in tables}
    drawn = {
        "channel": charts.bars("chart-channel", by_key["channel"], [1], by_key["channel"].title),
        "weeks": charts.bars("chart-weeks", by_key["weeks"], [1], by_key["weeks"].title),
        "heat_map": charts.heat_map(
            "chart-heat",
            by_key["heat_map"],
            by_key["heat_map"].title,
            str(
                _l(
                    "%(total)s contacts; the table below gives the count of every hour.",
                    total=report.total,
                )
            ),
        ),
        "first_response": charts.bars(
            "chart-response", by_key["first_response"], [2, 3], by_key["first_response"].title
        ),
    }
    return Document("service", str(_l("Service report")), first, last, tables, drawn)


def as_file(doc: Document, fmt: str, language: str) -> bytes:
    """The document in a file format (csv, xlsx, pdf, json), in the current language."""
    if fmt == "csv":
        return exports.to_csv(doc.tables, language)
    if fmt == "xlsx":
        return exports.to_xlsx(doc.tables)
    if fmt == "pdf":
        return exports.to_pdf(render_template("reports/document.html", doc=doc, language=language))
    about = {
        "report": doc.kind,
        "from": doc.first.isoformat(),
        "to": doc.last.isoformat(),
        "language": language,
    }
    return json.dumps(exports.to_json(doc.tables, **about), ensure_ascii=False).encode("utf-8")
