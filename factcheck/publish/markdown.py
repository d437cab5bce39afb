"""Rebuttal bodies: Markdown rendered to safe HTML, or flattened to plain text.

Two layers, so a slip in one is caught by the other: markdown-it never passes raw HTML through
(it is shown as text), and nh3 then keeps only an allow-list of tags, attributes and URL schemes.

Anyone who may draft chooses the source (and the live preview renders it at every keystroke), so
what one document may cost is bounded: markdown-it keeps block nesting to ``maxNesting`` and is
linear on the CommonMark pathological inputs, but three things grow faster than the source and
are capped here. Tables fill every row up to the header's column count (a few characters could
become millions of empty cells): a table has at most ``MAX_TABLE_COLUMNS`` columns and a document
``MAX_TABLE_CELLS`` cells, beyond which rows are plain text. A link reference definition is copied
into every link that uses it: once ``MAX_REFERENCE_EXPANSION`` characters have been copied, further
uses stay text. Emphasis nests as deep as its delimiters go: past ``MAX_INLINE_NESTING`` levels the
delimiters stay text. None of this changes the output of a document a person would write.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_block import reference as reference_rule  # the rule functions
from markdown_it.rules_block import table as table_rule
from markdown_it.rules_block.state_block import StateBlock
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

MAX_TABLE_COLUMNS = 64
MAX_TABLE_CELLS = 10_000  # in all the tables of a document, header cells included
MAX_REFERENCE_EXPANSION = 200_000  # characters of link destinations and titles copied from definitions
MAX_INLINE_NESTING = 20  # emphasis, strong emphasis and strikethrough inside each other
_TABLE_CELLS_USED = "factcheck_table_cells"  # key in markdown-it's per-document env
_INLINE_DELIMITERS = frozenset({"em_open", "em_close", "strong_open", "strong_close", "s_open", "s_close"})


def render_published(source: str) -> Markup:
    """:func:`render_markdown`, remembered for the bodies rendered last: public pages show the
    same few bodies to every reader, and a hostile 100 KB body takes up to two seconds."""
    return _render_by_digest(hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest(), source)


@lru_cache(maxsize=128)
def _render_by_digest(_digest: str, source: str) -> Markup:
    return render_markdown(source)


def render_markdown(source: str) -> Markup:
    """Render Markdown (CommonMark, tables, strikethrough) to sanitised HTML, safe to embed."""
    tokens = _parse(source)
    _alignment_without_style(tokens)
    html = _parser().renderer.render(tokens, _parser().options, {})
    return Markup(_cleaner().clean(html))  # noqa: S704 - sanitised by nh3


def plain_text(source: str) -> str:
    """The text of a Markdown document without markup: blocks on their own lines, for summaries."""
    blocks: list[str] = []
    for token in _parse(source):
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


def _parse(source: str) -> list[Token]:
    tokens = _parser().parse(source, {})
    for token in tokens:
        if token.type == "inline" and token.children:
            _bound_inline_nesting(token.children)
    return tokens


def _bound_inline_nesting(children: list[Token]) -> None:
    """Emphasis nested deeper than ``MAX_INLINE_NESTING`` stays as the text of its delimiters."""
    depth = 0
    kept: list[bool] = []  # for each open token: whether it stayed a tag
    for index, token in enumerate(children):
        if token.nesting == 1:
            keep = depth < MAX_INLINE_NESTING or token.type not in _INLINE_DELIMITERS
            kept.append(keep)
            depth += keep
        elif token.nesting == -1:
            keep = kept.pop() if kept else True
            depth -= keep
        else:
            continue
        if not keep:
            children[index] = Token("text", "", 0, content=token.markup)


def _bounded_table(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """markdown-it's table rule, within ``MAX_TABLE_COLUMNS`` and the document's cell budget.

    The delimiter row (the table's second line) sets the column count, and every body row gets
    exactly that many cells; rows past the budget are left to the rules that follow.
    """
    delimiter = start_line + 1
    if delimiter >= end_line:
        return False
    row = state.src[state.bMarks[delimiter] + state.tShift[delimiter]:state.eMarks[delimiter]].strip()
    columns = row.removeprefix("|").removesuffix("|").count("|") + 1
    used = state.env.get(_TABLE_CELLS_USED, 0)
    body_rows = (MAX_TABLE_CELLS - used) // columns - 1
    if columns > MAX_TABLE_COLUMNS or body_rows < 0:
        return False
    found = table_rule(state, start_line, min(end_line, delimiter + 1 + body_rows), silent)
    if found and not silent:
        state.env[_TABLE_CELLS_USED] = used + columns * (state.line - delimiter)
    return found


class _ReferenceBudget(dict):  # markdown-it decides what it stores and looks up
    """Link reference definitions that stop resolving once ``MAX_REFERENCE_EXPANSION``
    characters of destinations and titles have been handed out (markdown-it looks them up
    with ``get``; a failed lookup leaves the link as text)."""

    spent = 0

    def get(self, label: object, default: object = None) -> object:
        found = super().get(label)
        if not found:
            return default
        self.spent += len(found["href"]) + len(found["title"])
        return found if self.spent <= MAX_REFERENCE_EXPANSION else default


def _budgeted_reference(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """markdown-it's reference definition rule, keeping the definitions in a ``_ReferenceBudget``."""
    found = reference_rule(state, start_line, end_line, silent)
    references = state.env.get("references")
    if found and references is not None and not isinstance(references, _ReferenceBudget):
        state.env["references"] = _ReferenceBudget(references)
    return found


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
    parser.block.ruler.at("table", _bounded_table, {"alt": ["paragraph", "reference"]})
    parser.block.ruler.at("reference", _budgeted_reference)
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
