"""The one URL helper (factcheck/urls.py): no production code fakes a request to build a URL."""

from __future__ import annotations

from pathlib import Path

import factcheck

PACKAGE = Path(factcheck.__file__).parent


def test_no_production_code_fakes_a_request_context():
    faking = sorted(str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
                    if "test_request_context" in path.read_text(encoding="utf-8"))
    assert faking == []


def test_mail_templates_take_their_links_from_the_job():
    # A mail is rendered in a job, where url_for has no request to build an absolute URL on.
    building = sorted(str(path.relative_to(PACKAGE)) for path in (PACKAGE / "templates").glob("*/mail/*")
                      if "url_for" in path.read_text(encoding="utf-8"))
    assert building == []
