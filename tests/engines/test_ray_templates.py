"""The bare-name passes of the Templates cluster fit (engines/ray_templates.py), run as
functions (no Ray cluster started): the blocks' pass-1 bucket rows add up to ``fit()``'s
``BareCounts`` and the token shuffle's parts give ``bare_unrelated``'s verdicts."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pyarrow as pa
import pytest

from lawrpt_corpus.boilerplate.templates import Templates, paragraph_lines
from lawrpt_corpus.document import Document
from lawrpt_corpus.engines.ray_templates import (
    _bare_count_rows,
    _bare_holders,
    _bare_part,
    _bare_sum,
)

from ..boilerplate.test_boilerplate_templates import _bare_glued

pytest.importorskip("ray")  # _got() imports it (no cluster is started)


def _corpus() -> list[Document]:
    _, docs = _bare_glued(24, "蓝鲸小酱ovix", seed=61)
    _, few = _bare_glued(4, "夜雨听风阁", seed=62)
    docs += few
    for k in range(6):  # later exact copies: counted once
        docs.append(copy.deepcopy(docs[k * 3]))
    for seq, doc in enumerate(docs):
        doc.seq = seq
    return docs


def _blocks(docs: list[Document], size: int) -> list[pa.Table]:
    return [
        pa.table(
            {
                "seq": pa.array([d.seq for d in docs[i : i + size]], pa.int64()),
                "doc": pa.array([pickle.dumps(d) for d in docs[i : i + size]], pa.binary()),
            }
        )
        for i in range(0, len(docs), size)
    ]


def _later(step: Templates, docs: list[Document]) -> np.ndarray:
    seen: set[int] = set()
    later = []
    for doc in docs:
        key = step.features(doc)[0]
        if key in seen:
            later.append(doc.seq)
        seen.add(key)
    return np.array(later, dtype=np.int64)


@pytest.mark.parametrize("size", [1, 5, 40])
def test_blocks_bare_tables_add_up_to_the_fit_tables_and_parts_give_its_verdicts(
    size: int,
) -> None:
    step = Templates()
    docs = _corpus()
    skip = _later(step, docs)
    assert skip.size == 6
    want = step.bare_tables()
    for doc in docs:
        if doc.seq not in skip:
            want.count(paragraph_lines(doc.text, step.bare_line_chars))
    blocks = _blocks(docs, size)
    rows = [_bare_count_rows(b, step, skip) for b in blocks]
    acc, found = None, False
    for i in range(0, len(rows), 3):  # the fold's links
        acc, found = _bare_sum(step, acc, *rows[i : i + 3], None)
    assert acc is not None and found
    for name in ("df4", "tf4", "tf2"):
        assert np.array_equal(getattr(acc, name), getattr(want, name)), name

    parts = 4
    holders = pa.concat_tables([_bare_holders(b, step, acc, skip, parts) for b in blocks])
    part = holders.column("part").to_numpy()
    states = [
        _bare_part(holders.filter(pa.array(part == p)), step)
        for p in range(parts)
        if (part == p).any()
    ]
    bare = step.bare_unrelated(docs, want)
    assert bare["蓝鲸小酱ovix"][1] == step.bare_min_reports
    expected = step.fit_result(set(), set(), {}, {}, {}, 0, 0, 0, bare)
    assert step.merge_results(states) == step.merge_results([expected])
    assert "蓝鲸小酱ovix" in expected.bare and "夜雨听风阁" not in expected.bare


def test_a_text_in_two_layers_ranks_the_same_in_the_whole_and_the_merged_report() -> None:
    """A site's name as a template line (its own part of the template shuffle) and glued in
    as a bare name (a part of the token shuffle), both strict in as many documents: the
    merged report lists the two rows in ``fit_result``'s order."""
    step = Templates(min_reports=5)
    name = "蓝鲸小酱ovix"
    h = 12345
    bare = {name: (6, step.bare_min_reports)}
    args = ({h}, set(), {h: 6}, {h: 5}, {h: name})
    whole = step.fit_result(*args, 9, 9, 0, bare)
    rows = whole.report["candidates"]
    assert [r["layer"] for r in rows] == ["bare", "template"]
    parts = [
        step.fit_result(*args, 0, 0, 0),
        step.fit_result(set(), set(), {}, {}, {}, 0, 0, 0, bare),
    ]
    for order in (parts, parts[::-1]):
        assert step.merge_results(order, 9, 9, 0) == whole
