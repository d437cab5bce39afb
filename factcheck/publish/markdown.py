"""Rebuttal bodies: Markdown rendered to safe HTML, or flattened to plain text.

Two layers, so a slip in one is caught by the other: markdown-it never passes raw HTML through
(it is shown as text), and nh3 then keeps only an allow-list of tags, attributes and URL schemes.
"""

from __future__ import annotations

import importlib.util
import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
IMAGE_SCHEMES = ("http://", "https://")
LINK_REL = "nofollow noopener noreferrer"
_ALIGNMENTS = {"left", "center", "right"}
# Removed with everything inside them, rather than unwrapped to their text.
_DROPPED_WITH_CONTENT = frozenset({"script", "style", "template", "noscript", "iframe", "object", "embed"})
_BLOCK_BREAK = re.compile(r"\n{3,}")
_SPACES = re.compile(r"[ \t]+")


def render_markdown(source: str) -> Markup:
    """Render Markdown (CommonMark, tables, strikethrough) to sanitised HTML, safe to embed."""
    tokens = _parser().parse(source)
    _alignment_without_style(tokens)
    html = _parser().renderer.render(tokens, _parser().options, {})
    return Markup(_cleaner().clean(html))  # noqa: S704 - sanitised by nh3


def plain_text(source: str) -> str:
    """The text of a Markdown document without markup: blocks on their own lines, for summaries."""
    blocks: list[str] = []
    for token in _parser().parse(source):
        if token.type == "inline":
            text = _inline_text(token.children or [])
            if text.strip():
                blocks.append(text.strip())
        elif token.type in ("fence", "code_block") and token.content.strip():
            blocks.append(token.content.strip())
    return _BLOCK_BREAK.sub("\n\n", "\n".join(blocks))


def _inline_text(children: list[Token]) -> str:
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "image":
            parts.append(_inline_text(child.children or []))
    return _SPACES.sub(" ", "".join(parts)).replace(" \n", "\n")


def _alignment_without_style(tokens: list[Token]) -> None:
    """Turn markdown-it's ``style="text-align:…"`` on table cells into an ``align`` attribute.

    No ``style`` attribute survives sanitising, so column alignment would otherwise be lost.
    """
    for token in tokens:
        style = token.attrs.pop("style", None) if token.attrs else None
        if isinstance(style, str) and token.tag in ("th", "td"):
            alignment = style.removeprefix("text-align:").strip()
            if alignment in _ALIGNMENTS:
                token.attrs["align"] = alignment


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    # nh3 has one scheme list for every URL attribute; images are narrower than links, and a
    # relative or mailto image source has no business in a published fact-check.
    if tag == "img" and attribute == "src":
        return value if value.strip().lower().startswith(IMAGE_SCHEMES) else None
    return value


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    linkify = importlib.util.find_spec("linkify_it") is not None
    parser = MarkdownIt("commonmark", {"html": False, "linkify": linkify})
    parser.enable(["table", "strikethrough"])
    if linkify:
        parser.enable("linkify")
    return parser


@lru_cache(maxsize=1)
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(_DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        tag_attribute_values={"th": {"align": _ALIGNMENTS}, "td": {"align": _ALIGNMENTS}},
        attribute_filter=_attribute_filter,
        url_schemes=set(LINK_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )
