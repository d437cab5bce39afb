"""The staff dashboard: each chart counts what the database holds, its CSV says the same, the page
draws it (or says in words that there is nothing to draw), and only staff see any of it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup

from factcheck.site import charts, dashboard
from factcheck.site.buckets import last_periods, offset_changes
from factcheck.site.chart_csv import safe_cell, series_csv
from tests.site.conftest import KEYS, NOW, TODAY, Desk, monday, set_times

# -- what each chart should say, computed here from what the test wrote --------------------------


def expected_per_day(desk: Desk) -> dict[str, int]:
    days = [TODAY - dt.timedelta(days=back) for back in range(29, -1, -1)]
    counts = Counter(t.date() for t in desk.filed)
    return {day.isoformat(): counts.get(day, 0) for day in days}


def expected_queue(desk: Desk) -> dict[str, int]:
    counts = Counter(desk.states)
    return {state: counts.get(state, 0) for state in ("submitted", "researching", "in_review", "approved")}


def expected_times(desk: Desk) -> dict[str, tuple[float | None, float | None]]:
    weeks = [monday(TODAY) - dt.timedelta(weeks=back) for back in range(11, -1, -1)]
    hours: dict[dt.date, list[float]] = {week: [] for week in weeks}
    for filed, published in desk.published:
        week = monday(published.date())
        if week in hours:
            hours[week].append((published - filed).total_seconds() / 3600)

    def p90(values: list[float]) -> float:
        return values[0] if len(values) == 1 else statistics.quantiles(values, n=10, method="inclusive")[8]

    return {week.isoformat(): (round(statistics.median(v), 1), round(p90(v), 1)) if v else (None, None)
            for week, v in hours.items()}


def expected_domains(desk: Desk) -> list[tuple[str, int]]:
    since = dt.datetime.combine(TODAY - dt.timedelta(days=29), dt.time(), tzinfo=dt.UTC)
    claims_per_domain: dict[str, set[int]] = {}
    for claim_id, domain, filed in desk.domains:
        if filed >= since:
            claims_per_domain.setdefault(domain, set()).add(claim_id)
    ranked = sorted(((domain, len(ids)) for domain, ids in claims_per_domain.items()), key=lambda d: (-d[1], d[0]))
    return ranked[:10]


def expected_verdicts(desk: Desk) -> dict[str, int]:
    counts = Counter(desk.verdicts)
    return {name: counts.get(name, 0) for name in ("False", "Misleading", "Partly false", "Missing context",
                                                   "Unproven", "True")}


REASONS = {("http_error", 404): "the page was not found", ("http_error", 410): "the page was not found",
           ("http_error", 503): "the site had an error", ("http_error", 403): "the site refused access",
           ("timeout", None): "the site took too long to answer",
           ("blocked_address", None): "this address cannot be archived",
           ("too_large", None): "the page is too large to archive",
           ("connection_error", None): "could not connect to the site"}


def expected_failures(desk: Desk) -> dict[str, int]:
    since = dt.datetime.combine(TODAY - dt.timedelta(days=29), dt.time(), tzinfo=dt.UTC)
    return dict(Counter(REASONS[kind, status] for kind, status, at in desk.failures if at >= since))


def build(app: Any, key: str, now: dt.datetime = NOW, zone: dt.tzinfo = dt.UTC) -> charts.Series:
    with app.test_request_context():
        return charts.CHARTS[key](now, zone)


# -- the series ----------------------------------------------------------------------------------


def test_each_chart_counts_what_the_database_holds(app, desk):
    per_day = build(app, "filed-per-day")
    assert dict(zip(per_day.keys, per_day.values, strict=True)) == expected_per_day(desk)
    assert per_day.labels == per_day.keys and len(per_day.ticks) == 30

    queue = build(app, "queue-by-state")
    assert dict(zip(queue.keys, queue.values, strict=True)) == expected_queue(desk) == {
        "submitted": 13, "researching": 2, "in_review": 1, "approved": 1}
    assert queue.labels == ("submitted", "researching", "in review", "approved")

    times = build(app, "time-to-publication")
    medians, p90s = (measure.values for measure in times.measures)
    assert dict(zip(times.keys, zip(medians, p90s, strict=True), strict=True)) == expected_times(desk)
    assert sum(value is not None for value in medians) >= 2, "the test data spans several weeks"

    domains = build(app, "top-domains")
    assert list(zip(domains.labels, domains.values, strict=True)) == expected_domains(desk)
    assert domains.labels[0] == "news.example.in"
    assert dict(zip(domains.labels, domains.values, strict=True))["viral.example.com"] == 2, "www. and all"


    verdicts = build(app, "verdicts")
    assert dict(zip(verdicts.keys, verdicts.values, strict=True)) == expected_verdicts(desk)
    assert dict(zip(verdicts.keys, verdicts.values, strict=True))["Unproven"] == 0, "corrected to Missing context"

    failures = build(app, "capture-failures")
    assert dict(zip(failures.labels, failures.values, strict=True)) == expected_failures(desk)
    assert list(failures.values) == sorted(failures.values, reverse=True)
    assert failures.labels[0] == "the page was not found" and "blocked_address" not in "".join(failures.labels)


def test_csv_downloads_equal_the_series(app, desk, browser, make_user, monkeypatch):
    monkeypatch.setattr(dashboard, "desk_now", lambda: NOW)
    staff = browser(make_user("staff"))
    for key in KEYS:
        response = staff.get(f"/dashboard/{key}.csv")
        assert response.status_code == 200, key
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.headers["Content-Disposition"] == f'attachment; filename="{key}-{TODAY.isoformat()}.csv"'
        rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
        series = build(app, key)
        assert rows[0] == [series.axis, *(m.name for m in series.measures)]
        assert [row[0] for row in rows[1:]] == list(series.labels)
        for n, measure in enumerate(series.measures, start=1):
            assert [float(row[n]) if row[n] else None for row in rows[1:]] == list(measure.values), key
    failures = list(csv.reader(io.StringIO(
        staff.get("/dashboard/capture-failures.csv").get_data().decode("utf-8-sig"))))
    assert {row[0]: int(row[1]) for row in failures[1:]} == expected_failures(desk)


def test_csv_cells_never_start_a_formula():
    for text in ("=HYPERLINK(\"http://evil.example\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("news.example.in") == "news.example.in"
    hostile = charts.Series(key="k", title="t", unit="u", axis="=axis", keys=("a", "b"), labels=("=1+1", "ok"),
                            ticks=("=1+1", "ok"), measures=(charts.Measure("@m", (-3, 2.25)),), empty="")
    text = series_csv(hostile)
    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text[1:]))) == [["'=axis", "'@m"], ["'=1+1", "'-3"], ["ok", "2.2"]]


def test_the_page_draws_every_chart(app, desk, browser, make_user, monkeypatch):
    monkeypatch.setattr(dashboard, "desk_now", lambda: NOW)
    page = BeautifulSoup(browser(make_user("staff")).get("/dashboard").get_data(as_text=True), "html.parser")
    for key in KEYS:
        series = build(app, key)
        section = page.find(id=f"chart-{key}")
        assert section is not None, key
        assert section.h2.get_text() == series.title
        svg = section.find("svg", class_="chart")
        bars = svg.find_all("rect", class_="bar")
        drawn = [value for measure in series.measures for value in measure.values if value is not None]
        assert len(bars) == len(drawn) == int(svg["data-bars"]), key
        assert svg.title.get_text() == series.title and svg.desc.get_text()
        assert svg["role"] == "img"
        # The numbers are written beside the bars, and in the table.
        assert sorted(t.get_text() for t in svg.find_all("text", class_="value") if "none" not in t["class"]) == \
            sorted(charts.shown(value) for value in drawn)
        cells = [[td.get_text() for td in tr.find_all("td")] for tr in section.table.tbody.find_all("tr")]
        assert [row[0] for row in cells] == list(series.labels)
        assert section.find("a", href=f"/dashboard/{key}.csv")
        assert "style" not in str(svg), "the CSP allows no inline styles"
    # The longest bar is the largest value; the others are in proportion.
    per_day = page.find(id="chart-filed-per-day").find_all("rect", class_="bar")
    widths = [float(bar["width"].rstrip("%")) for bar in per_day]
    values = build(app, "filed-per-day").values
    assert widths.index(max(widths)) == list(values).index(max(values))
    assert all(abs(w / max(widths) - v / max(values)) < 0.001 for w, v in zip(widths, values, strict=True))
    assert "blocked_address" not in str(page) and "in_review<" not in str(page)


def test_an_empty_desk_is_said_in_words(browser, make_user):
    response = browser(make_user("staff")).get("/dashboard")
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert page.find("svg", class_="chart") is None
    said = [p.get_text() for p in page.find_all("p", class_="chart-empty")]
    assert said == ["No claims filed in the last 30 days.", "No claim is waiting: the queue is empty.",
                    "No fact-check published in the last 12 weeks.", "No links filed in the last 30 days.",
                    "No fact-check has been published yet.", "No capture failed in the last 30 days."]
    assert len(page.select(".chart-download a")) == 6
    staff_csv = browser(make_user("staff")).get("/dashboard/top-domains.csv").get_data().decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(staff_csv))) == [["Domain", "Claims"]]


@pytest.mark.parametrize("role", ["volunteer", "reviewer"])
def test_only_staff_see_the_dashboard_and_its_numbers(browser, make_user, role):
    other = browser(make_user(role))
    assert other.get("/dashboard").status_code == 403
    for key in [*KEYS, "no-such-chart"]:
        assert other.get(f"/dashboard/{key}.csv").status_code == 403
    assert browser(None).get("/dashboard/verdicts.csv").status_code in (302, 401)
    assert browser(make_user("staff")).get("/dashboard/no-such-chart.csv").status_code == 404


def test_the_page_speaks_hindi(browser, make_user, make_claim):
    make_claim("one", urls=("https://example.com/a",))
    session = browser(make_user("staff"))
    session.get("/language/hi")
    page = session.get("/dashboard").get_data(as_text=True)
    assert '<html lang="hi">' in page
    ticks = BeautifulSoup(page, "html.parser").find(id="chart-filed-per-day").find_all("text", class_="tick")
    weekdays = {"सोम", "मंगल", "बुध", "गुरु", "शुक्र", "शनि", "रवि"}
    assert len(ticks) == 30 and all(tick.get_text().split()[0] in weekdays for tick in ticks)


# -- days and weeks in a time zone -----------------------------------------------------------------


def test_days_are_counted_where_the_desk_is(app, make_claim):
    """Claims filed around local midnight land on the local day, daylight saving included."""
    kolkata, new_york = ZoneInfo("Asia/Kolkata"), ZoneInfo("America/New_York")
    now = dt.datetime(2024, 3, 20, 12, tzinfo=dt.UTC)
    moments = [dt.datetime(2024, 3, 9, 18, 29, tzinfo=dt.UTC), dt.datetime(2024, 3, 9, 18, 30, tzinfo=dt.UTC),
               # New York moves to summer time at 07:00 UTC on 10 March 2024.
               dt.datetime(2024, 3, 10, 4, 59, tzinfo=dt.UTC), dt.datetime(2024, 3, 10, 5, 0, tzinfo=dt.UTC),
               dt.datetime(2024, 3, 11, 3, 59, tzinfo=dt.UTC), dt.datetime(2024, 3, 11, 4, 0, tzinfo=dt.UTC),
               dt.datetime(2024, 2, 20, 4, 59, tzinfo=dt.UTC)]
    for moment in moments:
        set_times(app, make_claim("around midnight").id, moment)
    for zone in (dt.UTC, kolkata, new_york):
        series = build(app, "filed-per-day", now, zone)
        counts = Counter(moment.astimezone(zone).date().isoformat() for moment in moments)
        window = last_periods(now, "day", 30, zone)
        expected = {day.isoformat(): counts.get(day.isoformat(), 0) for day in window.starts}
        assert dict(zip(series.keys, series.values, strict=True)) == expected, zone
    assert dict(zip(build(app, "filed-per-day", now, new_york).keys,
                    build(app, "filed-per-day", now, new_york).values, strict=True))["2024-03-10"] == 2


def test_offsets_change_where_the_zone_says():
    new_york = ZoneInfo("America/New_York")
    since, until = dt.datetime(2024, 3, 1, 5, tzinfo=dt.UTC), dt.datetime(2024, 11, 15, 5, tzinfo=dt.UTC)
    assert offset_changes(new_york, since, until) == (
        (dt.datetime(2024, 3, 10, 7, tzinfo=dt.UTC), -5 * 3600),
        (dt.datetime(2024, 11, 3, 6, tzinfo=dt.UTC), -4 * 3600),
        (None, -5 * 3600))
    assert offset_changes(ZoneInfo("Asia/Kolkata"), since, until) == ((None, 19800),)
    window = last_periods(dt.datetime(2024, 3, 20, 20, tzinfo=dt.UTC), "week", 12, ZoneInfo("Asia/Kolkata"))
    assert window.starts[-1] == dt.date(2024, 3, 18) and window.starts[0] == dt.date(2024, 1, 1)
    assert window.since == dt.datetime(2023, 12, 31, 18, 30, tzinfo=dt.UTC)
    assert window.until == dt.datetime(2024, 3, 24, 18, 30, tzinfo=dt.UTC)


def test_percentiles_interpolate_like_postgresql():
    values = [5.0, 30.0, 2.5, 50.0, 1.0, 8.0]
    assert charts.percentile(values, 0.5) == statistics.median(values)
    assert charts.percentile(values, 0.9) == pytest.approx(statistics.quantiles(values, n=10, method="inclusive")[8])
    assert charts.percentile([7.0], 0.9) == 7.0


def test_zero_counts_are_nothing_to_draw_but_zero_hours_are_a_measurement():
    def series(*values: float | None) -> charts.Series:
        return charts.Series(key="k", title="t", unit="u", axis="a", keys=("x",) * len(values),
                             labels=("x",) * len(values), ticks=("x",) * len(values),
                             measures=(charts.Measure("m", values),), empty="nothing")

    assert series(0, 0).is_empty and series(None, None).is_empty
    assert not series(0, 1).is_empty and not series(None, 0.0).is_empty
