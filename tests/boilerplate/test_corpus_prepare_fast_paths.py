"""The fast paths of the corpus layers' ``prepare`` (repeated lines, templates) give exactly
what the plain definitions give: the protection test tried cheapest first, the evidence
lines found by one automaton pass over the whole text, the in-place sketch."""

from __future__ import annotations

import random
from array import array

import numpy as np
import pytest

from lawrpt_corpus.boilerplate import protect
from lawrpt_corpus.boilerplate.protect import is_protected, protect_patterns, protected
from lawrpt_corpus.boilerplate.repeated import line_hash
from lawrpt_corpus.boilerplate.templates import (
    _HAN_OR_WORD,
    _data,
    _evidence_lines,
    _evidence_scanner,
    _kinds_in,
    sketch,
)

#: pieces that make protected and unprotected lines, needles and white space at edges
PIECES = [
    "一、", "（二）", "3.", "3.5", "第四章", "①", "三是", "特此报告", "现将有关情况报告如下",
    "2024年", "5月", "6日", "某某市司法局", "工作报告", "。", "；", "：", "，", "法治政府",
    "建设", "依法行政", " ", "\u3000", "\t", "www", ".cn", "://", "公众号", "QQ", "更多",
    "关注", "资料", "abc", "X", "\ud800", "\U00020000", "|", "Σ", "(", ")",
]  # fmt: skip


def _lines(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(PIECES, k=rng.randint(0, 9))) for _ in range(n)]


@pytest.mark.parametrize("skip", [frozenset(), frozenset({"sentence"})])
def test_is_protected_agrees_with_the_first_matching_pattern(skip: frozenset[str]) -> None:
    for line in _lines(1, 4000):
        line = line.strip()
        assert is_protected(line, skip) == (protected(line) not in (None, *skip)), line


def test_a_skipped_pattern_before_a_kept_one_takes_the_ordered_path() -> None:
    first = protect_patterns()[0][0]
    skip = frozenset({first})
    assert protect._cheap_first(skip) is None  # the first id decides, not any match
    for line in _lines(2, 2000):
        line = line.strip()
        assert is_protected(line, skip) == (protected(line) not in (None, first)), line


def test_evidence_lines_are_the_lines_whose_stripped_text_holds_a_literal() -> None:
    _, _, automaton = _evidence_scanner()
    for seed in range(300):
        text = "\n".join(_lines(100 + seed, random.Random(seed).randint(0, 12)))
        text = text.replace("\ud800", "")  # the automaton takes no lone surrogate (as before)
        raw = text.split("\n")
        active, lines = _evidence_lines(text, raw)
        want = {i for i, ln in enumerate(raw) if automaton.find_matches_as_indexes(ln.strip())}
        if active is None:
            assert not want
            continue
        assert lines is not None and set(lines) == want, text
        for i, kinds in lines.items():  # the patterns whose literals the line holds
            hits = automaton.find_matches_as_indexes(raw[i].strip(), overlapping=True)
            assert kinds == _kinds_in(hits) != frozenset(), raw[i]


def test_no_evidence_literal_holds_white_space() -> None:
    # what makes the one-pass line set exact (else every line is looked at)
    assert all(not any(c.isspace() for c in lit) for _, _, lits in _data()[1] for lit in lits)


