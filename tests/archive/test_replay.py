"""The replay of an archived page cannot reach out: every URL it could load, prefetch or follow is
removed (kept aside as evidence), whatever the markup, and the text stays.

Two oracles, independent of the code under test: the hoax host may appear in the replayed bytes
only inside the evidence attributes (``data-archived-*`` and ``title``), and a parse of the output
finds no element, attribute or CSS that fetches or navigates.
"""

from __future__ import annotations

import base64
import html
import re

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factcheck.archive.replay import neutralise_css, neutralise_html, svg_as_image
from tests.httpserver import png_bytes, respond

HOST = "hoax.example"
H = f"https://{HOST}"
PAGE_URL = f"{H}/news/banks.html"

EVERY_WAY = f"""<!DOCTYPE html>
<html manifest="{H}/app.appcache" xmlns="http://www.w3.org/1999/xhtml"><head profile="{H}/profile">
<meta charset="windows-1252">
<meta http-equiv="refresh" content="0; url={H}/refresh">
<meta http-equiv="Set-Cookie" content="tracker=1; domain={HOST}">
<meta http-equiv="Link" content="<{H}/hinted>; rel=preconnect">
<meta http-equiv="Content-Security-Policy" content="img-src {H}">
<meta name="referrer" content="unsafe-url">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta property="og:image" content="{H}/og.png">
<title>Banks shut for ten days</title>
<base href="{H}/base/">
<link rel="preconnect" href="{H}"><link rel="dns-prefetch" href="//{HOST}">
<link rel="prefetch" href="{H}/prefetch"><link rel="prerender" href="{H}/prerender">
<link rel="preload" href="{H}/preload.js" as="script"><link rel="modulepreload" href="{H}/module.js">
<link rel="stylesheet" href="{H}/style.css"><link rel="icon" href="{H}/favicon.ico">
<link rel="manifest" href="{H}/app.webmanifest"><link rel="import" href="{H}/import.html">
<link rel="preload" as="image" imagesrcset="{H}/a.png 1x, {H}/b.png 2x">
<link rel="alternate stylesheet" href="{H}/alt.css"><link rel="expect" href="#x" blocking="render">
<script src="{H}/script.js"></script>
<script>fetch("{H}/inline")</script>
<script type="speculationrules">{{"prerender": [{{"source": "list", "urls": ["{H}/speculation"]}}]}}</script>
<style>
<!--
@import url({H}/import.css);
@import "{H}/import-string.css" screen;
@\\69mport '{H}/import-escaped.css';
@font-face {{ font-family: Hoax; src: local(Hoax), url({H}/font.woff2) format("woff2"); }}
body {{ background: url( "{H}/background.png" ) no-repeat; color: #222 }}
.a {{ background-image: image-set("{H}/set.png" 1x, url({H}/set2.png) 2x) }}
.b {{ background-image: -webkit-image-set(url({H}/webkit.png) 1x) }}
.c {{ background: \\75 rl({H}/escaped.png); list-style: u\\rl({H}/escaped2.png) }}
.d {{ cursor: url({H}/cursor.cur), auto; border-image: url('{H}/border.png') 30 }}
.e {{ mask: url({H}/mask.svg#m); filter: url({H}/filter.svg#f); clip-path: url(#local) }}
.f {{ background: cross-fade(url({H}/x.png), url({H}/y.png), 50%) }}
.g {{ background: url/**/(not-a-url.png); content: "\\"" }}
.h {{ background: url(data:image/png;base64,iVBORw0KGgo=) }}
.i {{ background: src("{H}/src-function.png") }}
-->
</style>
</head>
<body background="{H}/body.png" onload="fetch('{H}/onload')" text="#000">
<h1 id="headline">Banks will be shut for ten days</h1>
<p>Forward this to everyone: <b>every bank closes from tomorrow</b>.</p>
<img src="{H}/img.png" alt="flyer" width="300" height="200" onerror="fetch('{H}/onerror')">
<img src="  {H}/spaced.png" alt="spaced"><img src="relative.png" alt="relative">
<img srcset="{H}/1x.png 1x, {H}/2x.png 2x" sizes="100vw" alt="srcset">
<img src="data:image/png;base64,iVBORw0KGgo=" alt="inline" lowsrc="{H}/low.png" dynsrc="{H}/dyn.avi"
     longdesc="{H}/desc.html" attributionsrc="{H}/attribution" usemap="#map">
<img src="data:text/html,&lt;script&gt;" alt="not an image">
<picture><source srcset="{H}/source.webp" type="image/webp"><source src="{H}/source.png">
  <img src="{H}/pic.png" alt="pic"></picture>
<div style="background-image:url({H}/inline.png);width:20px" onmouseover="x()">styled</div>
<div style="background:\\75 rl({H}/inline-escaped.png)">escaped</div>
<table background="{H}/table.png"><tr><td background="{H}/td.png">cell text</td></tr></table>
<iframe src="{H}/iframe" width="400" height="300">fallback?</iframe>
<iframe srcdoc="&lt;img src='{H}/srcdoc.png'&gt;"></iframe>
<object data="{H}/object.swf" codebase="{H}/codebase" classid="clsid:1" archive="{H}/a.jar">
  <param name="movie" value="{H}/param.swf"><p>object fallback text</p></object>
<embed src="{H}/embed.swf" pluginspage="{H}/plugins">
<p>after the embed</p>
<applet code="{H}/Applet.class" codebase="{H}/">applet fallback</applet>
<portal src="{H}/portal"></portal><fencedframe src="{H}/fenced"></fencedframe>
<video src="{H}/video.mp4" poster="{H}/poster.png" autoplay preload="auto"><source src="{H}/v.webm">
  <track src="{H}/track.vtt" kind="captions"></video>
<audio src="{H}/audio.mp3" autoplay></audio><bgsound src="{H}/bgsound.mid">
<svg width="100" height="100" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 100">
  <style>@import url({H}/svg.css); rect {{ fill: url({H}/paint.svg#p) }}</style>
  <script href="{H}/svg-script.js"></script>
  <image href="{H}/svg-image.png" width="10" height="10"/>
  <image xlink:href="{H}/svg-xlink.png" width="10" height="10"/>
  <image href="data:image/png;base64,iVBORw0KGgo=" width="10" height="10"/>
  <use href="{H}/sprite.svg#icon"/><use href="#local"/>
  <filter id="f"><feImage href="{H}/fe.png"/></filter>
  <linearGradient id="g" xlink:href="#local"/>
  <rect id="local" width="10" height="10" fill="url({H}/fill.svg#p)" stroke="url(#g)"
        filter="url({H}/filter.svg#f)" clip-path="url({H}/clip.svg#c)" mask="url({H}/mask.svg#m)"
        marker-end="url({H}/marker.svg#m)" cursor="url({H}/cursor.cur), auto"/>
  <a xlink:href="{H}/svg-link"><text x="5" y="50">svg link text</text></a>
  <a href="{H}/svg-link2"><set attributeName="href" to="{H}/set"/>set</a>
  <image><animate attributeName="href" values="{H}/animate.png"/></image>
  <foreignObject width="50" height="50"><img src="{H}/foreign.png"/></foreignObject>
</svg>
<math href="{H}/math"><mi>x</mi><mglyph src="{H}/glyph.png"/></math>
<p><a id="article" href="{H}/article" ping="{H}/ping" target="_blank" rel="noopener">Read the original</a>
<a href="relative/link.html">relative link</a> <a href="javascript:fetch('{H}/js')">js link</a>
<a href="data:image/png;base64,iVBORw0KGgo=">data link</a> <a href="#headline" title="top">to the top</a></p>
<map name="map"><area shape="rect" coords="0,0,10,10" href="{H}/area" ping="{H}/area-ping"></map>
<blockquote cite="{H}/quoted">a quotation</blockquote><q cite="{H}/q">short</q>
<form action="{H}/form" method="post"><input name="q" autofocus formaction="{H}/input-action">
  <input type="image" src="{H}/input.png" alt="go"><button formaction="{H}/button">Send</button></form>
<div itemscope itemtype="{H}/Schema" itemid="{H}/id" xml:base="{H}/">microdata</div>
<template><img src="{H}/template.png"></template>
<template shadowrootmode="open"><p>shadow text</p><img src="{H}/shadow.png"></template>
<noscript><img src="{H}/noscript.png" alt="noscript image"><p>noscript text</p></noscript>
<noembed><img src="{H}/noembed.png"></noembed>
<frameset><frame src="{H}/frame.html"></frameset>
<p>last paragraph</p>
</body></html>"""

