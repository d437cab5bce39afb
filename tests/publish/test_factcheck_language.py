"""A fact-check's own language (issue 11): its page, verdict label, share card, JSON-LD, Open Graph,
feed entry and WhatsApp text speak it, whatever the claim's language and the reader's.

The Hindi words these tests expect are the ones proposed for the catalogue (``PROPOSED_HINDI``),
laid over the real catalogue for each test, so the tests show the mechanism (gettext in the
fact-check's language) whether or not the lead has merged the translations yet. The page's other
words ("दावा", "स्रोत", …) come from the real catalogue.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from urllib.parse import unquote

import lxml.html
import pytest
from alembic.script import ScriptDirectory
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from lxml import etree
from PIL import Image, ImageChops
from sqlalchemy import MetaData, create_engine, select

from factcheck.extensions import babel
from factcheck.migrate import alembic_config, downgrade, upgrade
from factcheck.publish.language import default_language, language_choices, language_name
from factcheck.publish.share_card import BAND_HEIGHT, render_share_card
from factcheck.urls import site_name
from tests.publish.test_public import path_of

PROPOSED_HINDI = {
    ("verdict", "False"): "गलत",
    ("verdict", "Misleading"): "भ्रामक",
    ("verdict", "Partly false"): "आंशिक रूप से गलत",
    ("verdict", "Missing context"): "संदर्भ का अभाव",
    ("verdict", "Unproven"): "अप्रमाणित",
    ("verdict", "True"): "सही",
    (None, "Fact check"): "फ़ैक्ट-चेक",
    (None, "Fact check: %(verdict)s"): "फ़ैक्ट-चेक: %(verdict)s",
    (None, "Language of the fact-check"): "फ़ैक्ट-चेक की भाषा",
    (None, "Its public page, verdict, share card and WhatsApp text are shown in this language."):
        "इसका सार्वजनिक पन्ना, निष्कर्ष, शेयर कार्ड और WhatsApp संदेश इसी भाषा में दिखते हैं।",
    (None, "in %(language)s"): "%(language)s में",
    (None, "one of: %(languages)s"): "इनमें से एक: %(languages)s",
}
HINDI_CLAIM = "*Forwarded as received* सभी बैंक 10 दिन बंद रहेंगे"
ENGLISH_CLAIM = "Forwarded as received: all banks will stay shut for 10 days"
HINDI_HEADLINE = "बैंक 10 दिन बंद नहीं रहेंगे: वायरल दावा झूठा"
HINDI_SUMMARY = "वायरल संदेश गलत है।"
ENGLISH_HEADLINE = "No, banks will not stay shut for ten days"
ENGLISH_SUMMARY = "The viral message is false."
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.mark.parametrize(("claim_language", "language"), [
    ("hi", "hi"), ("hi-IN", "hi"), ("HI", "hi"), ("en", "en"), ("en-GB", "en"), ("mr", "en"), (None, "en"), ("", "en"),
])
def test_a_new_fact_check_takes_the_claims_language_when_the_site_speaks_it(claim_language, language):
    assert default_language(claim_language) == language


def test_languages_are_offered_by_their_own_names():
    assert language_choices() == [("en", "English"), ("hi", "हिन्दी")]
    assert language_name("xx-nonsense") == "xx-nonsense"


@pytest.fixture
def hindi(app, tmp_path):
    """The proposed Hindi words, laid over the app's catalogue for this test."""
    catalog = Catalog(locale="hi", domain="messages")
    for (context, msgid), msgstr in PROPOSED_HINDI.items():
        catalog.add(msgid, msgstr, context=context)
    folder = tmp_path / "proposed-translations"
    (folder / "hi" / "LC_MESSAGES").mkdir(parents=True)
    with (folder / "hi" / "LC_MESSAGES" / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)
    directories = app.extensions["babel"].translation_directories
    with app.app_context():
        cache = babel.domain_instance.cache  # translations by locale, shared by every app
    directories.append(str(folder))
    cache.clear()
    yield
    directories.remove(str(folder))
    cache.clear()


def visit(client, url: str, reader: str):
    """The page as a reader whose browser asks for ``reader``'s language sees it."""
    response = client.get(path_of(url), headers={"Accept-Language": reader})
    assert response.status_code == 200
    return lxml.html.fromstring(response.get_data(as_text=True))


