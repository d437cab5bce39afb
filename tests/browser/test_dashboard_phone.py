"""The dashboard on a 390 px phone: every chart drawn and readable, nothing wider than the screen.

(Here rather than in tests/site: a second session-wide Playwright, from another folder's fixtures,
cannot start while this folder's runs.)
"""

from __future__ import annotations

import pytest

from tests.browser.test_phone import login, no_horizontal_scroll
from tests.site.conftest import KEYS, desk  # noqa: F401 - a fixture

pytestmark = pytest.mark.browser


def test_the_dashboard_fits_a_phone(server, phone, desk, make_user, tmp_path):  # noqa: F811
    staff = make_user("staff")
    page = phone()
    login(page, server, staff.email)
    page.goto(f"{server}/dashboard")
    page.wait_for_selector("#chart-filed-per-day svg.chart")
    page.screenshot(path=str(tmp_path / "dashboard-phone.png"), full_page=True)
    assert no_horizontal_scroll(page)
    for key in KEYS:
        chart = page.locator(f"#chart-{key} svg.chart")
        box = chart.bounding_box()
        assert box is not None and box["width"] >= 300 and box["x"] + box["width"] <= 390, key
        # Every number stays inside the chart, where it can be read.
        right_edge = page.evaluate(
            """svg => Math.max(...[...svg.querySelectorAll('text')].map(t => t.getBoundingClientRect().right))""",
            chart.element_handle())
        assert right_edge <= box["x"] + box["width"] + 0.5, key
    page.click("#chart-top-domains summary")
    assert page.locator("#chart-top-domains table").is_visible()
    assert no_horizontal_scroll(page)
    # The CSV link downloads a file.
    with page.expect_download() as download:
        page.click("#chart-verdicts .chart-download a")
    assert download.value.suggested_filename.startswith("verdicts-")

    # In Hindi (the days and months are, until the catalogue has the rest) it fits as well.
    page.goto(f"{server}/language/hi?next=/dashboard")
    page.wait_for_selector('html[lang="hi"] #chart-filed-per-day svg.chart')
    page.screenshot(path=str(tmp_path / "dashboard-phone-hi.png"), full_page=True)
    assert no_horizontal_scroll(page)
    page.goto(f"{server}/language/en?next=/dashboard")

    wide = page.context.browser.new_context(viewport={"width": 1280, "height": 900})
    desktop = wide.new_page()
    login(desktop, server, staff.email)
    desktop.goto(f"{server}/dashboard")
    desktop.screenshot(path=str(tmp_path / "dashboard-desktop.png"), full_page=True)
    assert no_horizontal_scroll(desktop)
    wide.close()
