"""Each seed, cleaned by the boilerplate step, equals its hand-reviewed golden file.

What goes and what stays in each seed, and why: docs/boilerplate.md ("Golden seeds").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ..helpers.boilerplate_golden import GOLDEN, ROOT, clean, hygiene_like, removed_tsv

SEEDS = sorted((ROOT / "seeds").glob("*.txt"))


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_seed_cleans_to_its_golden_text_with_the_golden_audit_trail(seed: Path) -> None:
    doc = clean(seed)
    assert doc.kept
    assert doc.text == (GOLDEN / f"{seed.stem}.clean.txt").read_text(encoding="utf-8")
    assert removed_tsv(doc) == (GOLDEN / f"{seed.stem}.removed.tsv").read_text(encoding="utf-8")
    flags = (GOLDEN / f"{seed.stem}.flags.txt").read_text(encoding="utf-8")
    assert doc.flags == (flags.split("\n") if flags else [])


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_removed_plus_kept_is_exactly_the_input(seed: Path) -> None:
    """Nothing lost: every character of the input is either kept or in ``removed``."""
    doc = clean(seed)
    original = hygiene_like(seed.read_text(encoding="utf-8"))
    assert len(doc.text) + sum(len(r.text) for r in doc.removed) == len(original)
    kept_lines = set(doc.text.split("\n"))
    inline = [r.text for r in doc.removed if "\n" not in r.text]
    for line in original.split("\n"):
        if line in kept_lines or any(line in r.text for r in doc.removed):
            continue
        for cut in inline:
            line = line.replace(cut, "")
        assert line in kept_lines


def test_seed_004_advertising_footer_goes_and_report_text_between_paid_markers_stays() -> None:
    doc = clean(ROOT / "seeds" / "004_382bae0eb533b97b.txt")
    assert "素材库" not in doc.text and "代笔" not in doc.text and "##paid" not in doc.text
    assert "“我为群众办实事”“大调研、解难题、抓落实”等活动" in doc.text
    assert doc.text.endswith("XX市XX区人力资源和社会保障局\n2023年11月23日")
    assert {"placeholder", "masked_words"} <= set(doc.flags) and "truncated" not in doc.flags


def test_seed_001_qr_prompt_and_seed_003_dangling_attachment_go() -> None:
    d1 = clean(ROOT / "seeds" / "001_ecb54deb915a48a6.txt")
    d3 = clean(ROOT / "seeds" / "003_dd65e70390f22384.txt")
    assert [r.rule for r in d1.removed] == ["chrome.scan-qr"]
    assert [r.rule for r in d3.removed] == ["structure.dangling-attachment"]
    assert d1.text.endswith("合法权益。") and d3.text.endswith("作出人社贡献。")
