"""Charts drawn on the server as SVG: an image with a text alternative (its title and a summary
in words) that the page shows beside the table of the same figures (WCAG 1.1.1, 1.4.11)."""

from flask_babel import format_decimal
from markupsafe import Markup, escape

from rota.reports.tables import Table

BAR_COLOURS = ("#1f5f8b", "#b34700")  # 3:1 or more against white, and against each other
TEXT = "#1a1a1a"
LABEL_WIDTH, BAR_AREA, ROW, BAR = 220, 360, 34, 12


def _svg(chart_id: str, width: int, height: int, title: str, summary: str, body: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(summary)}</desc>{body}</svg>'
    )


def _number(value: float) -> str:
    """A figure as the reader's language writes it (12,5 in fi and sv)."""
    return format_decimal(value, format="#,##0.##")


def bars(chart_id: str, table: Table, value_columns: list[int], title: str) -> Markup:
    """Horizontal bars, one group per row of the table (its first column names it), one bar per
    value column (at most two, told apart by colour and by the legend)."""
    largest = max((row[c] or 0 for row in table.rows for c in value_columns), default=0) or 1
    legend_y = 16
    parts = []
    for i, column in enumerate(value_columns):
        x = LABEL_WIDTH + i * 180
        parts.append(
            f'<rect x="{x}" y="{legend_y - 10}" width="12" height="12" fill="{BAR_COLOURS[i]}"/>'
            f'<text x="{x + 18}" y="{legend_y}" fill="{TEXT}">{escape(table.columns[column])}</text>'
        )
    sentences = []
    for r, row in enumerate(table.rows):
        top = 30 + r * ROW
        parts.append(f'<text x="0" y="{top + 16}" fill="{TEXT}">{escape(row[0])}</text>')
        values = []
        for i, column in enumerate(value_columns):
            value = row[column] or 0
            y = top + 4 + i * (BAR + 2)
            width = round(BAR_AREA * value / largest, 1)
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR}" fill="{BAR_COLOURS[i]}"/>'
                f'<text x="{LABEL_WIDTH + width + 4}" y="{y + 10}" fill="{TEXT}" font-size="11">{_number(value)}</text>'
            )
            values.append(f"{table.columns[column]} {_number(value)}")
        sentences.append(f"{row[0]}: {', '.join(values)}.")
    height = 40 + len(table.rows) * ROW
    return _svg(
        chart_id, LABEL_WIDTH + BAR_AREA + 60, height, title, " ".join(sentences), "".join(parts)
    )


def heat_map(chart_id: str, table: Table, title: str, summary: str) -> Markup:
    """A weekday × hour grid whose cells darken with the count (the count is in each cell's
    tooltip and in the table beside it)."""
    largest = max((v for row in table.rows for v in row[1:]), default=0) or 1
    cell, left, top = 22, 48, 24
    parts = [
        f'<text x="{left + h * cell + 3}" y="16" fill="{TEXT}" font-size="10">{h:02d}</text>'
        for h in range(0, 24, 3)
    ]
    for d, row in enumerate(table.rows):
        y = top + d * cell
        parts.append(f'<text x="0" y="{y + 15}" fill="{TEXT}">{escape(row[0])}</text>')
        for h, count in enumerate(row[1:]):
            shade = round(245 - 200 * count / largest)
            parts.append(
                f'<rect x="{left + h * cell}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                f'fill="rgb({shade},{shade + 5 if shade < 250 else shade},250)" stroke="#6b6b6b" stroke-width="0.5">'
                f"<title>{escape(row[0])} {h:02d}: {count}</title></rect>"
            )
    return _svg(chart_id, left + 24 * cell, top + 7 * cell + 4, title, summary, "".join(parts))