# What a browser may fetch or follow, listed here independently of the code under test.
URL_ATTRIBUTES = {"href", "src", "srcset", "imagesrcset", "poster", "background", "data", "codebase",
                  "classid", "archive", "code", "action", "formaction", "ping", "cite", "longdesc",
                  "lowsrc", "dynsrc", "manifest", "profile", "icon", "attributionsrc", "srcdoc",
                  "itemtype", "itemid", "base", "pluginspage", "usemap", "object", "http-equiv"}
REACHING_ELEMENTS = {"script", "link", "base", "iframe", "frame", "frameset", "object", "embed", "applet",
                     "portal", "fencedframe", "param", "set", "animate", "template", "noscript",
                     "noembed", "noframes"}
# Attributes read as CSS: inline style, and SVG presentation attributes that take url().
CSS_ATTRIBUTES = {"style", "fill", "stroke", "filter", "clip-path", "mask", "marker-start", "marker-mid",
                  "marker-end", "cursor"}
EVIDENCE_ATTRIBUTE = re.compile(r' (?:data-archived-[a-z-]+|title)="[^"]*"')
CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})[ \t\n]?|\\(.)")
RAW_TAG = re.compile(r"<([A-Za-z][^\t\n\f />]*)([^>]*)>")
RAW_ATTRIBUTE = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")


