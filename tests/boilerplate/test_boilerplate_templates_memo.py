"""The templates layer's per-line content verdict is memoized exactly and boundedly."""

from __future__ import annotations

from pathlib import Path

from lawrpt_corpus.boilerplate import templates
from lawrpt_corpus.boilerplate.protect import is_protected

ROOT = Path(__file__).resolve().parents[2]


def _uncached(line: str) -> bool:
    if is_protected(line, templates._SENTENCE):
        return True
    numbers = len(
        templates._NUMBER.findall(templates._DATE.sub("D", line) if "年" in line else line)
    )
    if numbers >= 3 or (numbers and len(templates._CELL.findall(line)) >= 2):
        return True
    return any(p.search(line) for _, p in templates.prose_formulas())


def test_memoized_never_template_verdicts_equal_the_computed_ones() -> None:
    lines = []
    for p in sorted((ROOT / "seeds").glob("*.txt")):
        lines += [ln.strip() for ln in p.read_text(encoding="utf-8").split("\n") if ln.strip()]
    assert len(lines) > 100
    templates._never_template.cache_clear()
    first = [templates._never_template(ln) for ln in lines]
    again = [templates._never_template(ln) for ln in lines]  # from the memo
    assert first == again == [_uncached(ln) for ln in lines]
    assert any(first) and not all(first)
    info = templates._never_template.cache_info()
    assert info.hits >= len(lines) and info.maxsize == templates.NEVER_TEMPLATE_MEMO
