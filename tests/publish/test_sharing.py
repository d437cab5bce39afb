"""The WhatsApp share link and the Open Graph / Twitter-card tags (SPEC §5)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import html

from factcheck.publish.sharing import meta_tags, open_graph_tags, whatsapp_link

PAGE = "https://factcheck.example.in/fact-checks/कांग्रेस-नेता-का-दावा-झूठा"
CARD = "https://factcheck.example.in/fact-checks/x/card.png"


def message_of(link: str) -> str:
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "wa.me", "/")
    values = parse_qs(parts.query, strict_parsing=True)
    assert list(values) == ["text"]
    assert len(values["text"]) == 1
    return values["text"][0]


def test_whatsapp_link_carries_summary_and_url() -> None:
    summary = "दावा झूठा है: वीडियो 2015 का है & #नकली + 100% ?"
    link = whatsapp_link(summary, PAGE)
    assert link.startswith("https://wa.me/?text=")
    assert link.isascii()
    assert " " not in link
    assert "#" not in link
    assert "&" not in link.split("?", 1)[1]
    assert message_of(link) == f"{summary}\n\n{PAGE}"


def test_whatsapp_summary_is_tidied_and_shortened() -> None:
    message = message_of(whatsapp_link("word  \n " * 400, PAGE, max_summary_length=100))
    text, url = message.rsplit("\n\n", 1)
    assert url == PAGE
    assert len(text) <= 100
    assert text.endswith("…")
    assert "  " not in text


def test_whatsapp_link_needs_an_absolute_url() -> None:
    with pytest.raises(ValueError, match="absolute"):
        whatsapp_link("summary", "/fact-checks/x")


def test_open_graph_and_twitter_tags() -> None:
    tags = open_graph_tags(
        title="कांग्रेस नेता का दावा झूठा", description="The video is from 2015.", url=PAGE,
        image_url=CARD, site_name="Factcheck Workbench", locale="hi_IN",
        published=datetime(2024, 5, 2, tzinfo=UTC),
    )
    values = dict(tags)
    assert values["og:title"] == values["twitter:title"] == "कांग्रेस नेता का दावा झूठा"
    assert values["og:type"] == "article"
    assert values["og:locale"] == "hi_IN"
    assert values["og:url"] == PAGE
    assert values["og:image"] == values["twitter:image"] == CARD
    assert (values["og:image:width"], values["og:image:height"]) == ("1200", "630")
    assert values["twitter:card"] == "summary_large_image"
    assert datetime.fromisoformat(values["article:published_time"]) == datetime(2024, 5, 2, tzinfo=UTC)
    for key in ("og:url", "og:image", "twitter:image"):
        parts = urlsplit(values[key])
        assert parts.scheme == "https"
        assert parts.netloc


def test_open_graph_needs_absolute_urls() -> None:
    with pytest.raises(ValueError, match="absolute"):
        open_graph_tags(title="t", description="d", url=PAGE, image_url="/card.png", site_name="s")


def test_meta_tags_are_escaped() -> None:
    hostile = '"><script>alert(1)</script>'
    rendered = str(meta_tags(open_graph_tags(
        title=hostile, description=hostile, url=PAGE, image_url=CARD, site_name=hostile,
    )))
    page = html.document_fromstring(f"<html><head>{rendered}</head><body></body></html>")
    assert page.find(".//script") is None
    metas = page.findall(".//meta")
    by_key = {meta.get("property") or meta.get("name"): meta for meta in metas}
    assert by_key["og:title"].get("content") == hostile
    assert by_key["twitter:title"].get("name") == "twitter:title"
    assert by_key["og:title"].get("property") == "og:title"
