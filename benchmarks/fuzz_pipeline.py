"""Long fuzz run of the whole per-document pipeline (the CI test runs a short budget).

    python benchmarks/fuzz_pipeline.py --cases 100000 [--seed 0]

Uses the input strategies of tests/helpers/fuzz_inputs.py (seed lines, boilerplate lines,
mixed scripts, every encoding, truncations, junk bytes, huge repetitions) and checks the
same properties: never raises, kept-with-text or rejected-with-reason, and idempotent
cleaning of the kept text. Prints one JSON line with the figures (docs/reliability.md).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.helpers.fuzz_inputs import clean as _clean
from tests.helpers.fuzz_inputs import raw_inputs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    stats = {"cases": 0, "kept": 0, "rejected": 0, "reasons": {}}

    @seed(args.seed)
    @settings(
        max_examples=args.cases,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(raw_inputs())
    def run(raw: bytes) -> None:
        doc = _clean("fuzz.txt", raw)
        stats["cases"] += 1
        assert doc.status in ("kept", "rejected")
        if doc.kept:
            stats["kept"] += 1
            assert doc.text.strip() and doc.encoding
            again = _clean("fuzz.txt", doc.text.encode("utf-8"))
            if not (again.kept and again.text == doc.text):
                stats["example"] = repr(raw)[:4000]
                raise AssertionError("cleaning is not idempotent")
        else:
            stats["rejected"] += 1
            assert doc.reason
            stats["reasons"][doc.reason] = stats["reasons"].get(doc.reason, 0) + 1

    t0 = time.perf_counter()
    ok = True
    try:
        run()
    except Exception as exc:  # the falsifying example is printed by hypothesis
        ok = False
        stats["failure"] = f"{type(exc).__name__}: {exc}"[:2000]
    stats["seconds"] = round(time.perf_counter() - t0, 1)
    stats["ok"] = ok
    print(json.dumps(stats, ensure_ascii=False))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
