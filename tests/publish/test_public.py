"""The public side of a published fact-check: its page, ClaimReview JSON-LD, share tags and card,
feeds, sitemap and API — absolute URLs, escaped text, and archived evidence anyone can check."""

from __future__ import annotations

import io
import json
from urllib.parse import unquote

import feedparser
import lxml.html
from lxml import etree
from PIL import Image

from tests.publish.test_claimreview import corpus_examples, key_paths

PUBLIC = "https://factcheck.example.org"
HOSTILE_HEADLINE = 'Banks "closed" </script><script>alert(1)</script> & <b>बंद</b>'
HOSTILE_SUMMARY = "\"><img src=x onerror=alert(2)> </title><!-- ' \u2028 summary"
HOSTILE_BODY = """Plain **text**.

<script>alert(3)</script>
<img src="x" onerror="alert(4)">
[click](javascript:alert(5)) [click2](JaVaScRiPt&#58;alert(6)) ![img](javascript:alert(7))
<a href="jav&#x09;ascript:alert(8)">x</a> <svg onload=alert(9)></svg> <iframe src="https://evil.example"></iframe>
<div style="background:url(javascript:alert(10))">styled</div>
"""


def path_of(url: str) -> str:
    assert url.startswith(PUBLIC + "/"), url
    return url[len(PUBLIC):]


def page_tree(client, url: str):
    response = client.get(path_of(url))
    assert response.status_code == 200
    return lxml.html.fromstring(response.get_data(as_text=True)), response


def json_ld(tree) -> dict:
    scripts = tree.xpath('//script[@type="application/ld+json"]')
    assert len(scripts) == 1
    return json.loads(scripts[0].text)


def test_the_page_and_its_claimreview_agree(publish_claim, client, site):
    claim = publish_claim(language="en")
    url = claim["rebuttal"]["url"]
    tree, _response = page_tree(client, url)
    review = json_ld(tree)

    assert review["@type"] == "ClaimReview"
    assert review["url"] == url == tree.xpath('//link[@rel="canonical"]/@href')[0]
    assert review["claimReviewed"] == tree.get_element_by_id("claim-reviewed").text_content()
    assert review["headline"] == tree.get_element_by_id("headline").text_content()
    assert review["description"] == tree.get_element_by_id("summary").text_content()
    verdict = tree.get_element_by_id("verdict")
    assert review["reviewRating"]["alternateName"] == verdict.get("data-verdict") == verdict.text_content() == "False"
    assert review["reviewRating"]["ratingValue"] == 1
    assert (review["reviewRating"]["bestRating"], review["reviewRating"]["worstRating"]) == (5, 1)
    assert review["author"]["@type"] == "Organization" and review["author"]["url"].startswith(PUBLIC)
    assert review["datePublished"]
    item = review["itemReviewed"]
    assert item["@type"] == "Claim"
    assert [a["url"] for a in item["appearance"]] == [site.url("/hoax")]
    assert item["firstAppearance"]["url"] == site.url("/hoax")
    assert item["firstAppearance"]["archivedAt"].startswith(PUBLIC + "/snapshots/")
    assert review["editor"]["name"] == "Rita" and review["creator"]["name"] == "Wasim"


def test_the_claimreview_has_the_shape_of_real_ones(publish_claim, client):
    review = json_ld(page_tree(client, publish_claim()["rebuttal"]["url"])[0])
    examples = corpus_examples()
    shared = set.intersection(*(set(key_paths(example)) for example in examples))
    ours = key_paths(review)
    missing = [".".join(path) for path in shared if path not in ours]
    assert missing == []


def test_share_tags_whatsapp_link_and_card(publish_claim, client):
    claim = publish_claim(language="en")
    url = claim["rebuttal"]["url"]
    tree, _response = page_tree(client, url)
    meta = {m.get("property") or m.get("name"): m.get("content") for m in tree.xpath("//meta[@content]")}
    assert meta["og:title"] == claim["rebuttal"]["current"]["headline"]
    assert meta["og:description"] == "The viral message is false."
    assert meta["og:url"] == url
    assert meta["twitter:card"] == "summary_large_image"
    assert meta["og:image"] == meta["twitter:image"] == url + "/card.png"
    share = tree.get_element_by_id("whatsapp-share").get("href")
    assert share.startswith("https://wa.me/?text=")
    message = unquote(share.removeprefix("https://wa.me/?text="))
    assert message == f"Fact check: False\nThe viral message is false.\n\n{url}"

    card = client.get(path_of(meta["og:image"]))
    assert card.status_code == 200 and card.mimetype == "image/png"
    with Image.open(io.BytesIO(card.data)) as image:
        assert image.size == (1200, 630)


def test_sources_link_their_archived_snapshots_with_hash_and_date(publish_claim, client, site, api_client, desk):
    claim = publish_claim()
    tree, _response = page_tree(client, claim["rebuttal"]["url"])
    cited = claim["rebuttal"]["current"]["sources"]
    assert len(cited) == 2
    items = tree.xpath('//section[@class="cited-sources"]//li')
    for source, item in zip(cited, items, strict=True):
        text = item.text_content()
        assert source["url"] in text and source["sha256"] in text
        archived = item.xpath(".//a/@href")[0]
        assert archived == f"{PUBLIC}/snapshots/{source['id']}"
        snapshot_page = client.get(path_of(archived))  # anonymous
        assert snapshot_page.status_code == 200
        assert source["sha256"] in snapshot_page.get_data(as_text=True)
        with client.get(f"/api/snapshots/{source['id']}/raw") as raw:
            assert raw.status_code == 200
    other = api_client(desk["volunteer"]).post("/api/claims", json={"urls": [site.url("/rbi?x=1")],
                                                                     "platform": "web"}).json
    private = api_client(desk["reviewer"]).get(f"/api/claims/{other['id']}").json["sources"][0]["snapshots"][0]
    assert client.get(f"/snapshots/{private['id']}").status_code == 404
    assert client.get(f"/api/snapshots/{private['id']}").status_code == 404