def replay(html: str | bytes, charset: str | None = "utf-8", url: str | None = PAGE_URL) -> bytes:
    body = html.encode("utf-8") if isinstance(html, str) else html
    return neutralise_html(body, charset, url=url)


def host_outside_evidence(output: bytes) -> bool:
    """Whether the hoax host appears anywhere but in the attributes kept as evidence."""
    return HOST in EVIDENCE_ATTRIBUTE.sub("", output.decode("utf-8")).lower()


def decoded_css(css: str) -> str:
    return CSS_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) else m.group(2), css).lower()


def css_reaches_out(css: str) -> bool:
    """Whether CSS could load anything but a same-document fragment or a data: image.

    A string's text loads nothing by itself (only as the argument of url(), image-set() or
    @import, which are looked for outside strings), so strings are set aside first."""
    css = re.sub(r"""(?i)url\(\s*(["'])(?:#|data:image/).*?\1\s*\)""", "kept-url", css)
    css = re.sub(r""""(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'""", '""', css)
    css = decoded_css(re.sub(r"/\*.*?\*/", " ", css, flags=re.S))
    if re.search(r"@import|image-set\(|cross-fade\(|(?<![-\w])src\(|(?<![-\w])image\(", css):
        return True
    return bool(re.search(r"(?<![-\w])url\((?!\s*(?:#|data:image/))", css))


def attribute_reaches_out(tag: str, name: str, value: str) -> bool:
    local = name.lower().rsplit(":", 1)[-1]
    if local.startswith("on"):
        return True
    if local in URL_ATTRIBUTES and not name.startswith("data-"):
        data_image = value.startswith("data:image/") and tag not in ("a", "area")
        return not (value.startswith("#") or data_image)
    return local in CSS_ATTRIBUTES and css_reaches_out(value)


