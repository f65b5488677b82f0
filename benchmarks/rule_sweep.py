"""Each rule's CPU time on the linear-time sweep's worst 1 MB line, slowest first.

    PYTHONPATH=src python benchmarks/rule_sweep.py [--top 20] [--repeat 3] [--rule ID ...]

The sweep (tests/boilerplate/test_boilerplate_rules.py,
``test_rule_scans_a_1mb_adversarial_line_in_well_under_a_second``) scans every compiled
pattern of every shipped rule (pattern, ``unless``, ``whole``) over each of its 1 MB
adversarial lines (tests/helpers/adversarial.py) and asserts < 1.0 s of CPU per scan. This
lists, per rule, the worst scan (min of ``--repeat`` runs: CPU time, ``time.process_time``),
which pattern and which line, so a rule close to the limit is seen before CI fails under
load. Exit status 1 when a rule's worst scan is above ``--limit`` (default 0.5 s: half
the test's limit, the margin we keep).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers.adversarial import adversarial_lines, scanned_patterns  # noqa: E402

from lawrpt_corpus.boilerplate import default_rules  # noqa: E402
from lawrpt_corpus.boilerplate.ruleset import Rule  # noqa: E402

_LINE_NAMES = ("cycled alphabet", "alphabet runs", "法 run", "? run", "example 1", "example 2")


def worst_scan(rule: Rule, repeat: int) -> tuple[float, str, str]:
    """``(seconds, pattern name, line name)`` of the rule's slowest scan (min of
    ``repeat`` runs of each)."""
    worst = (0.0, "", "")
    for line_name, line in zip(_LINE_NAMES, adversarial_lines(rule), strict=False):
        for name, pattern in scanned_patterns(rule):
            best = float("inf")
            for _ in range(repeat):
                t0 = time.process_time()
                for _m in pattern.finditer(line):
                    pass
                best = min(best, time.process_time() - t0)
            if best > worst[0]:
                worst = (best, name, line_name)
    return worst


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--top", type=int, default=0, help="print only the N slowest (0: all)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per scan (the minimum counts)")
    ap.add_argument("--limit", type=float, default=0.5, help="exit 1 above this (s CPU)")
    ap.add_argument("--rule", nargs="*", default=None, help="only these rule ids")
    args = ap.parse_args()
    rules = default_rules().rules
    if args.rule:
        rules = tuple(r for r in rules if r.id in args.rule)
    rows = []
    for rule in rules:
        secs, pname, lname = worst_scan(rule, args.repeat)
        rows.append((secs, rule.id, pname, lname))
    rows.sort(reverse=True)
    shown = rows[: args.top] if args.top else rows
    print(f"{'s CPU':>7}  {'rule':<40} {'pattern':<8} worst line")
    for secs, rid, pname, lname in shown:
        print(f"{secs:7.3f}  {rid:<40} {pname:<8} {lname}")
    over = [r for r in rows if r[0] > args.limit]
    print(f"{len(rows)} rules, {len(over)} above {args.limit} s")
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