def test_the_feed_parses_and_every_url_in_it_is_absolute(publish_claim, client):
    claim = publish_claim()
    response = client.get("/fact-checks/feed.atom")
    assert response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    entry = parsed.entries[0]
    assert entry.title == claim["rebuttal"]["current"]["headline"]
    assert entry.link == claim["rebuttal"]["url"]
    tree = etree.fromstring(response.data)
    hrefs = tree.xpath("//*[local-name()='link']/@href") + tree.xpath("//*[local-name()='id']/text()")
    assert hrefs and all(h.startswith(PUBLIC + "/") for h in hrefs), hrefs


def test_the_sitemap_lists_published_pages_absolutely(publish_claim, client):
    claim = publish_claim()
    tree = etree.fromstring(client.get("/sitemap.xml").data)
    locations = tree.xpath("//*[local-name()='loc']/text()")
    assert claim["rebuttal"]["url"] in locations
    assert all(loc.startswith(PUBLIC + "/") for loc in locations)


def test_the_api_lists_fact_checks_as_claimreview(publish_claim, client):
    claim = publish_claim()
    listed = client.get("/api/fact-checks").json
    assert listed["total"] == 1 and listed["items"][0]["url"] == claim["rebuttal"]["url"]
    assert listed["items"][0]["reviewRating"]["alternateName"] == "False"
    assert client.get("/api/fact-checks?verdict=True").json["total"] == 0
    assert client.get("/api/fact-checks?verdict=Bogus").status_code == 400


def test_the_index_lists_newest_first_and_filters_by_verdict(publish_claim, client):
    first = publish_claim(headline="First debunk", verdict="False")
    second = publish_claim(headline="Second debunk", verdict="Misleading")
    page = client.get("/fact-checks").get_data(as_text=True)
    assert page.index("Second debunk") < page.index("First debunk")
    filtered = client.get("/fact-checks?verdict=Misleading").get_data(as_text=True)
    assert "Second debunk" in filtered and "First debunk" not in filtered
    assert first["rebuttal"]["slug"] != second["rebuttal"]["slug"]


def test_hindi_headlines_get_readable_slugs(publish_claim):
    claim = publish_claim(headline="कांग्रेस नेता का दावा झूठा है")
    assert claim["rebuttal"]["slug"] == "कांग्रेस-नेता-का-दावा-झूठा-है"


def test_nothing_a_rebuttal_author_writes_runs_script(publish_claim, client):
    claim = publish_claim(headline=HOSTILE_HEADLINE, summary=HOSTILE_SUMMARY, body=HOSTILE_BODY,
                          text="<script>alert(11)</script> forwarded")
    url = claim["rebuttal"]["url"]
    tree, response = page_tree(client, url)
    for script in tree.xpath("//script"):
        assert script.get("type") == "application/ld+json" or script.get("src", "").startswith("/static/")
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            assert "javascript:" not in value.lower().replace("\t", "").replace("\n", ""), (element.tag, value)
        assert element.tag not in ("iframe", "svg", "object", "embed")
    body = tree.xpath('//section[contains(@class, "body")]')[0]
    assert not body.xpath(".//@style")
    review = json_ld(tree)
    assert review["headline"] == HOSTILE_HEADLINE.strip()
    assert review["description"] == " ".join(HOSTILE_SUMMARY.split())
    assert tree.get_element_by_id("headline").text_content() == HOSTILE_HEADLINE.strip()
    assert "<script>alert(1)" not in response.get_data(as_text=True)

    feed = feedparser.parse(client.get("/fact-checks/feed.atom").data)
    assert not feed.bozo
    assert feed.entries[0].title == HOSTILE_HEADLINE.strip()
    raw_feed = client.get("/fact-checks/feed.atom").get_data(as_text=True)
    assert "<script>" not in raw_feed


def test_unpublished_rebuttals_stay_private(make_claim, make_user, client):
    claim = make_claim(status="in_review", draft_by=make_user("reviewer"))
    assert client.get("/api/fact-checks").json["total"] == 0
    assert "No fact-checks published yet" in client.get("/fact-checks").get_data(as_text=True)
    assert client.get(f"/fact-checks/claim-{claim.id}").status_code == 404


def test_corrections_policy_and_reader_reports(client, browser, make_user):
    assert client.get("/corrections").status_code == 200
    reader = browser(None)
    response = reader.post("/report", {"url": "https://example.com/wrong", "message": "Your date is wrong",
                                       "contact": ""})
    assert response.status_code == 302
    queue = browser(make_user("reviewer")).get("/claims").get_data(as_text=True)
    assert "Reader report: Your date is wrong" in queue
    empty = reader.post("/report", {"message": ""})
    assert empty.status_code == 400
