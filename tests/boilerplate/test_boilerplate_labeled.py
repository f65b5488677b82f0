"""Precision and recall on the labeled line set (figures reported in docs/boilerplate.md)."""

from __future__ import annotations

import pytest

from lawrpt_corpus.boilerplate import StripBoilerplate

from ..helpers.boilerplate_eval import DATA, Item, judge, load_items, score


def _describe(items: list[Item]) -> str:
    return "\n".join(f"{i.category}/{i.position}: {i.text}" for i in items)


@pytest.mark.parametrize("half_width", [False, True], ids=["full-width", "with-half-width"])
def test_labeled_lines_precision_and_recall_meet_the_bar(half_width: bool) -> None:
    result = score(with_half_width=half_width)
    assert result["n_boilerplate"] >= 200 and result["n_keep"] >= 150
    assert result["precision"] >= 0.995, _describe(
        result["false_positives"] + result["context_cut"]  # type: ignore[operator]
    )
    assert result["recall"] >= 0.98, _describe(result["missed"])  # type: ignore[arg-type]


def test_every_category_has_several_variants_and_every_trap_word_is_covered() -> None:
    items = load_items()
    per_category: dict[str, int] = {}
    for it in items:
        if it.label == "bp":
            per_category[it.category] = per_category.get(it.category, 0) + 1
    assert set(per_category) == {"advertising", "paywall", "chrome", "structure"}
    assert min(per_category.values()) >= 20
    keep_text = "".join(it.text for it in items if it.label == "keep")
    for word in ("来源", "发布", "下载", "会员", "分享", "版权", "打印"):
        assert keep_text.count(word) >= 3, word


def test_held_out_lines_meet_the_bar() -> None:
    step = StripBoilerplate()
    items = []
    for raw in (DATA / "holdout.tsv").read_text(encoding="utf-8").splitlines():
        if raw.strip() and not raw.startswith("#"):
            c = raw.split("\t")
            items.append(Item(c[0], c[1], c[2], c[3], c[4] if len(c) > 4 else None))
    outcomes = [judge(step, it) for it in items]
    tp = sum(1 for o in outcomes if o.item.label == "bp" and o.removed)
    wrong = [o.item for o in outcomes if (o.item.label == "keep" and o.removed) or o.context_cut]
    n_bp = sum(1 for o in outcomes if o.item.label == "bp")
    assert not wrong, _describe(wrong)
    assert tp / n_bp >= 0.98


def test_seed_report_lines_survive_at_every_position() -> None:
    """Every kept line of every seed, moved to the head, body, tail or very end of a report,
    is still kept (edge and last-line rules never take report prose)."""
    from ..helpers.boilerplate_golden import GOLDEN

    step = StripBoilerplate()
    cut = []
    for golden in sorted(GOLDEN.glob("*.clean.txt")):
        for line in golden.read_text(encoding="utf-8").split("\n"):
            for position in ("head", "body", "tail", "end"):
                outcome = judge(step, Item("keep", "seed", position, line, None))
                if outcome.removed or outcome.context_cut:
                    cut.append(Item("keep", "seed", position, line, None))
    assert not cut, _describe(cut)
