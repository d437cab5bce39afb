"""Links as they come in forwards: found in the text whatever their shape, and nothing else taken
for a link (issue 12)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from factcheck.claims.links import InvalidURL, find_links, link_from_typed

FORWARDS = [
    # schemeless, with emoji and exclamation marks around them
    ("*Forwarded as received* 👉 bit.ly/3xYz9Q share fast!!", ["https://bit.ly/3xYz9Q"]),
    ("देखें www.example.com/x। अब सच पता चला", ["https://www.example.com/x"]),
    ("Read: example.co.in/story).", ["https://example.co.in/story"]),
    ("Watch this!!! https://youtu.be/abc123?si=Tr4ck👇👇", ["https://youtu.be/abc123"]),
    ("कल से सभी बैंक बंद रहेंगे https://example.com/banks🙏🏻🙏🏻", ["https://example.com/banks"]),
    ("पूरी खबर यहाँ पढ़ें: https://news.example.in/article/123।", ["https://news.example.in/article/123"]),
    ("सच जानिए (www.factcheck.example.org/a-b-c)!", ["https://www.factcheck.example.org/a-b-c"]),
    # brackets and quotes
    ("(see https://en.wikipedia.org/wiki/Foo_(bar)) and \"https://x.com/user/status/1\"",
     ["https://en.wikipedia.org/wiki/Foo_(bar)", "https://x.com/user/status/1"]),
    ("“https://example.org/quoted” and ‘bit.ly/single’ and «example.net/guillemets»",
     ["https://example.org/quoted", "https://bit.ly/single", "https://example.net/guillemets"]),
    ("[link](https://example.com/markdown) <https://example.com/angle>",
     ["https://example.com/markdown", "https://example.com/angle"]),
    # several in one text, in order, each once, tracking parameters dropped
    ("1) https://a.example.com/one\n2) b.example.com/two?utm_source=wa\n3) https://a.example.com/one",
     ["https://a.example.com/one", "https://b.example.com/two"]),
    ("link https://a.com/x,https://b.com/y; also https://c.com/z.", ["https://a.com/x", "https://b.com/y",
                                                                   "https://c.com/z"]),
    # glued to Hindi text on either side
    ("देखेंhttps://glued.example.com/p", ["https://glued.example.com/p"]),
    ("Visit example.comपर जाएं", ["https://example.com/"]),
    # Devanagari hosts and paths
    ("सच्चाई: हिंदी.भारत/समाचार पर पढ़ें", ["https://हिंदी.भारत/समाचार"]),
    ("https://example.com/समाचार/बैंक-बंद 🙏", ["https://example.com/समाचार/बैंक-बंद"]),
    # WhatsApp's formatting marks around links
    ("*https://bold.example.org/a* _www.italic.in_ ~strike.com~",
     ["https://bold.example.org/a", "https://www.italic.in/", "https://strike.com/"]),
    ("Read more...bit.ly/x", ["https://bit.ly/x"]),
    # shouting, ports, archives holding a link, defanged links
    ("WWW.SHOUT.COM/ABC!", ["https://www.shout.com/ABC"]),
    ("example.com:8080/x", ["https://example.com:8080/x"]),
    ("https://web.archive.org/web/2020/https://example.com/ ok", ["https://web.archive.org/web/2020/https://example.com/"]),
    ("hxxps://evil[.]example[.]com/p and hXXp://old.example.net", ["https://evil.example.com/p",
                                                                  "http://old.example.net/"]),
    ("visit foo.example.com.", ["https://foo.example.com/"]),
]

NOT_LINKS = [
    "e.g. this is not a link, i.e. nor this",
    "version 10.5 and 1.2.3 and 192.168.1.1 and Rs.500 and 10.30am",
    "write to john.smith@example.com or help@gmail.com",
    "Sent to everyone.In the morning the banks",
    "photo.jpg video.mp4 report.pdf video.mov archive.zip setup.exe",
    "Mr.Modi and U.S. and a.m. and St.Louis",
    "ftp://example.com/file and mailto:someone@example.com",
    "https:// nothing here",
    "a.b and localhost:5000",
]


@pytest.mark.parametrize(("text", "expected"), FORWARDS)
def test_links_are_found_in_every_shape_forwards_carry(text, expected):
    assert find_links(text) == expected


@pytest.mark.parametrize("text", NOT_LINKS)
def test_what_only_looks_like_a_link_is_not_taken(text):
    assert find_links(text) == []


def test_a_link_between_other_words_is_found_among_non_links():
    text = "e.g. 10.5% of Rs.500, mail me@example.org — full story: bit.ly/hoax ।"
    assert find_links(text) == ["https://bit.ly/hoax"]


@pytest.mark.parametrize(("typed", "expected"), [
    ("bit.ly/abc", "https://bit.ly/abc"),
    (" (www.example.com/a). ", "https://www.example.com/a"),
    ("example.co.in/story!", "https://example.co.in/story"),
    ("hxxp://example[.]com", "http://example.com/"),
    ("HTTPS://Example.COM/Path", "https://example.com/Path"),
    ("हिंदी.भारत", "https://हिंदी.भारत/"),
])
def test_a_typed_link_is_read_as_people_write_it(typed, expected):
    assert link_from_typed(typed) == expected


@pytest.mark.parametrize("typed", ["javascript:alert(1)", "e.g.", "localhost:5000", "photo.jpg", "", "   ",
                                   "mailto:a@example.com", "ftp://example.com/", "not a link at all"])
def test_a_typed_non_link_is_refused_saying_why(typed):
    with pytest.raises(InvalidURL):
        link_from_typed(typed)


@given(st.text(max_size=300))
def test_any_text_gives_links_that_are_their_own_normal_form(text):
    for url in find_links(text):
        assert url.startswith(("http://", "https://"))
        assert link_from_typed(url) == url


PIECES = st.sampled_from(["https://", "http://", "hxxps://", "www.", "bit.ly", "example", ".com", ".in", ".",
                          "/", "?a=1", "#x", "(", ")", "[.]", "@", ":", "8080", " ", "\n", "।", "👉", "🙏", "हिंदी",
                          ".भारत", "-", "_", "*", "\"", "e.g.", "10.5", "…", ",", "!"])


@given(st.lists(PIECES, max_size=25).map("".join))
def test_link_shaped_text_gives_only_normal_links(text):
    links = find_links(text)
    assert len(links) == len(set(links))
    for url in links:
        assert link_from_typed(url) == url
        assert not url.endswith((".", ",", "!", ")", "।")) or url.count("(") >= url.count(")")
