"""The Templates step's CPU savings (session 25) change nothing: the compiled bare-name
kernels give numpy's buckets and pass-1 tables, a fit gives the same state with and without
them, ``apply`` on prepared documents (which looks only at the lines that can matter) gives
what the full per-line path gives, and a line named by the evidence-line pass has the
evidence the per-line search finds."""

from __future__ import annotations

import os
import random
from importlib.util import find_spec

import numpy as np
import pytest

from lawrpt_corpus.boilerplate import _kernels
from lawrpt_corpus.boilerplate import templates as tm
from lawrpt_corpus.boilerplate.templates import BareCounts, Templates, paragraph_lines
from lawrpt_corpus.document import Document

from .test_boilerplate_templates import _bare_glued, _doc, _reports, _spammed, licence
from .test_boilerplate_templates_fit import _reference_tables


def _kernels_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_kernels, "_bare", None)
    monkeypatch.setattr(_kernels, "_bare_tried", True)


def _kernels_on() -> None:
    if not _kernels.bare_kernels(load=True):
        pytest.skip("no compiled kernels: numba not installed (the [fast] extra) or switched off")


def _odd_texts() -> list[str]:
    rng = random.Random(41)
    texts = ["", "a", "abc", "abcd", "\n\n\n\n", "a\nbcd\ne", "重复" * 300, "\ud800\udfff" * 5]
    texts += ["\U00020000\U0002a6d6" * 4, "一\n二\n三\n四五六七"]
    texts += ["".join(rng.choices("一二三四\n五，。ab", k=rng.randint(0, 90))) for _ in range(150)]
    return texts


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("bits", [(12, 12), (22, 20)])
def test_pass_one_tables_equal_the_definition_with_and_without_the_kernels(
    monkeypatch: pytest.MonkeyPatch, compiled: bool, bits: tuple[int, int]
) -> None:
    if compiled:
        _kernels_on()
    else:
        _kernels_off(monkeypatch)
    reps = _reports(10, seed=7)
    texts = [paragraph_lines("\n".join(r.content), 40) for r in reps]  # type: ignore[attr-defined]
    texts += [[t] for t in _odd_texts()] + [texts[0], texts[0], [], ["一二三四", "五六七八九十"]]
    texts = texts * 2  # > 255 texts: the compiled count's text numbers wrap around once
    want = _reference_tables(texts, *bits)
    got = BareCounts.empty(*bits)
    got.count_many(texts[:7])
    got.count_many(texts[7:])
    assert np.array_equal(got.df4, want.df4)
    assert np.array_equal(got.tf4, want.tf4)
    assert np.array_equal(got.tf2, want.tf2)
    assert want.df4.max() >= 3  # repeated texts: a bucket counted once per text, many texts


def _state_key(state: tm.TemplatesState) -> tuple[object, ...]:
    return (sorted(state.strict), sorted(state.strict_spans), state.bare, state.report)


def _corpus() -> list[Document]:
    """Bare names glued into unrelated reports, inline watermarks, a licence block."""
    _, bare = _bare_glued(24, "蓝鲸小酱ovix", seed=61)
    _, spammed, _ = _spammed(24, seed=31)
    docs = []
    for i, rep in enumerate(_reports(12, seed=19)):
        lines = [*licence("某某范文网", 2020 + i % 3), *rep.content]  # type: ignore[attr-defined]
        docs.append(_doc(300 + i, "\n".join(lines), rep))
    out = []
    for k, d in enumerate([*bare, *spammed, *docs]):
        out.append(_doc(k, d.text))
        out[-1].meta.update(d.meta)
        out[-1].page = d.page
    return out


def test_a_fit_gives_the_same_state_with_and_without_the_compiled_kernels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tm, "_BARE_COUNT_BATCH", 8)
    monkeypatch.setattr(tm, "_BARE_KERNEL_AFTER", 16)  # the switch happens mid-pass
    with monkeypatch.context() as m:
        _kernels_off(m)
        step = Templates(bare_min_bigrams=0)
        docs = _corpus()
        for d in docs:
            step.prepare(d)
        want = _state_key(step.fit(docs))
    monkeypatch.setattr(_kernels, "_bare_tried", False)
    monkeypatch.setattr(_kernels, "_bare", None)
    step = Templates(bare_min_bigrams=0)
    docs = _corpus()
    for d in docs:
        step.prepare(d)
    assert _state_key(step.fit(docs)) == want
    assert want[0] and want[1] and want[2]  # every layer found something
    if find_spec("numba") is not None and not os.environ.get("LAWRPT_NO_NUMBA"):
        assert _kernels.bare_kernels()  # loaded by the fit once 16 texts were counted


