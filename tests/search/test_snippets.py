"""Snippets from tokens packed at indexing are the snippets tokenizing the text would give."""

from __future__ import annotations

import csv

from hypothesis import given, settings
from hypothesis import strategies as st

from factcheck.search.analysis import tokens
from factcheck.search.snippets import pack_tokens, snippet
from tests.conftest import corpus_path

texts = st.lists(
    st.sampled_from([*"abc dé'’\u200c\u200d.\n", "मोदी", "क़", "https://t.co/x ", "www.a.b ", "run",
                     "running ", "<b>", "&", "🙏"]),
    max_size=120,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=texts, data=st.data())
def test_packed_tokens_give_the_same_snippet(text: str, data: st.DataObject) -> None:
    words = frozenset(data.draw(st.lists(st.sampled_from([*tokens(text), "absent"]), max_size=4)))
    packed = pack_tokens(text)
    assert (packed is None) == (not tokens(text))
    assert snippet(text, words, packed) == snippet(text, words)


def test_packed_tokens_give_the_same_snippets_on_corpus_posts() -> None:
    with open(corpus_path("posts-hindi", "constraint_hindi_train.csv"), encoding="utf-8", newline="") as f:
        posts = [row["Post"] for row in csv.DictReader(f)][:200]
    marked = 0
    for post in posts:
        words = frozenset(tokens(post)[::7])
        expected = snippet(post, words)
        assert snippet(post, words, pack_tokens(post)) == expected
        marked += "<mark>" in expected
    assert marked > 150
