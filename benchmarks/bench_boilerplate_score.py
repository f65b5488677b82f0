#!/usr/bin/env python
"""CPU cost per report of the boilerplate score layer (rules alone vs rules + score).

    PYTHONPATH=src python benchmarks/bench_boilerplate_score.py [--n 2000] [--corpus DIR]

Generates ``--n`` scraped pages with benchmarks/generate.py (or reads ``--corpus``), brings
them to the boilerplate step's input (decode → hygiene → typography → script), then runs
``StripBoilerplate(score=False)`` and ``StripBoilerplate()`` on copies of every document in
alternating chunks (same machine load for both), and prints CPU ms per report
(``time.process_time``) and what the score layer removed (lines, and lines that the
generator did not insert as boilerplate — report text it took, which should be none).
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from lawrpt_corpus import DecodeStep, Hygiene, ScriptNormalize, Typography  # noqa: E402
from lawrpt_corpus.boilerplate import StripBoilerplate  # noqa: E402
from lawrpt_corpus.document import Document  # noqa: E402


def load(corpus: Path) -> tuple[list[Document], list[set[str]]]:
    steps = [DecodeStep(), Hygiene(), Typography(), ScriptNormalize()]
    truth = [json.loads(ln) for ln in (corpus / "truth.jsonl").read_text().splitlines()]
    docs, inserted = [], []
    for rec in truth:
        doc = Document.from_bytes(rec["file"], (corpus / rec["file"]).read_bytes())
        for s in steps:
            if doc.kept:
                doc = s(doc)
        if doc.kept:
            docs.append(doc)
            inserted.append({b["text"] for b in rec["boilerplate"]})
    return docs, inserted


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--chunk", type=int, default=100)
    args = ap.parse_args()
    if args.corpus is None:
        import generate

        tmp = Path(tempfile.mkdtemp(prefix="bench-score-"))
        generate.generate(args.n, tmp, seed=0)
        args.corpus = tmp
    docs, inserted = load(args.corpus)
    rules, scored = StripBoilerplate(score=False), StripBoilerplate()
    cpu = Counter[str]()
    removed = Counter[str]()
    for lo in range(0, len(docs), args.chunk):
        chunk = docs[lo : lo + args.chunk]
        for name, step in (("rules", rules), ("rules+score", scored)):
            copies = [copy.deepcopy(d) for d in chunk]
            t0 = time.process_time()
            out = [step(d) for d in copies]
            cpu[name] += time.process_time() - t0
            if name == "rules+score":
                for d, ins in zip(out, inserted[lo : lo + args.chunk], strict=True):
                    for r in d.removed:
                        if r.rule.startswith("score."):
                            removed["score lines"] += 1
                            if r.text.strip() not in ins:
                                removed["not generator boilerplate"] += 1
                                if removed["not generator boilerplate"] <= 10:
                                    print("  score took:", r.text.strip()[:80])
    n = len(docs)
    for name in ("rules", "rules+score"):
        ms = 1000 * cpu[name] / n
        print(f"{name:12s} {ms:6.3f} ms/report  {1000 / ms:7.0f} reports/s per core")
    print(
        f"score layer: +{1000 * (cpu['rules+score'] - cpu['rules']) / n:.3f} ms/report;",
        dict(removed),
        f"({n} reports)",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
