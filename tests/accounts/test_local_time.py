"""Times are stored in UTC and shown in the viewer's zone (their own choice, else the desk's
FACTCHECK_TIMEZONE), formatted for their language, with the UTC value kept in <time datetime>."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from factcheck import db
from factcheck.accounts.models import User
from factcheck.claims.models import Claim
from factcheck.config import PACKAGE_ROOT, Config, ConfigError
from factcheck.i18n import format_local_datetime
from factcheck.publish.models import Rebuttal

FILED = dt.datetime(2024, 5, 1, 8, 30, tzinfo=dt.UTC)  # 14:00 in India (+5:30), 04:30 in New York
LATE = dt.datetime(2024, 5, 1, 20, 0, tzinfo=dt.UTC)  # already 2 May in India


def file_claim_at(app: Any, make_claim: Any, when: dt.datetime, **kwargs: Any) -> Claim:
    claim = make_claim(**kwargs)
    with app.app_context():
        row = db.session().get(Claim, claim.id)
        row.created_at = when
        if row.rebuttal is not None and row.rebuttal.published_at is not None:
            row.rebuttal.published_at = when
        db.commit()
    return claim


def time_elements(page: str) -> list[tuple[str, str, str]]:
    """(UTC value, zone, text) of each <time> the filters wrote."""
    return re.findall(r'<time datetime="([^"]+)" title="[^"]+" data-zone="([^"]+)">([^<]+)</time>', page)


@pytest.mark.parametrize(("locale", "shown"), [("en", "May 1, 2024, 2:00\u202fPM"), ("hi", "1 मई 2024, 2:00 pm")])
def test_times_are_shown_in_the_persons_zone_and_language(app, browser, make_user, make_claim, locale, shown):
    user = make_user("reviewer", timezone="Asia/Kolkata", locale=locale)
    claim = file_claim_at(app, make_claim, FILED, by=user)
    page = browser(user).get(f"/claims/{claim.id}").get_data(as_text=True)
    assert ("2024-05-01T08:30:00Z", "Asia/Kolkata", shown) in time_elements(page)
    assert " UTC</time>" not in page and "08:30" not in page.replace("T08:30:00Z", "").replace("08:30 UTC", "")
    queue = browser(user).get("/claims").get_data(as_text=True)
    assert ("2024-05-01T08:30:00Z", "Asia/Kolkata", shown) in time_elements(queue)


def test_without_a_choice_the_desks_zone_is_used(app, browser, make_user, make_claim):
    user = make_user("reviewer")
    claim = file_claim_at(app, make_claim, FILED, by=user)
    page = browser(user).get(f"/claims/{claim.id}").get_data(as_text=True)
    assert ("2024-05-01T08:30:00Z", "UTC", "May 1, 2024, 8:30\u202fAM") in time_elements(page)
    traveller = make_user("reviewer", timezone="America/New_York")
    page = browser(traveller).get(f"/claims/{claim.id}").get_data(as_text=True)
    assert ("2024-05-01T08:30:00Z", "America/New_York", "May 1, 2024, 4:30\u202fAM") in time_elements(page)


class TestDeskInIndia:
    @pytest.fixture
    def config(self, config: Config) -> Config:
        return config.replace(timezone="Asia/Kolkata")

    def test_people_without_a_choice_and_visitors_see_the_desks_zone(self, app, browser, make_user, make_claim):
        reviewer = make_user("reviewer")
        claim = file_claim_at(app, make_claim, LATE, status="published", draft_by=reviewer)
        page = browser(reviewer).get(f"/claims/{claim.id}").get_data(as_text=True)
        assert ("2024-05-01T20:00:00Z", "Asia/Kolkata", "May 2, 2024, 1:30\u202fAM") in time_elements(page)
        public = app.test_client().get(f"/fact-checks/claim-{claim.id}").get_data(as_text=True)
        assert '<time datetime="2024-05-01T20:00:00Z" title="2024-05-01 20:00 UTC" data-zone="Asia/Kolkata">' \
               'May 2, 2024</time>' in public
        listing = app.test_client().get("/fact-checks", headers={"Accept-Language": "hi"}).get_data(as_text=True)
        assert ">2 मई 2024</time>" in listing
        with app.app_context():
            assert db.session().get(Rebuttal, claim.rebuttal.id).published_at == LATE  # stored in UTC


def test_seconds_when_asked_and_naive_times_taken_as_utc(app):
    with app.test_request_context():
        assert format_local_datetime(dt.datetime(2024, 5, 1, 8, 30, 15, tzinfo=dt.UTC), seconds=True) == \
            "May 1, 2024, 8:30:15\u202fAM"
        assert format_local_datetime(dt.datetime(2024, 5, 1, 8, 30, 15)) == "May 1, 2024, 8:30\u202fAM"  # naive is UTC


def test_a_time_inside_a_sentence_stays_an_element(app, browser, make_user, make_claim):
    file_claim_at(app, make_claim, FILED)
    page = browser(make_user("staff", timezone="Asia/Kolkata")).get("/dashboard").get_data(as_text=True)
    assert ('The oldest untriaged claim was filed <time datetime="2024-05-01T08:30:00Z" title="2024-05-01 08:30 UTC" '
            'data-zone="Asia/Kolkata">May 1, 2024, 2:00\u202fPM</time>.') in page


def test_no_template_formats_times_itself():
    templates = PACKAGE_ROOT / "templates"
    offenders = [str(path.relative_to(templates)) for path in Path(templates).rglob("*.html")
                 if "strftime" in path.read_text() or " UTC<" in path.read_text()]
    assert offenders == []


def test_the_desks_time_zone_is_checked_at_start(tmp_path):
    base = {"FACTCHECK_INSTANCE_DIR": str(tmp_path)}
    assert Config.from_env(base).timezone == "UTC"
    assert Config.from_env({**base, "FACTCHECK_TIMEZONE": " Asia/Kolkata "}).timezone == "Asia/Kolkata"
    for bad in ("Mars/Olympus_Mons", "IST", "+05:30", "localtime", "/etc/localtime", "asia/kolkata"):
        with pytest.raises(ConfigError, match="FACTCHECK_TIMEZONE"):
            Config.from_env({**base, "FACTCHECK_TIMEZONE": bad})


def test_a_stored_zone_the_system_no_longer_knows_falls_back_to_the_desks(app, browser, make_user, make_claim):
    user = make_user("reviewer")
    with app.app_context():
        db.session().get(User, user.id).timezone = "Atlantis/Capital"
        db.commit()
    claim = file_claim_at(app, make_claim, FILED, by=user)
    page = browser(user).get(f"/claims/{claim.id}").get_data(as_text=True)
    assert ("2024-05-01T08:30:00Z", "UTC", "May 1, 2024, 8:30\u202fAM") in time_elements(page)
