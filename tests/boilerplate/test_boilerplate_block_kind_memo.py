"""Block kinds are memoized per parameter set and line: the same verdicts as computing them."""

from __future__ import annotations

from pathlib import Path

from lawrpt_corpus.boilerplate import blocks
from lawrpt_corpus.boilerplate.blocks import BlockParams, kind

ROOT = Path(__file__).resolve().parents[2]


def test_memoized_kinds_equal_the_computed_ones_for_each_parameter_set() -> None:
    lines = ["追究法律责任", "Copyright", "。", "——", "第一章 总则", "二〇二三年三月一日"]
    for p in sorted((ROOT / "seeds").glob("*.txt")):
        lines += [ln.strip() for ln in p.read_text(encoding="utf-8").split("\n") if ln.strip()]
    tight = BlockParams(max_fragment=3, max_strong=5)
    for params in (BlockParams(), tight, BlockParams()):  # a new but equal set: same memo
        for line in lines:
            want = (
                blocks.CONTENT if len(line) > blocks.MAX_KEEP else blocks._short_kind(line, params)
            )
            assert kind(line, params) == want, (params, line)
    assert kind("追究法律责任") == blocks.WEAK and kind("追究法律责任", tight) == blocks.CONTENT
    assert blocks._kinds(BlockParams()) is blocks._kinds(blocks.DEFAULT)
    assert blocks._kinds(tight) is not blocks._kinds(blocks.DEFAULT)
