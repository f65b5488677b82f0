#!/usr/bin/env python
"""Per-report CPU of the structure-anomaly layer (boilerplate/anomaly.py).

    PYTHONPATH=src python benchmarks/bench_structure.py [-n 400] [--rounds 3]

Generates ``-n`` reports with ``benchmarks/generate.py`` (in memory: the per-document steps
before the boilerplate step run once), then times ``StripBoilerplate()`` with the layer on
and off on the same documents, alternating, ``--rounds`` times, and prints the best process
time per report of each and the difference (the layer's cost). Also reports how many
documents the layer changed (0 on the generator's reports: they carry no structure debris).
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


def prepared(n: int) -> list:  # type: ignore[type-arg]
    """``n`` generated reports as the boilerplate step receives them."""
    import generate

    from lawrpt_corpus import default_pipeline
    from lawrpt_corpus.boilerplate.strip import StripBoilerplate

    pipe = default_pipeline()
    before = []
    for step in pipe.steps:
        if isinstance(step, StripBoilerplate):
            break
        before.append(step)
    docs = []
    with tempfile.TemporaryDirectory() as tmp:
        generate.generate(n, Path(tmp))
        for path in sorted(p for p in (Path(tmp) / "raw").rglob("*") if p.is_file()):
            from lawrpt_corpus.document import Document

            doc = Document.from_bytes(str(path.name), path.read_bytes())
            for step in before:
                if doc.kept:
                    doc = step(doc)
            if doc.kept:
                docs.append(doc)
    return docs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=400)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    from lawrpt_corpus.boilerplate.strip import StripBoilerplate

    docs = prepared(args.n)
    steps = {"on": StripBoilerplate(), "off": StripBoilerplate(structure=False)}
    best = {k: float("inf") for k in steps}
    outs: dict[str, list[str]] = {}
    for _ in range(args.rounds):
        for name, step in steps.items():
            work = [copy.deepcopy(d) for d in docs]
            t0 = time.process_time()
            out = [step(d) for d in work]
            best[name] = min(best[name], time.process_time() - t0)
            outs[name] = [d.text for d in out]
    changed = sum(a != b for a, b in zip(outs["on"], outs["off"], strict=True))
    per = {k: 1000 * v / len(docs) for k, v in best.items()}
    print(
        f"{len(docs)} reports, best of {args.rounds}, ms CPU per report: "
        f"layer on {per['on']:.3f}, off {per['off']:.3f}, "
        f"layer {per['on'] - per['off']:+.3f}; outputs changed {changed}; "
        f"load {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