def _outcome(d: Document) -> tuple[object, ...]:
    return (d.text, d.status, d.reason, [(r.rule, r.text, r.start) for r in d.removed])


def test_apply_on_prepared_documents_equals_the_full_per_line_path() -> None:
    """``apply`` skips the lines that cannot matter when the prepared features say only the
    span windows concern a document: the result is the one without features (every line
    looked at), also for a document whose text changed after ``prepare``."""
    step = Templates(bare_min_bigrams=0)
    docs = _corpus()
    for d in docs:
        step.prepare(d)
    step.fit(docs)
    changed = docs[30]
    changed.text = changed.text.replace("\n", "\n\n", 3)  # features no longer of this text
    bare = [_doc(d.seq, d.text) for d in docs]
    for d, b in zip(docs, bare, strict=True):
        b.meta.update(d.meta)
        b.page = d.page
    got = [_outcome(step.apply(d)) for d in docs]
    want = [_outcome(step.apply(b)) for b in bare]
    assert got == want
    rules = {r[0] for o in got for r in o[3]}  # type: ignore[attr-defined]
    assert {tm.RULE_SPAN, tm.RULE_BARE, tm.RULE_TEMPLATE} <= rules


_PIECES = [
    "www.fanwen.com",
    "http://x.cn/a",
    "公众号",
    "微信号abc",
    "关注",
    "QQ群123",
    "vx：abc",
    "本文来源",
    "gov.cn",
    "www.x.gov.cn",
    "体育官网入口",
    "资料",
    "范文网",
    "加微信",
    "。",
    "，",
]


def test_evidence_searched_with_the_lines_patterns_only_equals_the_whole_alternation() -> None:
    """A line is searched with only the evidence patterns whose literals it holds (named by
    the one automaton pass over the text, or by a pass over the line): the same evidence
    as the whole alternation, on report lines with watermarks and on lines mixing every
    kind of evidence, government domains and punctuation."""
    step = Templates()
    everything = frozenset(range(len(tm._data()[1])))
    _, spammed, _ = _spammed(12, seed=5)
    rng = random.Random(17)
    mixed = [
        "".join(rng.choice([*_PIECES, "法治政府建设", "推进依法行政"]) for _ in range(12))
        for _ in range(400)
    ]
    texts = [d.text for d in spammed] + ["\n".join(mixed[k : k + 20]) for k in range(0, 400, 20)]
    n_subset = 0
    for text in texts:
        raw = text.split("\n")
        active, lines = tm._evidence_lines(text, raw)
        assert active is not None and lines is not None
        for i, ln in enumerate(raw):
            s = ln.strip()
            full = step._evidence(s, active, everything)
            if i in lines:
                assert step._evidence(s, active, lines[i]) == full, s
                n_subset += len(lines[i]) < len(everything)
            else:
                assert full == []
            assert step._evidence(s, active) == full, s
    assert n_subset > 50


@pytest.mark.parametrize("bits", [(12, 12), (22, 20)])
def test_compiled_bare_runs_equal_the_numpy_runs(
    monkeypatch: pytest.MonkeyPatch, bits: tuple[int, int]
) -> None:
    """The runs kernel (found, trimmed, tested closed and glued in one pass) gives the
    numpy path's candidates: real reports with a glued name, odd texts (breaks, astral and
    surrogate code points, punctuation at the run ends), small tables full of collisions."""
    _kernels_on()
    _, docs = _bare_glued(24, "蓝鲸小酱ovix", seed=61)
    texts = [paragraph_lines(d.text, 40) for d in docs]
    rng = random.Random(3)
    odd = ["".join(rng.choices("一二三四，。（）ab\n", k=rng.randint(0, 200))) for _ in range(80)]
    texts += [[t] for t in [*_odd_texts(), *odd]] + [["【蓝鲸小酱ovix】" * 3]]
    counts = BareCounts.empty(*bits)
    counts.count_many(texts + texts[:30])
    slots = ("蓝鲸小酱",)
    n_found = 0
    for k in (2, 6):
        for lines in texts:
            for sl in ((), slots):
                got = tm.bare_runs(lines, counts, k, 4, 24, sl)
                with monkeypatch.context() as m:
                    _kernels_off(m)
                    want = tm.bare_runs(lines, counts, k, 4, 24, sl)
                assert got == want, lines
                n_found += len(got)
    # candidates (glued in and not, some dropped as the slot) were found and compared
    assert n_found > 20 or bits[0] < 20
