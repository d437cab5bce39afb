"""Our posting format and column reads (factcheck.search.codec) against Whoosh's own (W3Codec):
the same postings, weights, positions and skips, over several segments and many blocks."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher
from whoosh.reading import IndexReader

from factcheck.search import codec
from factcheck.search.codec import BLOCK_LIMIT, Codec
from factcheck.search.schema import build_schema, document_fields
from tests.search import generate


def build(path: Path, make_codec) -> whoosh_index.Index:
    path.mkdir()
    ix = whoosh_index.create_in(str(path), build_schema())
    docs = generate.documents(1200, seed=5)
    for start in (0, 1000, 1100):  # three segments
        writer = ix.writer(codec=make_codec())
        for doc in docs[start : {0: 1000, 1000: 1100, 1100: 1200}[start]]:
            writer.add_document(**document_fields(doc))
        writer.commit(merge=False)
    writer = ix.writer(codec=make_codec())
    for doc in docs[10:40]:
        writer.update_document(**document_fields(doc | {"body": "rewritten hoax मोदी"}))
    writer.commit(merge=False)
    return ix


@pytest.fixture(scope="module", params=[BLOCK_LIMIT, 16], ids=["blocks-of-512", "blocks-of-16"])
def readers(request, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[IndexReader, IndexReader]]:
    root = tmp_path_factory.mktemp("codec")
    ours = build(root / "ours", lambda: Codec(blocklimit=request.param)).reader()
    theirs = build(root / "w3", lambda: W3Codec(blocklimit=request.param)).reader()
    yield ours, theirs
    ours.close()
    theirs.close()


def leaves(reader: IndexReader) -> list[IndexReader]:
    return [leaf for leaf, _offset in reader.leaf_readers()]


def test_every_posting_list_reads_as_whooshs(readers) -> None:
    ours, theirs = readers
    assert len(leaves(ours)) == len(leaves(theirs)) == 4
    longest = 0
    for mine, whoosh in zip(leaves(ours), leaves(theirs), strict=True):
        assert list(mine.all_terms()) == list(whoosh.all_terms())
        for field, text in whoosh.all_terms():
            assert _stats(mine.term_info(field, text)) == _stats(whoosh.term_info(field, text)), (field, text)
            expected = list(whoosh.postings(field, text).items_as("weight"))
            assert list(mine.postings(field, text).items_as("weight")) == expected, (field, text)
            if field in ("title", "body"):
                positions = list(whoosh.postings(field, text).items_as("positions"))
                assert list(mine.postings(field, text).items_as("positions")) == positions, (field, text)
            longest = max(longest, len(expected))
            ids, weights = codec.read_postings(_raw(mine.postings(field, text)))
            assert ids == list(_raw(whoosh.postings(field, text)).all_ids())
            assert weights == [w for _id, w in _raw_items(whoosh, field, text)]
    assert longest > BLOCK_LIMIT  # lists of several blocks were compared


def test_skipping_lands_where_whooshs_does(readers) -> None:
    ours, theirs = readers
    rng = random.Random(3)
    mine, whoosh = leaves(ours)[0], leaves(theirs)[0]
    for field, text in rng.sample(list(whoosh.all_terms()), 200):
        a, b = _raw(mine.postings(field, text)), _raw(whoosh.postings(field, text))
        target = 0
        while a.is_active() and b.is_active():
            assert (a.id(), a.weight()) == (b.id(), b.weight())
            target = a.id() + rng.choice([1, 1, 2, 7, 300, 900])
            a.skip_to(target)
            b.skip_to(target)
        assert a.is_active() == b.is_active(), (field, text, target)


def test_each_block_records_what_whooshs_records(readers) -> None:
    # Block statistics bound the score a block can give: Whoosh's own top-N search skips by them.
    ours, theirs = readers
    blocks = 0
    for mine, whoosh in zip(leaves(ours), leaves(theirs), strict=True):
        for field, text in whoosh.all_terms():
            a, b = _raw(mine.postings(field, text)), _raw(whoosh.postings(field, text))
            if not isinstance(b, W3LeafMatcher):
                continue  # one posting, kept in the term index
            while b.is_active():
                assert a.is_active()
                stats = [(m.block_min_id(), m.block_max_id(), m.block_min_length(), m.block_max_length(),
                          m.block_max_weight()) for m in (a, b)]
                assert stats[0] == stats[1], (field, text)
                blocks += 1
                a.skip_to(stats[1][1] + 1)
                b.skip_to(stats[1][1] + 1)
            assert not a.is_active()
    assert blocks > 1000


def test_whole_columns_and_lengths_read_as_document_by_document(readers) -> None:
    ours, theirs = readers
    for reader in (ours, theirs):
        for leaf in leaves(reader):
            count = leaf.doc_count_all()
            for field in ("facets", "date"):
                assert list(codec.column_values(leaf, field)) == list(leaf.column_reader(field, translate=False))
            for field in ("title", "body"):
                lengths = codec.length_bytes(leaf, field)
                assert len(lengths) == count
                expected = [leaf.doc_field_length(d, field, 0) or 0 for d in range(count)]
                assert [codec.BYTE_LENGTHS[b] for b in lengths] == expected, field
            assert codec.length_bytes(leaf, "kind") is None


def _stats(info) -> tuple:
    return (info.weight(), info.doc_frequency(), info.min_length(), info.max_length(), info.max_weight(),
            info.min_id(), info.max_id())


def _raw(matcher):
    return getattr(matcher, "child", matcher)


def _raw_items(reader: IndexReader, field: str, text: str) -> Iterator[tuple[int, float]]:
    matcher = _raw(reader.postings(field, text))
    while matcher.is_active():
        yield matcher.id(), matcher.weight()
        matcher.next()
