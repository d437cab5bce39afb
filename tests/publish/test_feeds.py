"""The Atom feed and the sitemap: well-formed XML, parsed by a real feed parser, absolute URLs only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import unquote, urlsplit

import pytest
from lxml import etree

from factcheck.publish.feeds import FeedEntry, atom_feed, iri_to_uri, sitemap

feedparser = pytest.importorskip(
    "feedparser", reason="feedparser is a test dependency (pip install feedparser)"
)

BASE = "https://factcheck.example.in"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
IST = timezone(timedelta(hours=5, minutes=30))
HOSTILE = 'Tom & Jerry <script>alert("x")</script> ]]> <![CDATA[ x ]]> &amp; \x0b\x00end'
HOSTILE_CLEAN = 'Tom & Jerry <script>alert("x")</script> ]]> <![CDATA[ x ]]> &amp; end'


def entries() -> list[FeedEntry]:
    return [
        FeedEntry(
            id=f"{BASE}/fact-checks/कांग्रेस-नेता-का-दावा-झूठा",
            title="कांग्रेस नेता का दावा झूठा",
            url=f"{BASE}/fact-checks/कांग्रेस-नेता-का-दावा-झूठा",
            summary="वीडियो 2015 का है।",
            updated=datetime(2024, 5, 3, 9, 0, tzinfo=UTC),
            published=datetime(2024, 5, 2, 10, 30, tzinfo=IST),
            author="Asha Verma",
            verdict="False",
        ),
        FeedEntry(
            id="tag:factcheck.example.in,2024:fact-check/2",
            title=HOSTILE,
            url=f"{BASE}/fact-checks/tom-jerry?x=1&y=2",
            summary=HOSTILE,
            updated=datetime(2024, 5, 1, 8, 0),
            verdict="Partly false",
        ),
    ]


def build_feed(items: list[FeedEntry] | None = None) -> bytes:
    return atom_feed(
        feed_id=f"{BASE}/fact-checks/feed.atom",
        title="Factcheck Workbench: fact-checks",
        self_url=f"{BASE}/fact-checks/feed.atom",
        site_url=f"{BASE}/fact-checks",
        updated=datetime(2024, 5, 3, 9, 0, tzinfo=UTC),
        entries=entries() if items is None else items,
        language="hi",
    )


def test_feed_is_well_formed_atom() -> None:
    root = etree.fromstring(build_feed())
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{name}").text
    assert root.find(f"{ATOM}author/{ATOM}name").text
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links == {"self": f"{BASE}/fact-checks/feed.atom", "alternate": f"{BASE}/fact-checks"}
    items = root.findall(f"{ATOM}entry")
    assert len(items) == 2
    for item in items:
        for name in ("id", "title", "updated", "summary"):
            assert item.find(f"{ATOM}{name}") is not None, name
        assert item.find(f"{ATOM}link[@rel='alternate']") is not None


def test_feed_parses_with_feedparser_without_bozo() -> None:
    parsed = feedparser.parse(build_feed())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "Factcheck Workbench: fact-checks"
    first, second = parsed.entries
    assert first.title == "कांग्रेस नेता का दावा झूठा"
    assert first.link == f"{BASE}/fact-checks/कांग्रेस-नेता-का-दावा-झूठा"
    assert first.author == "Asha Verma"
    assert [tag.term for tag in first.tags] == ["False"]
    assert first.published_parsed[:5] == (2024, 5, 2, 5, 0)  # 10:30 IST is 05:00 UTC
    assert second.link == f"{BASE}/fact-checks/tom-jerry?x=1&y=2"
    assert second.updated_parsed[:4] == (2024, 5, 1, 8)


def test_text_is_escaped_not_interpreted() -> None:
    raw = build_feed()
    assert b"<script>" not in raw
    root = etree.fromstring(raw)
    hostile = root.findall(f"{ATOM}entry")[1]
    assert hostile.find(f"{ATOM}title").text == HOSTILE_CLEAN
    assert hostile.find(f"{ATOM}summary").text == HOSTILE_CLEAN
    assert hostile.find(f"{ATOM}summary").get("type") == "text"
    assert hostile.find(f"{ATOM}script") is None
    assert not hostile.findall(f".//{ATOM}script")


def test_every_feed_url_is_absolute() -> None:
    root = etree.fromstring(build_feed())
    hrefs = [link.get("href") for link in root.iter(f"{ATOM}link")]
    assert len(hrefs) == 4
    for href in hrefs:
        parts = urlsplit(href)
        assert parts.scheme == "https" and parts.netloc, href
    for element in root.iter(f"{ATOM}id"):
        assert urlsplit(element.text).scheme in ("https", "tag")


@pytest.mark.parametrize(
    "entry_changes",
    [{"url": "/fact-checks/x"}, {"id": "/fact-checks/x"}, {"url": "fact-checks/x"}],
)
def test_relative_urls_are_refused(entry_changes: dict[str, str]) -> None:
    base = entries()[0]
    entry = FeedEntry(**{**base.__dict__, **entry_changes})
    with pytest.raises(ValueError, match="absolute"):
        build_feed([entry])
    with pytest.raises(ValueError, match="absolute"):
        atom_feed("tag:x,2024:feed", "t", "/feed.atom", BASE, datetime.now(UTC), [])


def test_empty_feed_is_still_valid() -> None:
    parsed = feedparser.parse(build_feed([]))
    assert not parsed.bozo
    assert parsed.entries == []


def test_sitemap() -> None:
    urls = [
        (f"{BASE}/fact-checks/कांग्रेस-नेता-का-दावा-झूठा", datetime(2024, 5, 3, 9, 0, tzinfo=UTC)),
        (f"{BASE}/fact-checks/tom-jerry?x=1&y=2", datetime(2024, 5, 1, 8, 0)),
        (f"{BASE}/fact-checks/already%20encoded", datetime(2024, 5, 1, 8, 0, tzinfo=IST)),
    ]
    root = etree.fromstring(sitemap(urls))
    assert root.tag == f"{SITEMAP}urlset"
    locs = [element.text for element in root.iter(f"{SITEMAP}loc")]
    assert [unquote(loc) for loc in locs] == [
        f"{BASE}/fact-checks/कांग्रेस-नेता-का-दावा-झूठा",
        f"{BASE}/fact-checks/tom-jerry?x=1&y=2",
        f"{BASE}/fact-checks/already encoded",
    ]
    for loc in locs:
        parts = urlsplit(loc)
        assert loc.isascii()
        assert parts.scheme == "https"
        assert parts.netloc == "factcheck.example.in"
    lastmods = [datetime.fromisoformat(e.text) for e in root.iter(f"{SITEMAP}lastmod")]
    assert lastmods[0] == urls[0][1]
    assert all(moment.tzinfo is not None for moment in lastmods)


def test_sitemap_refuses_relative_urls_and_too_many() -> None:
    with pytest.raises(ValueError, match="absolute"):
        sitemap([("/fact-checks/x", datetime.now(UTC))])
    with pytest.raises(ValueError, match="50000"):
        sitemap([(f"{BASE}/{n}", datetime.now(UTC)) for n in range(50_001)])


def test_iri_to_uri_encodes_host_and_path_once() -> None:
    uri = iri_to_uri("https://उदाहरण.भारत:8443/दावा?q=सच")
    parts = urlsplit(uri)
    assert uri.isascii()
    assert parts.hostname.startswith("xn--")
    assert parts.port == 8443
    assert parts.hostname.encode("ascii").decode("idna") == "उदाहरण.भारत"
    assert unquote(parts.path) == "/दावा"
    assert unquote(parts.query) == "q=सच"
    assert iri_to_uri("https://example.org/a%20b?c=d&e=f#g") == "https://example.org/a%20b?c=d&e=f#g"