def _sketch_reference(text: str, size: int) -> bytes:
    """The sketch as first written (temporaries, np.unique), kept as the oracle."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    codes = codes[_HAN_OR_WORD[np.minimum(codes, 0xFFFF)] | (codes > 0xFFFF)]
    if codes.size < 5:
        return array("Q", [line_hash(text)]).tobytes()
    c = codes.astype(np.uint64)
    with np.errstate(over="ignore"):
        h = np.zeros(c.size - 4, dtype=np.uint64)
        for j in range(5):
            h = h * np.uint64(0x100000001B3) + c[j : c.size - 4 + j]
        h ^= h >> np.uint64(29)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(32)
    k = min(h.size, 4 * size)
    u = np.unique(np.partition(h, k - 1)[:k])
    if u.size < size and k < h.size:
        u = np.unique(h)
    return u[:size].tobytes()


def test_sketch_equals_the_reference_on_varied_texts() -> None:
    texts = ["", "abcd", "abcde", "一二三四五六", "重复" * 200, "\ud800" * 9]
    texts += ["\n".join(_lines(500 + k, 1 + k % 40)) for k in range(300)]
    for text in texts:
        for size in (4, 16):
            assert sketch(text, size) == _sketch_reference(text, size), text


def test_the_split_and_text_hash_shared_by_the_layers_are_those_of_the_current_text() -> None:
    from lawrpt_corpus.boilerplate._lines import split_stripped
    from lawrpt_corpus.boilerplate.repeated import text_hash

    for text in ["", "a\n b \n", " 一\u3000\n\n二 ", "a\n b \n"]:
        raw, stripped = split_stripped(text)
        assert list(raw) == text.split("\n")
        assert list(stripped) == [ln.strip() for ln in text.split("\n")]
        assert text_hash(text) == line_hash(text)


@pytest.mark.parametrize("compiled", [False, True])
def test_sketch_equals_the_reference_with_and_without_the_compiled_kernel(
    monkeypatch: pytest.MonkeyPatch, compiled: bool
) -> None:
    """The compiled sketch (a sorted buffer of the smallest distinct hashes, no sort) and
    the numpy one give the reference's bytes: texts with few distinct grams, repeats,
    astral and surrogate code points, every sketch size."""
    from lawrpt_corpus.boilerplate import _kernels

    if compiled and not _kernels.available():
        pytest.skip("numba is not installed (the [fast] extra)")
    if not compiled:
        monkeypatch.setattr(_kernels, "_sketch", None)
        monkeypatch.setattr(_kernels, "_tried", True)
    assert (_kernels.sketch_bottom(np.zeros(9, np.uint32), _HAN_OR_WORD, 4) is None) != compiled
    rng = random.Random(29)
    texts = ["", "abcd", "abcde", "abcdea", "重复" * 200, "\ud800" * 9, "\U00020000" * 7]
    texts += ["".join(rng.choices("一二三四五六七", k=rng.randint(0, 60))) for _ in range(200)]
    texts += ["\n".join(_lines(700 + k, 1 + k % 40)) for k in range(200)]
    for text in texts:
        for size in (1, 4, 16):
            assert sketch(text, size) == _sketch_reference(text, size), text


def test_the_compiled_sketch_waits_for_numba_to_be_imported_and_respects_the_switch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The boilerplate stage never imports numba: without it in the process the sketch takes
    the numpy path (a build's first reports, a pipeline without Dedup); with it, the kernel
    loads at the next call unless ``LAWRPT_NO_NUMBA`` is set."""
    import sys

    from lawrpt_corpus.boilerplate import _kernels

    codes = np.arange(0x4E00, 0x4E40, dtype=np.uint32)
    monkeypatch.setattr(_kernels, "_tried", False)
    monkeypatch.setattr(_kernels, "_sketch", None)
    monkeypatch.delitem(sys.modules, "numba", raising=False)
    assert _kernels.sketch_bottom(codes, _HAN_OR_WORD, 4) is None
    assert not _kernels._tried  # not even tried: asked again at the next call
    pytest.importorskip("numba")
    monkeypatch.setenv("LAWRPT_NO_NUMBA", "1")
    assert _kernels.sketch_bottom(codes, _HAN_OR_WORD, 4) is None and _kernels._tried
    monkeypatch.setattr(_kernels, "_tried", False)
    monkeypatch.delenv("LAWRPT_NO_NUMBA")
    got = _kernels.sketch_bottom(codes, _HAN_OR_WORD, 4)
    assert got is not None and not isinstance(got, int)
    assert got.tobytes() == _sketch_reference("".join(map(chr, codes.tolist())), 4)