def reaching_out(output: bytes) -> list[str]:
    """Everything in a parse of ``output`` that could fetch, prefetch or navigate by itself."""
    tree = lxml.html.document_fromstring(output)
    found = [f"<{tag}>" for tag, _attributes in RAW_TAG.findall(output.decode("utf-8"))
             if tag.lower() in REACHING_ELEMENTS]
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag in REACHING_ELEMENTS:
            found.append(f"<{element.tag}>")
        if element.tag == "style" and css_reaches_out(element.text_content()):
            found.append(f"<style>{element.text_content()}")
        found.extend(f"{element.tag}[{name}={value}]" for name, value in element.attrib.items()
                     if attribute_reaches_out(element.tag, name, value))
    # Parser-independent: every "<tag ...>" anywhere in the bytes, as a browser might read it
    # (inside <svg>, even a <style>'s text is markup).
    for tag, attributes in RAW_TAG.findall(output.decode("utf-8")):
        for name, *values in RAW_ATTRIBUTE.findall(attributes):
            value = html.unescape(next((v for v in values if v), ""))
            if attribute_reaches_out(tag.lower(), name, value):
                found.append(f"raw {tag}[{name}={value}]")
    return found


def text_of(output: bytes) -> str:
    return lxml.html.document_fromstring(output).text_content()


# -- every way at once ------------------------------------------------------------------------


def test_a_page_using_every_way_to_reach_out_reaches_nothing():
    output = replay(EVERY_WAY)
    assert reaching_out(output) == []
    assert not host_outside_evidence(output), EVIDENCE_ATTRIBUTE.sub("", output.decode())


def test_the_text_and_layout_survive():
    output = replay(EVERY_WAY)
    text = text_of(output)
    for words in ("Banks will be shut for ten days", "every bank closes from tomorrow", "cell text",
                  "object fallback text", "after the embed", "applet fallback", "svg link text",
                  "Read the original", "a quotation", "microdata", "noscript text", "shadow text",
                  "last paragraph"):
        assert words in text
    tree = lxml.html.document_fromstring(output)
    assert tree.findtext(".//title") == "Banks shut for ten days"
    flyer = tree.xpath("//img[@alt='flyer']")[0]
    assert (flyer.get("width"), flyer.get("height")) == ("300", "200")
    assert tree.xpath("//div[text()='styled']/@style") == ["background-image: none ;width:20px"]
    assert tree.xpath("//meta[@name='viewport']/@content") == ["width=device-width, initial-scale=1"]
    assert output.startswith(b"<!DOCTYPE html><html")


def test_removed_urls_stay_visible_as_evidence_and_links_cannot_be_followed():
    tree = lxml.html.document_fromstring(replay(EVERY_WAY))
    article = tree.get_element_by_id("article")
    assert article.get("href") is None and article.get("ping") is None and article.get("target") is None
    assert article.get("data-archived-href") == f"{H}/article"
    assert article.get("title") == f"{H}/article"
    assert article.get("data-archived-ping") == f"{H}/ping"
    # Relative URLs are shown resolved against the page's own <base>.
    assert tree.xpath("//a[text()='relative link']/@data-archived-href") == [f"{H}/base/relative/link.html"]
    assert tree.xpath("//img[@alt='relative']/@data-archived-src") == [f"{H}/base/relative.png"]
    assert tree.xpath("//a[text()='js link']/@data-archived-href") == [f"javascript:fetch('{H}/js')"]
    assert tree.xpath("//img[@alt='srcset']/@data-archived-srcset") == [f"{H}/1x.png 1x, {H}/2x.png 2x"]
    assert tree.xpath("//form/@data-archived-action") == [f"{H}/form"]
    # A frame leaves a box naming what it would have loaded.
    boxes = tree.xpath("//span[@data-archived-element]")
    iframe = boxes[0]
    assert iframe.get("data-archived-element") == "iframe"
    assert iframe.get("data-archived-src") == f"{H}/iframe"
    assert iframe.get("title") == f"iframe: {H}/iframe"
    assert iframe.get("style") == "width:400px;height:300px"
    assert tree.xpath("//span[@data-archived-element='object']/@data-archived-data") == [f"{H}/object.swf"]
    assert {box.get("data-archived-element") for box in boxes} == {"iframe", "object", "embed", "applet", "frame"}


def test_data_images_and_same_page_references_stay():
    tree = lxml.html.document_fromstring(replay(EVERY_WAY))
    inline = tree.xpath("//img[@alt='inline']")[0]
    assert inline.get("src") == "data:image/png;base64,iVBORw0KGgo="
    assert inline.get("usemap") == "#map"
    assert tree.xpath("//a[text()='to the top']/@href") == ["#headline"]
    assert tree.xpath("//a[text()='to the top']/@title") == ["top"]
    assert tree.xpath("//use/@href") == ["#local"]
    assert tree.xpath("//rect/@stroke") == ['url("#g")']
    # A data: URL that is not an image, or behind a link, is not kept.
    assert tree.xpath("//img[@alt='not an image']/@src") == []
    assert tree.xpath("//a[text()='data link']/@href") == []


def test_the_replay_declares_utf8_once_and_adds_nothing_that_loads():
    output = replay(EVERY_WAY)
    tree = lxml.html.document_fromstring(output)
    assert [meta.get("charset") for meta in tree.iter("meta") if meta.get("charset")] == ["utf-8"]
    assert tree.find("head")[0].tag == "meta"


# -- CSS ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("css", [
    f"a{{background:url({H}/x)}}",
    f"a{{background:URL( '{H}/x' )}}",
    f"a{{background:\\75 rl({H}/x)}}",
    f"a{{background:\\000075\\000072\\00006c({H}/x)}}",
    f"a{{background:u\\72l({H}/x)}}",
    f"@import '{H}/x.css';",
    f"@IMPORT url({H}/x.css) screen;",
    f"@\\69 mport '{H}/x.css';",
    f"a{{b:image-set('{H}/x' 1x)}}",
    f"a{{b:-webkit-image-set(url({H}/x) 1x)}}",
    f"@font-face{{src:url({H}/f.woff)}}",
    f"a{{--x:url({H}/x);background:var(--x)}}",
    f"a{{background:url({H}/x\\)y)}}",
    f"a{{background:url({H}/a(b)}}",
    f"u@import '{H}/x';rl(y)",
    f"a{{b:url(\"{H}/x\" url({H}/y))}}",
    f"a{{b:image-set(image-set(image-set(url({H}/x))))}}",
    "a{b:url(" + "(" * 500 + f"{H}/x",
])
def test_css_that_loads_is_neutralised(css):
    result = neutralise_css(css, in_style_element=True)
    assert not css_reaches_out(result), result
    assert HOST not in decoded_css(result)


@pytest.mark.parametrize(("css", "expected"), [
    ("a{color:red;margin:0 auto}", "a{color:red;margin:0 auto}"),
    ("@media (max-width: 600px){a{b:c}}", "@media (max-width: 600px){a{b:c}}"),
    (".x{&:hover{color:red}}", ".x{&:hover{color:red}}"),
    ("a{fill:url(#g)}", 'a{fill:url("#g")}'),
    ("a{b:url( data:image/png;base64,AAA= )}", 'a{b:url("data:image/png;base64,AAA=")}'),
    ('a{content:"\\"quoted\\""}', 'a{content:"\\22 quoted\\22 "}'),
    ("a{b:c}/* comment */d{e:f}", "a{b:c} d{e:f}"),
])
def test_harmless_css_is_kept(css, expected):
    assert neutralise_css(css) == expected


def test_css_in_a_style_element_cannot_close_it_or_open_markup():
    result = neutralise_css('a{content:"</style><img src=x>"} </style><img src=x> &#117;rl(x)',
                            in_style_element=True)
    assert "</" not in result and "<img" not in result and "&#" not in result
    output = replay(f"<svg><style>a{{}}</style><style><img src={H}/breakout.png></style></svg><p>after</p>")
    assert reaching_out(output) == []
    assert b"<img" not in output and "after" in text_of(output)


# -- markup that differs between parsers --------------------------------------------------------


