"""A chart's numbers as CSV: a header row, then a row per label, exactly as the chart shows them."""

from __future__ import annotations

import csv
import io

from factcheck.site.charts import Series, shown

# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """``text``, with a leading apostrophe when a spreadsheet would take it for a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def series_csv(series: Series) -> str:
    """The CSV text of ``series``: its axis and measure names, then each label and its values.
    Starts with a byte-order mark, so that spreadsheets read Hindi labels as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(series.axis), *(safe_cell(m.name) for m in series.measures)])
    for label, values in series.rows():
        writer.writerow([safe_cell(label), *(safe_cell(shown(value)) for value in values)])
    return "\ufeff" + out.getvalue()
