"""Rebuttal bodies: Markdown renders, and no script survives it (SPEC §5: "rendered and sanitised")."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree, html
from markupsafe import Markup

from factcheck.publish.markdown import (
    MAX_INLINE_NESTING,
    MAX_REFERENCE_EXPANSION,
    MAX_TABLE_CELLS,
    MAX_TABLE_COLUMNS,
    plain_text,
    render_markdown,
)

# Filter-evasion payloads in the OWASP cheat-sheet style, as raw HTML and as Markdown.
PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//xss.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<img src=x onerror="alert(1)">',
    "<img src=x onerror=alert(1)//",
    '<IMG SRC="javascript:alert(1);">',
    "<IMG SRC=JaVaScRiPt:alert(1)>",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61>",
    '<IMG SRC="jav\tascript:alert(1);">',
    '<IMG SRC=" &#14;  javascript:alert(1);">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="jav&#x0A;ascript:alert(1)">x</a>',
    '<a href="&#x20;javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="#" onclick="alert(1)">x</a>',
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div style="width: expression(alert(1));">x</div>',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">x</button></form>',
    '<input onfocus=alert(1) autofocus>',
    '<body onload=alert(1)>',
    '<base href="javascript:alert(1)//">',
    "<!--<script>alert(1)</script>-->",
    "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<details open ontoggle=alert(1)>',
    '<video><source onerror="alert(1)"></video>',
    '<a href="https://ok.example" target="_blank" rel="opener">x</a>',
    "[link](javascript:alert(1))",
    "[link](JaVaScRiPt:alert(1))",
    "[link](jav&#x09;ascript:alert(1))",
    "[link](&#106;avascript:alert(1))",
    "[link](javascript&colon;alert(1))",
    "[link]( javascript:alert(1))",
    "[link](<javascript:alert(1)>)",
    "[link](vbscript:msgbox(1))",
    "[link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[link](file:///etc/passwd)",
    '[link](https://ok.example "title\\" onmouseover=\\"alert(1)")',
    "![img](javascript:alert(1))",
    "![img](data:image/png;base64,iVBORw0KGgo=)",
    "![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![img](x\" onerror=\"alert(1))",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "[ref]\n\n[ref]: javascript:alert(1)",
    "[ref]\n\n[ref]: <jav\tascript:alert(1)>",
    "```html\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    "| a | b |\n|---|---|\n| <script>alert(1)</script> | <img src=x onerror=alert(1)> |",
    "* <svg/onload=alert(1)>\n* [x](javascript:alert(1))",
    "> <iframe src=javascript:alert(1)>",
    "**<a href=javascript:alert(1)>bold</a>**",
    "javascript:alert(1)",
    "www.example.com/<script>alert(1)</script>",
]

SAFE_TAGS = {
    "div", "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code",
    "pre", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "background", "srcdoc", "xlink:href"}
SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")


def url_scheme(value: str) -> str | None:
    """The scheme a browser would see: C0 controls and spaces trimmed, tabs and newlines removed."""
    cleaned = value.strip("".join(map(chr, range(0x21))))
    cleaned = re.sub(r"[\t\n\r]", "", cleaned)
    match = SCHEME.match(cleaned)
    return match.group(1).lower() if match else None


def assert_inert(rendered: str) -> None:
    assert "<script" not in rendered.lower()
    assert "<!--" not in rendered
    root = html.fragment_fromstring(rendered or "<p></p>", create_parent="div")
    for node in root.iter():
        if not isinstance(node.tag, str):  # a comment or processing instruction
            pytest.fail(f"non-element node survived: {etree.tostring(node)!r}")
        assert node.tag in SAFE_TAGS, f"unexpected <{node.tag}> in {rendered!r}"
        for name, value in node.attrib.items():
            assert not name.lower().startswith("on"), f"event handler {name} in {rendered!r}"
            assert name.lower() != "style", f"style attribute in {rendered!r}"
            if name.lower() in URL_ATTRIBUTES:
                scheme = url_scheme(value)
                assert scheme in (None, "http", "https", "mailto"), f"{name}={value!r} in {rendered!r}"
                if node.tag == "img":
                    assert scheme in ("http", "https"), f"image source {value!r}"


@pytest.mark.parametrize(
    "unsafe",
    [
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        '<a href=" &#14; JAVASCRIPT:alert(1)">x</a>',
        '<img src="data:image/png;base64,AA">',
        '<img src="/relative.png">',
        '<p style="color:red">x</p>',
        '<p onclick="alert(1)">x</p>',
        "<script>alert(1)</script>",
        "<style>p{}</style>",
        "<iframe></iframe>",
        "<!-- x -->",
    ],
)
def test_the_checker_catches_unsafe_html(unsafe: str) -> None:
    """The check below must be able to fail, or the payload tests prove nothing."""
    with pytest.raises((AssertionError, pytest.fail.Exception)):
        assert_inert(unsafe)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_renders_inert(payload: str) -> None:
    assert_inert(str(render_markdown(payload)))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_inside_markdown_renders_inert(payload: str) -> None:
    body = f"# Claim\n\nThe post says {payload} and more.\n\n- {payload}\n\n> {payload}\n"
    assert_inert(str(render_markdown(body)))


_FRAGMENTS = st.sampled_from([*PAYLOADS, "[", "]", "(", ")", "<", ">", "&#", ";", "\t", "\n", "`", "!", '"'])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_FRAGMENTS, st.text(max_size=8)), max_size=12))
def test_mixtures_of_payloads_render_inert(pieces: list[str]) -> None:
    assert_inert(str(render_markdown("".join(pieces))))


def test_raw_html_is_shown_as_text_not_markup() -> None:
    rendered = render_markdown("<b>bold</b> & <i>x</i>")
    root = html.fragment_fromstring(str(rendered), create_parent="div")
    assert root.find(".//b") is None
    assert root.text_content().strip() == "<b>bold</b> & <i>x</i>"


def test_markdown_features_render() -> None:
    source = (
        "## Heading\n\n*em* **strong** ~~gone~~ `code`\n\n"
        "[site](https://example.org/a?b=1&c=2) [mail](mailto:desk@example.org) [page](/fact-checks/x)\n\n"
        "![chart](https://example.org/chart.png \"Chart\")\n\n"
        "| left | centre | right |\n|:-----|:------:|------:|\n| 1 | 2 | 3 |\n\n"
        "1. one\n2. two\n"
    )
    rendered = render_markdown(source)
    assert isinstance(rendered, Markup)
    root = html.fragment_fromstring(str(rendered), create_parent="div")
    assert root.findtext(".//h2") == "Heading"
    assert root.findtext(".//em") == "em"
    assert root.findtext(".//strong") == "strong"
    assert root.xpath("string(.//del | .//s)") == "gone"
    links = {a.text: a for a in root.iter("a")}
    assert links["site"].get("href") == "https://example.org/a?b=1&c=2"
    assert links["mail"].get("href") == "mailto:desk@example.org"
    assert links["page"].get("href") == "/fact-checks/x"
    for link in links.values():
        assert set(link.get("rel", "").split()) >= {"nofollow", "noopener", "noreferrer"}
    image = root.find(".//img")
    assert image.get("src") == "https://example.org/chart.png"
    assert image.get("alt") == "chart"
    assert [cell.get("align") for cell in root.iter("th")] == ["left", "center", "right"]
    assert [li.text for li in root.iter("li")] == ["one", "two"]


def test_unsafe_links_keep_their_text() -> None:
    root = html.fragment_fromstring(str(render_markdown("[the post](javascript:alert(1))")), create_parent="div")
    assert "the post" in root.text_content()
    assert all(url_scheme(a.get("href", "")) != "javascript" for a in root.iter("a"))


def test_non_http_images_are_dropped_but_links_stay() -> None:
    root = html.fragment_fromstring(
        str(render_markdown("![a](/local.png) ![b](mailto:x@example.org) [c](mailto:x@example.org)")),
        create_parent="div",
    )
    assert all(img.get("src") is None for img in root.iter("img"))
    assert [a.get("href") for a in root.iter("a")] == ["mailto:x@example.org"]


def test_devanagari_survives_rendering() -> None:
    root = html.fragment_fromstring(str(render_markdown("**कांग्रेस** नेता का दावा")), create_parent="div")
    assert root.findtext(".//strong") == "कांग्रेस"
    assert "नेता का दावा" in root.text_content()


def test_plain_text_drops_markup_and_keeps_blocks() -> None:
    source = "# Title\n\nA *claim* with [a link](https://example.org)\nand a `code` word.\n\n- first\n- second\n"
    assert plain_text(source) == "Title\nA claim with a link and a code word.\nfirst\nsecond"


def test_plain_text_is_not_html() -> None:
    text = plain_text("Fish &amp; chips <script>alert(1)</script>")
    assert text == "Fish & chips <script>alert(1)</script>"  # the caller escapes it where it goes
    assert isinstance(text, str)
    assert not isinstance(text, Markup)


def test_plain_text_of_empty_source() -> None:
    assert plain_text("") == ""
    assert str(render_markdown("")) == ""


# -- bounded work (issue 9): whatever a drafter writes, within the 100,000-character body ----------

TAG = re.compile(r"<(/?)([a-z][a-z0-9]*)[^>]*>")
VOID = {"br", "hr", "img"}


def tag_depth(rendered: str) -> int:
    """How deeply the elements of ``rendered`` nest (counted on the tags, whatever the depth)."""
    depth = deepest = 0
    for closing, name in TAG.findall(rendered):
        if name not in VOID:
            depth += -1 if closing else 1
            deepest = max(deepest, depth)
    return deepest


def nested(opening: str, middle: str, closing: str, size: int = 20_000) -> str:
    count = (size - len(middle)) // (len(opening) + len(closing))
    return opening * count + middle + closing * count


# CommonMark's pathological inputs (cmark test/pathological_tests.py) and a few more shapes.
PATHOLOGICAL = {
    "nested strong emphasis": nested("*a **a ", "b", " a** a*"),
    "nested emphasis": nested("*", "a", "*"),
    "nested strong": nested("**", "a", "**"),
    "emphasis closers without openers": "a_ " * 6_000,
    "mismatched openers and closers": "*a_ " * 5_000,
    "link openers without closers": "[a" * 10_000,
    "[ (]( repeated": "[ (](" * 4_000,
    "![[]() repeated": "![[]()" * 3_000,
    "nested brackets": nested("[", "a", "]"),
    "nested links and images": nested("![", "a", "](b)"),
    "nested block quotes": "> " * 10_000 + "a",
    "deeply nested lists": "".join("  " * i + "* a\n" for i in range(130)),
    "one-line nested lists": "- " * 10_000 + "a",
    "backticks": "".join("e" + "`" * i for i in range(1, 190)),
    "unclosed links": "[a](<b" * 3_000,
    "unclosed comments": "</" + "<!--" * 5_000,
    "entities": "&#" * 10_000,
    "many empty links": "[]()" * 5_000,
}


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_pathological_inputs_render_shallow_and_proportionate(name: str) -> None:
    source = PATHOLOGICAL[name]
    rendered = str(render_markdown(source))
    assert tag_depth(rendered) <= 2 * MAX_INLINE_NESTING + 5
    assert len(rendered) <= 15 * len(source) + 1_000


def test_emphasis_nested_past_the_cap_keeps_its_text() -> None:
    source = nested("*a **a ", "b", " a** a*")
    rendered = str(render_markdown(source))
    assert tag_depth(rendered) == MAX_INLINE_NESTING + 1  # inside one paragraph
    text = html.fragment_fromstring(rendered, create_parent="div").text_content()
    assert text.count("a") == source.count("a") and text.count("*") > 0
    shallow = "*a **b** c*"
    assert str(render_markdown(shallow)) == "<p><em>a <strong>b</strong> c</em></p>\n"


def many_tables(columns: int, rows: int, size: int) -> str:
    """Tables whose one-character rows are each filled up to the header's column count."""
    table = "|".join("a" * columns) + "\n" + "|".join("-" * columns) + "\n" + "x\n" * rows + "\n"
    return table * (size // len(table))


def test_tables_cannot_multiply_the_source() -> None:
    source = many_tables(MAX_TABLE_COLUMNS, 300, 5_000)  # 5 KB; two million cells before the cap
    rendered = str(render_markdown(source))
    assert rendered.count("<td") + rendered.count("<th>") <= MAX_TABLE_CELLS
    assert len(rendered) <= 30 * len(source)


def test_tables_wider_than_the_cap_are_text() -> None:
    def table(columns: int) -> str:
        return "|".join("h" * columns) + "\n" + "|".join("-" * columns) + "\n" + "|".join("c" * columns)

    assert str(render_markdown(table(MAX_TABLE_COLUMNS))).count("<td>") == MAX_TABLE_COLUMNS
    assert "<table>" not in str(render_markdown(table(MAX_TABLE_COLUMNS + 1)))


def test_ordinary_tables_render_whole() -> None:
    header = "| " + " | ".join(f"h{c}" for c in range(8)) + " |\n|" + "---|" * 8 + "\n"
    rows = "".join("| " + " | ".join(f"r{r}c{c}" for c in range(8)) + " |\n" for r in range(300))
    root = html.fragment_fromstring(str(render_markdown(header + rows + "\nafter")), create_parent="div")
    assert len(root.findall(".//td")) == 8 * 300
    assert root.findall(".//td")[-1].text == "r299c7"
    assert root.findtext("p") == "after"


def test_a_link_reference_cannot_multiply_the_source() -> None:
    source = "[a]: https://example.org/" + "x" * 10_000 + "\n\n" + "[a] " * 3_000
    rendered = str(render_markdown(source))
    assert len(rendered) <= 3 * (len(source) + MAX_REFERENCE_EXPANSION)
    assert rendered.count("<a ") >= MAX_REFERENCE_EXPANSION // 10_100  # the first uses are links
    assert "[a]" in rendered  # the rest stay text


def test_ordinary_link_references_resolve() -> None:
    source = "See [the list][rbi], [the list][rbi] and [rbi].\n\n[rbi]: https://rbi.org.in/holidays 'Holidays'\n"
    root = html.fragment_fromstring(str(render_markdown(source)), create_parent="div")
    assert [(a.get("href"), a.get("title")) for a in root.iter("a")] == [
        ("https://rbi.org.in/holidays", "Holidays")] * 3


def test_the_preview_is_rate_limited_per_account_by_size(make_user, api_client) -> None:
    writer, colleague = api_client(make_user("reviewer")), api_client(make_user("reviewer"))
    largest = {"body": "word " * 19_999}  # about 100 KB: each costs 11 of the 120 a minute
    assert [writer.post("/api/markdown", json=largest).status_code for _ in range(10)] == [200] * 10
    assert writer.post("/api/markdown", json={"body": "a *small* one"}).status_code == 200  # costs 1
    refused = writer.post("/api/markdown", json=largest)
    assert refused.status_code == 429 and {"error", "message"} <= set(refused.json)
    assert colleague.post("/api/markdown", json=largest).status_code == 200