@pytest.mark.parametrize("markup", [
    f"<p>a<!-- x --!><img src={H}/after-comment.png> -->b</p>",
    f"<p>a<!-- <img src={H}/in-comment.png> --></p>",
    f"<textarea>&lt;/textarea&gt;&lt;img src={H}/textarea.png&gt;</textarea>",
    f"<title>&lt;/title&gt;&lt;img src={H}/title.png&gt;</title>",
    f"<xmp><img src={H}/xmp.png></xmp>",
    f"<noembed><img src={H}/noembed.png></noembed><noframes><img src={H}/noframes.png></noframes>",
    f"<plaintext><img src={H}/plaintext.png>",
    f"<iframe><img src={H}/iframe-content.png></iframe>",
    f'<img a"b="1" src/x={H}/odd-name.png>',
    f"<img src=\"{H}/quote.png\"onerror=x>",
    f"<math><mtext><table><mglyph><style><img src={H}/mglyph.png>",
    f"<svg><foreignObject><style><img src={H}/fo.png></style></foreignObject></svg>",
    f"<select><template><style><img src={H}/select.png></style></template></select>",
    f"<?xml-stylesheet href=\"{H}/pi.css\"?><p>x",
    f"<a href='{H}/a'><a href='{H}/b'>nested</a></a>",
    f"<svg><a href='{H}/svg'><circle r='5'/></a></svg>",
])
def test_markup_parsed_differently_by_browsers_still_reaches_nothing(markup):
    assert reaching_out(replay(markup)) == []


def test_raw_text_is_shown_as_text():
    tree = lxml.html.document_fromstring(replay("<xmp><b>bold?</b></xmp><textarea>&lt;b&gt;</textarea>"))
    assert tree.xpath("//pre/text()") == ["<b>bold?</b>"]
    assert tree.xpath("//textarea/text()") == ["<b>"]


# -- bodies of every kind -------------------------------------------------------------------------


def test_windows_1252_pages_keep_their_text():
    body = ("<html><head><meta charset=windows-1252><title>Caf\u00e9</title></head>"
            "<body><p>\u201cna\u00efve\u201d \u20ac5</p>")
    output = replay(body.encode("cp1252"), charset="windows-1252")
    assert "\u201cna\u00efve\u201d \u20ac5" in output.decode("utf-8")
    undeclared = replay(b"<p>Caf\xe9 cr\xe8me br\xfbl\xe9e et cr\xeapes flamb\xe9es</p>", charset=None)
    assert "Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e" in undeclared.decode("utf-8")


def test_xhtml_is_replayed_as_html_without_its_stylesheet_instruction():
    body = f"""<?xml version="1.0" encoding="utf-8"?>
<?xml-stylesheet href="{H}/x.css" type="text/css"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title><link rel="stylesheet" href="{H}/s.css"/></head>
<body><p>XHTML text</p><img src="{H}/x.png" alt=""/></body></html>""".encode()
    output = replay(body)
    assert reaching_out(output) == [] and not host_outside_evidence(output)
    assert b"<?" not in output and "XHTML text" in text_of(output)
    assert b"xmlns" not in output
    assert output.startswith(b'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN"')


@pytest.mark.parametrize("body", [
    b"", b"   \n", b"<!DOCTYPE html>", b"<!-- only a comment -->", b"\x00\x01\x02\xff\xfe",
    b"<<<>>><p<a<", b"<html><body><p>unclosed <b>bold <i>italic", b"<svg><style>", b"<style>a{b:url(",
    b"\xef\xbb\xbf<p>BOM</p>", "<p>\u0928\u092e\u0938\u094d\u0924\u0947</p>".encode("utf-16"),
    b"<div>" * 20_000 + b"deep" + b"</div>" * 20_000, b"<p " + b"a=1 " * 50_000 + b">many attributes",
    b"<img src='" + b"x" * 100_000 + b"'>",
])
def test_malformed_pages_replay_without_error(body):
    output = neutralise_html(body, None, url=None)
    assert output.startswith(b"<!DOCTYPE") or output.startswith(b"<html")
    assert reaching_out(output) == []


