"""Templates.fit's bare-name passes (session 22): the batched pass-1 tables equal a per-text
count, the gram masks equal their definition, and a fit with worker processes (a
``TaskPool``) gives the state of the fit without one — on empty corpora, one text, texts
with no paragraph, and corpora of many batches."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from lawrpt_corpus.boilerplate import templates as tm
from lawrpt_corpus.boilerplate.templates import BareCounts, Templates, paragraph_lines
from lawrpt_corpus.document import Document
from lawrpt_corpus.engines.local import ProcessTaskPool
from lawrpt_corpus.pipeline import SerialPool

from .test_boilerplate_templates import _bare_glued, _doc, _reports


def _reference_tables(texts: list[list[str]], bits4: int, bits2: int) -> BareCounts:
    """The tables by their definition: per text, its paragraph lines joined by line
    breaks; a gram crossing a break is not counted; ``df4`` the texts holding a 4-gram
    bucket, ``tf4``/``tf2`` the occurrences (np.unique per text)."""
    out = BareCounts.empty(bits4, bits2)
    for lines in texts:
        text = "\n".join(lines)
        if len(text) < 4:
            continue
        c = np.array([ord(ch) for ch in text], dtype=np.uint64)
        for n, bits, salt in ((4, bits4, np.uint64(0)), (2, bits2, tm._BARE_SALT2)):
            b = tm._gram_buckets(c, n, bits, salt)
            keep = np.array(["\n" not in text[i : i + n] for i in range(len(text) - n + 1)])
            u, k = np.unique(b[keep], return_counts=True)
            if n == 4:
                out.df4[u] += 1
                out.tf4[u] += k.astype(np.uint32)
            else:
                out.tf2[u] += k.astype(np.uint32)
    return out


def _texts(n: int, seed: int) -> list[list[str]]:
    reps = _reports(n, seed=seed)
    return [paragraph_lines("\n".join(r.content), 40) for r in reps]  # type: ignore[attr-defined]


@pytest.mark.parametrize("bits", [(12, 12), (22, 20)])
def test_batched_tables_equal_the_per_text_definition(bits: tuple[int, int]) -> None:
    # small tables (12 bits: every batch takes the bincount path, many collisions) and the
    # default ones (one text takes the sort path)
    texts = [*_texts(12, seed=3), [], ["短"], ["甲乙丙"], ["一二三四", "五六七八九十"]]
    want = _reference_tables(texts, *bits)
    batched = BareCounts.empty(*bits)
    batched.count_many(texts)
    one_by_one = BareCounts.empty(*bits)
    for lines in texts:
        one_by_one.count(lines)
    for got in (batched, one_by_one):
        assert np.array_equal(got.df4, want.df4)
        assert np.array_equal(got.tf4, want.tf4)
        assert np.array_equal(got.tf2, want.tf2)
    assert want.df4.max() >= 2  # the texts share grams: the df sums were exercised


def test_gram_masks_mark_exactly_the_grams_holding_a_line_break() -> None:
    lines = ["法治政府建设", "ab", "推进依法行政工作", "x"]
    g = tm._grams(lines, 22, 20)
    assert g is not None
    text = g.text
    assert g.cross4.tolist() == ["\n" in text[i : i + 4] for i in range(len(text) - 3)]
    assert g.cross2.tolist() == ["\n" in text[i : i + 2] for i in range(len(text) - 1)]
    assert tm._grams(["abc"], 22, 20) is None  # shorter than a 4-gram
    g4 = tm._grams(["abcd"], 22, 20)
    assert g4 is not None and g4.cross4.tolist() == [False] and g4.b4.dtype == np.int64


def _prepared(docs: list[Document]) -> list[Document]:
    step = Templates()
    for d in docs:
        step.prepare(d)
    return docs


def _state_key(state: object) -> tuple[object, ...]:
    return (
        sorted(state.strict),  # type: ignore[attr-defined]
        sorted(state.strict_spans),  # type: ignore[attr-defined]
        state.bare,  # type: ignore[attr-defined]
        state.report,  # type: ignore[attr-defined]
    )


def _corpus_with_bare_names() -> list[Document]:
    _, docs = _bare_glued(24, "蓝鲸小酱ovix", seed=61)
    rng = random.Random(5)
    copies = [docs[rng.randrange(len(docs))] for _ in range(6)]  # later copies of a text
    out = [*docs]
    for i, d in enumerate(copies):
        out.append(_doc(200 + i, d.text))
    return _prepared(out)


def test_a_fit_with_worker_processes_gives_the_state_of_the_fit_without(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # batches of 4 distinct texts: the pool gets many tasks (the first batch stays here)
    monkeypatch.setattr(tm, "_BARE_BATCH", 4)
    monkeypatch.setattr(tm, "_POOL_AFTER", 1)
    docs = _corpus_with_bare_names()
    plain = Templates().fit(docs)
    assert plain.bare == ("蓝鲸小酱ovix",)  # the layer found something to agree on
    serial = Templates().fit(docs, pool=SerialPool())
    pooled = Templates().fit(docs, pool=ProcessTaskPool(2, in_flight=2))
    assert _state_key(serial) == _state_key(plain)
    assert _state_key(pooled) == _state_key(plain)


@pytest.mark.parametrize(
    "texts",
    [
        [],
        ["一份报告的唯一一段正文，" * 8],
        ["短行\n\n  \n另一短行", "", "   "],  # no paragraph of bare_line_chars
    ],
    ids=["empty", "one-text", "no-paragraphs"],
)
def test_edge_corpora_fit_the_same_with_and_without_a_pool(texts: list[str]) -> None:
    docs = _prepared([_doc(i, t) for i, t in enumerate(texts)])
    plain = Templates().fit(docs)
    pooled = Templates().fit(docs, pool=ProcessTaskPool(2))
    assert _state_key(pooled) == _state_key(plain)
    assert plain.report["documents"] == len(texts)
    assert plain.bare == ()


class _RefusingPool:
    workers = 2

    def map(self, *args: object, **kwargs: object) -> object:
        raise AssertionError("a small corpus started the pool")


def test_a_corpus_of_few_batches_never_starts_the_pool() -> None:
    docs = _corpus_with_bare_names()  # 30 texts: one batch, below _POOL_AFTER
    plain = Templates().fit(docs)
    assert _state_key(Templates().fit(docs, pool=_RefusingPool())) == _state_key(plain)


def test_the_merged_second_pass_equals_the_separate_passes() -> None:
    # _unrelated (template/window holders) and bare_unrelated (bare runs) read the stream
    # once together in fit(); each alone gives the same findings
    docs = _corpus_with_bare_names()
    step = Templates()
    tables = step.bare_tables()
    seen: set[int] = set()
    for d in docs:
        key = step.features(d)[0]
        if key not in seen:
            seen.add(key)
            tables.count(paragraph_lines(d.text, step.bare_line_chars))
    alone = step.bare_unrelated(docs, tables)
    _, _, together = step._second_pass(docs, {1, 2}, {3}, tables, None)
    assert together == alone
    assert alone["蓝鲸小酱ovix"][1] == step.bare_min_reports


def test_local_engine_lends_its_workers_to_a_pooled_fit_and_the_build_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow.parquet as pq

    from lawrpt_corpus import LocalEngine, build

    monkeypatch.setattr(tm, "_BARE_BATCH", 4)
    monkeypatch.setattr(tm, "_POOL_AFTER", 1)
    calls: list[int] = []
    real_map = ProcessTaskPool.map

    def counted(self: ProcessTaskPool, *a: object, **k: object) -> object:
        if a[0] is tm._bare_found_task:  # the engine's replay uses the pool too (levels, dedup)
            calls.append(self.workers)
        return real_map(self, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(ProcessTaskPool, "map", counted)
    src = tmp_path / "in"
    src.mkdir()
    for i, d in enumerate(_corpus_with_bare_names()):
        (src / f"r{i:02d}.txt").write_text(d.text, encoding="utf-8")
    a, b = tmp_path / "a", tmp_path / "b"
    build([src], a, workers=1)
    assert calls == []  # one worker: the fit runs in the driver alone
    build([src], b, engine=LocalEngine(2, batch_size=3, in_flight=2))
    assert calls == [2]

    def rows(out: Path) -> list[dict[str, object]]:
        files = sorted((out / "data").glob("*.parquet"))
        return [r for f in files for r in pq.read_table(f).to_pylist()]

    ra = rows(a)
    assert ra == rows(b)
    assert any(r["rule"] == "span.bare" for row in ra for r in row["removed"])  # type: ignore[attr-defined]


def test_runs_are_trimmed_of_punctuation_as_the_character_loop_trims_them() -> None:
    rng = random.Random(9)
    alphabet = "法治建设ab1，。（）“”《》… \t·【】-/" + "\U00020000"
    for _ in range(200):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 40)))
        codes = tm._line_codes(text)
        runs = [(a, rng.randrange(a + 1, len(text) + 1)) for a in range(len(text))]
        a = np.array([r[0] for r in runs], dtype=np.int64)
        b = np.array([r[1] for r in runs], dtype=np.int64)
        lo, hi = tm._trimmed(codes, a, b)
        for (x, y), got in zip(runs, zip(lo.tolist(), hi.tolist(), strict=True), strict=True):
            while x < y and text[x] in tm._PUNCT_ALL:
                x += 1
            while y > x and text[y - 1] in tm._PUNCT_ALL:
                y -= 1
            assert got == (x, y), (text, x, y)
