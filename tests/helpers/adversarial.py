"""1 MB adversarial lines for a rule: what the linear-time sweep scans every pattern over
(tests/boilerplate/test_boilerplate_rules.py) and benchmarks/rule_sweep.py lists per rule."""

from __future__ import annotations

import itertools
from typing import Any

from lawrpt_corpus.boilerplate.ruleset import Rule

MB = 1 << 20
_META = set("\\^$.|?*+()[]{}")


def adversarial_lines(rule: Rule) -> list[str]:
    """1 MB lines without a newline built from what the pattern loops over: the pattern's
    (and ``unless``'s) literal characters cycled and in runs of 997, ``法`` and ``?`` runs,
    and near-misses of the first two examples (the example less its last character)
    repeated."""
    source = rule.pattern.pattern + (rule.unless.pattern if rule.unless is not None else "")
    alphabet = sorted({c for c in source if c not in _META and not c.isspace()} | {" ", "1"})
    lines = [
        "".join(itertools.islice(itertools.cycle(alphabet), MB)),
        ("".join(c * 997 for c in alphabet) * (MB // (997 * len(alphabet)) + 1))[:MB],
        "法" * MB,
        "?" * MB,
    ]
    for example in rule.examples[:2]:
        near_miss = example[:-1] or example
        lines.append((near_miss * (MB // len(near_miss) + 1))[:MB])
    return lines


def scanned_patterns(rule: Rule) -> list[tuple[str, Any]]:
    """``(name, compiled pattern)`` of what scans text for ``rule``: its ``pattern``, its
    ``unless``, and ``whole`` (the ``regex`` compile of its whole-text searches) when set."""
    named = (("pattern", rule.pattern), ("unless", rule.unless), ("whole", rule.whole))
    return [(name, p) for name, p in named if p is not None]