def test_a_page_nested_deeper_than_the_parser_goes_keeps_its_text():
    output = replay(b"<div>" * 20_000 + f"<p>deep text</p><img src={H}/deep.png>".encode() + b"</div>" * 20_000)
    assert "deep text" in text_of(output)
    assert reaching_out(output) == []


def test_a_ten_megabyte_page_is_replayed_whole():
    paragraph = (f'<p class="x" style="background:url({H}/bg.png)">Paragraph with a '
                 f'<a href="{H}/link">link</a> and <img src="{H}/i.png" alt="i"></p>\n')
    body = ("<html><body>" + paragraph * (10 * 1024 * 1024 // len(paragraph)) + "<p>the end</p></body></html>")
    output = replay(body)
    assert len(body) > 10_000_000
    assert output.count(b"Paragraph with a") == body.count("Paragraph with a")
    assert b"the end" in output and not host_outside_evidence(output)


def test_svg_is_replayed_as_an_image():
    svg = f'<svg xmlns="http://www.w3.org/2000/svg"><image href="{H}/x.png"/><script>alert(1)</script></svg>'.encode()
    output = svg_as_image(svg)
    tree = lxml.html.document_fromstring(output)
    [image] = tree.iter("img")
    prefix = "data:image/svg+xml;base64,"
    assert image.get("src").startswith(prefix)
    assert base64.b64decode(image.get("src")[len(prefix):]) == svg
    assert HOST.encode() not in output and [element.tag for element in tree.iter("svg", "script")] == []


# -- property: arbitrary markup ------------------------------------------------------------------

_TAGS = ["a", "img", "link", "script", "style", "iframe", "object", "embed", "svg", "image", "use",
         "feimage", "math", "video", "audio", "source", "track", "input", "form", "button", "base",
         "meta", "noscript", "template", "table", "td", "body", "div", "p", "set", "animate", "area",
         "frame", "frameset", "portal", "textarea", "title", "xmp", "foreignobject", "mglyph"]
_ATTRIBUTES = ["src", "href", "xlink:href", "srcset", "poster", "background", "data", "action", "formaction",
               "ping", "style", "onload", "onerror", "http-equiv", "content", "rel", "fill", "filter",
               "cursor", "usemap", "lowsrc", "attributionsrc", "to", "values", "attributename", "class",
               "id", "codebase", "manifest", "srcdoc", "imagesrcset", "itemtype", "type"]
_VALUES = [f"{H}/v", f"//{HOST}/v", f"  {H}/spaced", f"url({H}/v)", f"\\75 rl({H}/v)",
           f"0; url={H}/refresh", f"{H}/1x.png 1x, {H}/2x.png 2x", "#frag", "data:image/png;base64,AA",
           f"background:url({H}/v)", f"background:image-set('{H}/v' 1x)", "refresh", "preconnect",
           "href", "image", f"javascript:fetch('{H}/js')", f"data:text/html,<img src={H}/d>"]
_CSS = [f"@import '{H}/i.css';", f"a{{background:url({H}/b)}}", f"@font-face{{src:url({H}/f)}}",
        f"b{{c:\\75 rl({H}/e)}}", "</style>", "<!--", "-->", "<img src=x>", "&#117;", "a{b:c}",
        f"x{{y:image-set('{H}/s' 1x)}}", "/*", "*/", '"', "'", "(", ")", "\\", "{", "}", ";"]


@st.composite
def pages(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 25))):
        kind = draw(st.sampled_from(["open", "close", "text", "css", "raw"]))
        if kind == "open":
            tag = draw(st.sampled_from(_TAGS))
            attributes = draw(st.lists(st.tuples(st.sampled_from(_ATTRIBUTES), st.sampled_from(_VALUES)),
                                       max_size=3))
            quote = draw(st.sampled_from(['"', "'", ""]))
            written = "".join(f" {name}={quote}{value}{quote}" for name, value in attributes)
            parts.append(f"<{tag}{written}{draw(st.sampled_from(['>', '/>', ' >']))}")
        elif kind == "close":
            parts.append(f"</{draw(st.sampled_from(_TAGS))}>")
        elif kind == "text":
            parts.append(draw(st.text(alphabet="ab <>&\"'=/-!?;#\n", max_size=10)))
        elif kind == "css":
            parts.append("".join(draw(st.lists(st.sampled_from(_CSS), max_size=6))))
        else:
            parts.append(draw(st.sampled_from(["<!--", "-->", "--!>", "<![CDATA[", "]]>", "<!DOCTYPE html>",
                                               "<?xml version='1.0'?>", "&lt;", "&amp;", "\x00", "\ufeff"])))
    return "".join(parts)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pages())