def meta_of(tree) -> dict[str, str]:
    return {m.get("property") or m.get("name"): m.get("content") for m in tree.xpath("//meta[@content]")}


def share_message_of(tree) -> str:
    return unquote(tree.get_element_by_id("whatsapp-share").get("href").removeprefix("https://wa.me/?text="))


CASES = {
    # the fact-check's language, the claim's, the reader's; what the reader sees
    "hindi fact-check on a hindi claim, english reader": dict(
        text=HINDI_CLAIM, headline=HINDI_HEADLINE, summary=HINDI_SUMMARY, language=None, reader="en",
        expect="hi", claim_language="hi", verdict="गलत", locale="hi_IN", heading="फ़ैक्ट-चेक: गलत",
        words=("दावा", "स्रोत", "WhatsApp पर शेयर करें", "लेखक: Wasim"),
        not_words=("The claim", "Sources", "Share on WhatsApp", "By Wasim")),
    "english fact-check on a hindi claim, hindi reader": dict(
        text=HINDI_CLAIM, headline=ENGLISH_HEADLINE, summary=ENGLISH_SUMMARY, language="en", reader="hi",
        expect="en", claim_language="hi", verdict="False", locale="en_IN", heading="Fact check: False",
        words=("The claim", "Sources", "Share on WhatsApp", "By Wasim"),
        not_words=("दावा", "स्रोत", "WhatsApp पर शेयर करें", "गलत")),
    "hindi fact-check on an english claim, english reader": dict(
        text=ENGLISH_CLAIM, headline=HINDI_HEADLINE, summary=HINDI_SUMMARY, language="hi", reader="en",
        expect="hi", claim_language="en", verdict="गलत", locale="hi_IN", heading="फ़ैक्ट-चेक: गलत",
        words=("दावा", "स्रोत", "WhatsApp पर शेयर करें", "लेखक: Wasim"),
        not_words=("The claim", "Sources", "Share on WhatsApp")),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_page_speaks_the_fact_checks_language(case, hindi, publish_claim, client):
    claim = publish_claim(text=case["text"], headline=case["headline"], summary=case["summary"],
                          language=case["language"])
    assert claim["language"] == case["claim_language"]
    assert claim["rebuttal"]["language"] == case["expect"]
    url = claim["rebuttal"]["url"]
    tree = visit(client, url, case["reader"])

    assert tree.get("lang") == case["expect"]  # <html lang>
    assert tree.xpath("//article/@lang") == [case["expect"]]
    assert tree.get_element_by_id("claim-reviewed").get("lang") == case["claim_language"]
    verdict = tree.get_element_by_id("verdict")
    assert (verdict.text_content(), verdict.get("data-verdict")) == (case["verdict"], "False")
    article = tree.xpath("//article")[0].text_content()
    assert all(word in article for word in case["words"]), [w for w in case["words"] if w not in article]
    assert not [word for word in case["not_words"] if word in article]

    review = json.loads(tree.xpath('//script[@type="application/ld+json"]')[0].text)
    assert review["inLanguage"] == case["expect"]
    assert review["itemReviewed"]["inLanguage"] == case["claim_language"]
    assert review["reviewRating"]["alternateName"] == "False"  # the scale stays canonical

    meta = meta_of(tree)
    assert meta["og:locale"] == case["locale"]
    assert meta["og:image:alt"] == f"{case['verdict']}: {case['headline']}"
    assert share_message_of(tree) == f"{case['heading']}\n{case['summary']}\n\n{url}"


def test_the_readers_own_language_choice_does_not_translate_a_fact_check(hindi, publish_claim, client):
    url = publish_claim(headline=ENGLISH_HEADLINE, summary=ENGLISH_SUMMARY, language="en")["rebuttal"]["url"]
    client.get("/language/hi")  # the language link wins over the browser everywhere else
    tree = visit(client, url, "hi")
    assert tree.get("lang") == "en" and tree.get_element_by_id("verdict").text_content() == "False"
    assert "लॉग इन" not in lxml.html.tostring(tree, encoding="unicode")  # the page's own words too
    assert '<html lang="hi">' in client.get("/fact-checks").get_data(as_text=True)  # other pages keep Hindi


def test_the_api_lists_each_fact_check_in_its_language(hindi, publish_claim, client):
    hindi_one = publish_claim(headline=HINDI_HEADLINE)
    english_one = publish_claim(headline=ENGLISH_HEADLINE, language="en")
    items = {item["url"]: item for item in client.get("/api/fact-checks").json["items"]}
    assert items[hindi_one["rebuttal"]["url"]]["inLanguage"] == "hi"
    assert items[english_one["rebuttal"]["url"]]["inLanguage"] == "en"
    assert {item["reviewRating"]["alternateName"] for item in items.values()} == {"False"}


def test_each_feed_entry_carries_its_language_and_verdict_label(hindi, publish_claim, client):
    hindi_one = publish_claim(headline=HINDI_HEADLINE, verdict="Misleading")
    english_one = publish_claim(headline=ENGLISH_HEADLINE, verdict="Missing context", language="en")
    feed = etree.fromstring(client.get("/fact-checks/feed.atom", headers={"Accept-Language": "en"}).data)
    entries = {entry.findtext(f"{ATOM}id"): entry for entry in feed.iter(f"{ATOM}entry")}
    hindi_entry, english_entry = entries[hindi_one["rebuttal"]["url"]], entries[english_one["rebuttal"]["url"]]
    assert (hindi_entry.get(XML_LANG), english_entry.get(XML_LANG)) == ("hi", "en")
    assert dict(hindi_entry.find(f"{ATOM}category").attrib) == {"term": "Misleading", "label": "भ्रामक"}
    assert dict(english_entry.find(f"{ATOM}category").attrib) == {"term": "Missing context",
                                                                  "label": "Missing context"}


def test_the_index_labels_entries_in_their_language_and_filters_in_the_readers(hindi, publish_claim, client):
    publish_claim(headline=HINDI_HEADLINE, verdict="Misleading")
    publish_claim(headline=ENGLISH_HEADLINE, verdict="Partly false", language="en")

    def labels(reader: str) -> tuple[dict[str, tuple[str, str]], list[str]]:
        tree = lxml.html.fromstring(client.get("/fact-checks", headers={"Accept-Language": reader})
                                    .get_data(as_text=True))
        entries = {span.get("data-verdict"): (span.get("lang"), span.text_content())
                   for span in tree.xpath('//ol[@class="factchecks"]//span[@data-verdict]')}
        filters = [a.text_content() for a in tree.xpath('//nav[@class="filters"]/a')]
        return entries, filters

    entries, filters = labels("en")
    assert entries == {"Misleading": ("hi", "भ्रामक"), "Partly false": ("en", "Partly false")}
    assert filters == ["All", "False", "Misleading", "Partly false", "Missing context", "Unproven", "True"]
    entries, filters = labels("hi")
    assert entries == {"Misleading": ("hi", "भ्रामक"), "Partly false": ("en", "Partly false")}
    assert filters == ["सभी", "गलत", "भ्रामक", "आंशिक रूप से गलत", "संदर्भ का अभाव", "अप्रमाणित", "सही"]


def test_the_share_card_band_is_in_the_fact_checks_language(hindi, publish_claim, client, app):
    # The same English headline and verdict: only the band's words differ.
    cards = {}
    for language in ("hi", "en"):
        url = publish_claim(headline=ENGLISH_HEADLINE, language=language)["rebuttal"]["url"]
        meta = meta_of(visit(client, url, "en"))
        response = client.get(path_of(meta["og:image"]))
        assert response.status_code == 200 and response.mimetype == "image/png"
        cards[language] = Image.open(io.BytesIO(response.data)).convert("RGB")
    band = (0, 0, 1200, BAND_HEIGHT)
    below = (0, BAND_HEIGHT, 1200, 630)
    assert ImageChops.difference(cards["hi"].crop(band), cards["en"].crop(band)).getbbox() is not None
    assert ImageChops.difference(cards["hi"].crop(below), cards["en"].crop(below)).getbbox() is None
    # …and the Hindi band is the one drawn with the Hindi words (shaped, when raqm and Noto are here).
    with app.app_context():
        expected = render_share_card(ENGLISH_HEADLINE, "False", site_name(), language="hi", label="गलत",
                                     kicker="फ़ैक्ट-चेक")
    assert ImageChops.difference(cards["hi"], Image.open(io.BytesIO(expected)).convert("RGB")).getbbox() is None


def test_share_text_in_any_language_for_notifications(hindi, publish_claim, app):
    """Issue 12 sends the share text in the volunteer's language, from a job (no request)."""
    from factcheck.publish.present import find_published, present, share_link, share_text

    claim = publish_claim(headline=HINDI_HEADLINE, summary=HINDI_SUMMARY, verdict="Partly false")
    url = claim["rebuttal"]["url"]
    with app.app_context():
        view = present(find_published(claim["rebuttal"]["slug"]))
        assert share_text(view, "hi") == f"फ़ैक्ट-चेक: आंशिक रूप से गलत\n{HINDI_SUMMARY}\n\n{url}"
        assert share_text(view, "en") == f"Fact check: Partly false\n{HINDI_SUMMARY}\n\n{url}"
        assert unquote(share_link(view, "en").removeprefix("https://wa.me/?text=")) == share_text(view, "en")
        assert view.whatsapp_link == share_link(view, "hi")


@pytest.fixture
def researching(site, desk, api_client, run_jobs):
    """File claims (text, language) and put them in research; return their ids and first snapshots."""
    from tests.httpserver import respond

    site.route("/post", respond(b"<html><head><title>Banks shut</title></head><body><p>Banks shut</p></body></html>"))

    def file(text: str, language: str | None = None) -> tuple[int, int]:
        body = {"text": text, "urls": [site.url("/post")], "platform": "whatsapp"}
        claim = api_client(desk["volunteer"]).post("/api/claims", json={
            **body, **({"language": language} if language else {})}).json
        run_jobs()
        api_client(desk["reviewer"]).post(f"/api/claims/{claim['id']}/transitions", json={"to": "researching"})
        detail = api_client(desk["reviewer"]).get(f"/api/claims/{claim['id']}").json
        return claim["id"], detail["sources"][0]["snapshots"][0]["id"]

    return file


def selected_language(page: str) -> str:
    select_element = lxml.html.fromstring(page).get_element_by_id("language")
    return select_element.xpath("./option[@selected]/@value")[0]


def test_the_editor_chooses_the_language_and_defaults_to_the_claims(hindi, researching, desk, browser,
                                                                       api_client):
    hindi_claim, snapshot = researching(HINDI_CLAIM)
    marathi_claim, _ = researching("सर्व बँका दहा दिवस बंद राहतील", language="mr")
    page = browser(desk["writer"])
    form = page.get(f"/claims/{hindi_claim}/rebuttal").get_data(as_text=True)
    assert selected_language(form) == "hi"
    assert lxml.html.fromstring(form).xpath('//select[@id="language"]/option/@value') == ["en", "hi"]
    assert selected_language(page.get(f"/claims/{marathi_claim}/rebuttal").get_data(as_text=True)) == "en"

    draft = {"headline": ENGLISH_HEADLINE, "summary": ENGLISH_SUMMARY, "body": "No such closure.",
             "verdict": "False", "snapshot": str(snapshot)}
    refused = page.post(f"/claims/{hindi_claim}/rebuttal", {**draft, "language": "fr"})
    assert refused.status_code == 400 and 'id="language-error"' in refused.get_data(as_text=True)
    assert page.post(f"/claims/{hindi_claim}/rebuttal", {**draft, "language": "en"}).status_code == 302
    rebuttal = api_client(desk["writer"]).get(f"/api/claims/{hindi_claim}").json["rebuttal"]
    assert rebuttal["language"] == "en"
    assert selected_language(page.get(f"/claims/{hindi_claim}/rebuttal").get_data(as_text=True)) == "en"
    panel = page.get(f"/claims/{hindi_claim}").get_data(as_text=True)
    assert 'id="rebuttal-language"' in panel and "English" in panel


def test_the_api_saves_and_validates_the_language(hindi, researching, desk, api_client):
    claim_id, snapshot = researching(ENGLISH_CLAIM)
    writer = api_client(desk["writer"])
    draft = {"headline": HINDI_HEADLINE, "summary": HINDI_SUMMARY, "body": "ऐसा कोई आदेश नहीं है।",
             "verdict": "False", "sources": [{"snapshot_id": snapshot}]}
    first = writer.put(f"/api/claims/{claim_id}/rebuttal", json=draft)
    assert first.status_code == 200 and first.json["language"] == "en"  # the claim's
    refused = writer.put(f"/api/claims/{claim_id}/rebuttal", json={**draft, "language": "fr"})
    assert refused.status_code == 400 and "language" in refused.json["fields"]
    chosen = writer.put(f"/api/claims/{claim_id}/rebuttal", json={**draft, "language": "hi"})
    assert chosen.status_code == 200 and chosen.json["language"] == "hi"
    kept = writer.put(f"/api/claims/{claim_id}/rebuttal", json=draft)  # no language: it stays
    assert kept.json["language"] == "hi"
    events = writer.get(f"/api/claims/{claim_id}").json["events"]
    assert [e["kind"] for e in events].count("rebuttal_saved") == 3


def test_the_language_is_validated_by_the_operation_too(hindi, researching, desk, app):
    """A caller that skips the API's schema (the editor form) is held to the same rule."""
    from factcheck import db
    from factcheck.accounts.models import User
    from factcheck.claims.models import Claim
    from factcheck.errors import ValidationError
    from factcheck.publish.operations import DraftInput, save_draft

    claim_id, snapshot = researching(HINDI_CLAIM)
    with app.test_request_context(headers={"Accept-Language": "hi"}):
        session = db.session()
        with pytest.raises(ValidationError) as refused:
            save_draft(session.get(User, desk["writer"].id), session.get(Claim, claim_id),
                       DraftInput(headline="x", verdict="False", snapshot_ids=(snapshot,), language="xx"))
        assert refused.value.fields["language"] == "इनमें से एक: en, hi"
        session.rollback()


def test_a_correction_may_change_the_language(hindi, publish_claim, desk, api_client, client):
    claim = publish_claim(headline=ENGLISH_HEADLINE, summary=ENGLISH_SUMMARY, language="en")
    url = claim["rebuttal"]["url"]
    before = visit(client, url, "en")
    card_before = client.get(path_of(meta_of(before)["og:image"])).data
    sources = [{"snapshot_id": s["id"]} for s in claim["rebuttal"]["current"]["sources"]]
    corrected = api_client(desk["reviewer"]).put(f"/api/claims/{claim['id']}/rebuttal", json={
        "headline": HINDI_HEADLINE, "summary": HINDI_SUMMARY, "body": "सुधार के बाद।", "verdict": "False",
        "sources": sources, "correction_note": "हिन्दी में", "language": "hi"})
    assert corrected.status_code == 200, corrected.json
    after = visit(client, url, "en")
    assert after.get("lang") == "hi" and after.get_element_by_id("verdict").text_content() == "गलत"
    assert client.get(path_of(meta_of(after)["og:image"])).data != card_before


def test_the_migration_fills_the_language_from_the_claim(database_url):
    """Rows written before 0008 get their claim's language when the site speaks it, else English."""
    script = ScriptDirectory.from_config(alembic_config(database_url))
    before = script.get_revision("0008_factcheck_language").down_revision
    assert isinstance(before, str)
    downgrade(database_url, before)
    engine = create_engine(database_url)
    claim_languages = ["hi", "en", "mr", None, "hi-IN", "HI", "en-GB"]
    try:
        tables = MetaData()
        tables.reflect(engine, only=["users", "claims", "rebuttals"])
        users, claims, rebuttals = (tables.tables[name] for name in ("users", "claims", "rebuttals"))
        assert "language" not in rebuttals.c
        now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        with engine.begin() as connection:
            connection.execute(users.insert().values(
                id=1, email="w@example.org", name="W", role="reviewer", password_hash="!", must_change_password=False,
                active=True, created_at=now))
            for number, language in enumerate(claim_languages, start=1):
                connection.execute(claims.insert().values(
                    id=number, text="t", platform="whatsapp", language=language, status="researching",
                    submitted_by_id=1, created_at=now, updated_at=now))
                connection.execute(rebuttals.insert().values(
                    id=number, claim_id=number, created_at=now, updated_at=now))
    finally:
        engine.dispose()
        upgrade(database_url)
    engine = create_engine(database_url)
    try:
        tables = MetaData()
        tables.reflect(engine, only=["rebuttals"])
        rebuttals = tables.tables["rebuttals"]
        with engine.connect() as connection:
            filled = connection.execute(select(rebuttals.c.claim_id, rebuttals.c.language)
                                        .order_by(rebuttals.c.claim_id)).all()
    finally:
        engine.dispose()
    assert [language for _claim, language in filled] == ["hi", "en", "en", "en", "hi", "hi", "en"]
