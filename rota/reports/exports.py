"""Reports as files: CSV (UTF-8 with BOM; `;` and a decimal comma in Finnish and Swedish), an
XLSX workbook (a sheet per table), a PDF of the printable page, and JSON."""

import csv
import io

from rota.reports.tables import Table

COMMA_LANGUAGES = frozenset({"fi", "sv"})
FORMATS = ("csv", "xlsx", "pdf", "json")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "json": "application/json",
}


def _cell(value, decimal_comma: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        text = f"{value:.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"
        return text.replace(".", ",") if decimal_comma else text
    return str(value)


def to_csv(tables: list[Table], language: str) -> bytes:
    """Every table in one CSV file, each under its title and followed by an empty line."""
    comma = language in COMMA_LANGUAGES
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if comma else ",", lineterminator="\r\n")
    for table in tables:
        writer.writerow([table.title])
        writer.writerow(table.columns)
        writer.writerows([_cell(v, comma) for v in row] for row in table.rows)
        writer.writerow([])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(tables: list[Table]) -> bytes:
    """A workbook with a sheet per table: its title, the column names in bold, then the rows
    (numbers as numbers, so spreadsheet programs can sum them)."""
    from openpyxl import Workbook  # imported when a workbook is asked for: 16 MB per worker
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(table.key[:31])
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append(table.columns)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_pdf(html: str) -> bytes:
    """The printable report page as PDF (WeasyPrint: the page's print stylesheet applies)."""
    from weasyprint import HTML  # imported when a PDF is asked for: it loads Pango

    return HTML(string=html).write_pdf()


def to_json(tables: list[Table], **about) -> dict:
    """The tables as JSON (with `about`: the period, the language …)."""
    return {
        **about,
        "tables": [
            {"key": t.key, "title": t.title, "columns": t.columns, "rows": t.rows} for t in tables
        ],
    }