def test_arbitrary_markup_never_yields_a_fetchable_url(page):
    output = replay(page)
    assert reaching_out(output) == [], output


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([None, "utf-8", "windows-1252", "shift_jis", "bogus"]))
def test_arbitrary_bytes_never_raise(body, charset):
    output = neutralise_html(body, charset)
    assert reaching_out(output) == []


# -- the replay view --------------------------------------------------------------------------------


def replay_response(browser, make_user, snapshot_page: str):
    reviewer = browser(make_user("reviewer"))
    page = reviewer.get(snapshot_page).get_data(as_text=True)
    path = page.split('<iframe class="replay" sandbox src="')[1].split('"')[0].replace("&amp;", "&")
    return reviewer, reviewer.get(path)


def archived(api, run_jobs, *urls: str) -> list[dict]:
    response = api.post("/api/claims", json={"text": "check", "urls": list(urls), "platform": "web"})
    assert response.status_code == 201, response.json
    run_jobs()
    return [source["snapshots"][0] for source in api.get(f"/api/claims/{response.json['id']}").json["sources"]]


@pytest.fixture
def api(api_client, make_user):
    return api_client(make_user("reviewer"))


def test_the_replay_view_serves_the_neutralised_page_under_a_strict_policy(app, site, api, browser, make_user,
                                                                            run_jobs):
    body = EVERY_WAY.replace("windows-1252", "utf-8").encode()
    site.route("/hoax", respond(body))
    [snapshot] = archived(api, run_jobs, site.url("/hoax"))
    reviewer, response = replay_response(browser, make_user, snapshot["page"])

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    policy = [directive.strip() for directive in response.headers["Content-Security-Policy"].split(";")]
    assert {"sandbox", "default-src 'none'", "img-src data:", "style-src 'unsafe-inline'", "base-uri 'none'",
            "form-action 'none'", "frame-src 'none'"} == set(policy)
    assert response.headers["X-DNS-Prefetch-Control"] == "off"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert reaching_out(response.data) == [] and not host_outside_evidence(response.data)
    assert "every bank closes from tomorrow" in text_of(response.data)

    with reviewer.get(snapshot["raw"]) as raw:  # the download stays byte-exact
        assert raw.data == body


def test_svg_text_and_image_snapshots_replay_safely(app, site, api, browser, make_user, run_jobs):
    svg = f'<svg xmlns="http://www.w3.org/2000/svg"><image href="{H}/x.png"/></svg>'.encode()
    site.route("/flyer.svg", respond(svg, content_type="image/svg+xml"))
    site.route("/note.txt", respond(f"<img src={H}/x.png> plain".encode(), content_type="text/plain; charset=utf-8"))
    site.route("/flyer.png", respond(png_bytes(), content_type="image/png"))
    svg_snapshot, text_snapshot, png_snapshot = archived(api, run_jobs, site.url("/flyer.svg"),
                                                         site.url("/note.txt"), site.url("/flyer.png"))

    _, response = replay_response(browser, make_user, svg_snapshot["page"])
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.data == svg_as_image(svg)
    _, response = replay_response(browser, make_user, text_snapshot["page"])
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.data == f"<img src={H}/x.png> plain".encode()
    _, response = replay_response(browser, make_user, png_snapshot["page"])
    assert (response.headers["Content-Type"], response.data) == ("image/png", png_bytes())
    assert "sandbox" in response.headers["Content-Security-Policy"]
