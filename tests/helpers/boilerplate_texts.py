"""Texts that mix the seeds' lines with every rule's examples and keep lines: the inputs on
which two ways of matching the rules (a scan and the plain search, ``re`` and ``regex``)
must agree (tests/boilerplate/test_boilerplate_scan.py, ..._whole_text_engine.py)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

from lawrpt_corpus.boilerplate import default_rules

ROOT = Path(__file__).resolve().parents[2]


def rule_texts(seed: int, joins: Sequence[str] = ("\n", "")) -> list[str]:
    """300 texts of three seed lines and three rule examples / keep lines, shuffled and glued
    by a random separator (random.Random(``seed``)), then all examples joined by each of
    ``joins``."""
    lines: list[str] = []
    for p in sorted((ROOT / "seeds").glob("*.txt")):
        lines += p.read_text(encoding="utf-8").split("\n")[:40]
    examples = [x for r in default_rules().rules for x in (*r.examples, *r.keep)]
    rnd = random.Random(seed)
    texts = []
    for _ in range(300):
        parts = rnd.sample(lines, 3) + rnd.sample(examples, 3)
        rnd.shuffle(parts)
        texts.append(rnd.choice(["\n", "", "\n  ", "。", " "]).join(parts))
    texts += [glue.join(examples) for glue in joins]
    return texts
