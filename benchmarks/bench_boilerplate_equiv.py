"""StripBoilerplate vs the plain per-line loop: identical output, and CPU time per report.

    PYTHONPATH=src python benchmarks/bench_boilerplate_equiv.py [--n 2000] [--corpus DIR]

Generates ``--n`` scraped pages with benchmarks/generate.py (or reads ``--corpus``, a folder
it wrote), brings them to the boilerplate step's input (decode → hygiene → typography →
script), then runs the step and tests/boilerplate_reference.py's ``ReferenceStrip`` (the
step as it was before the prefilter: every rule tried on every line) on copies of every
document, in alternating chunks so both see the same machine load. Compares text, status,
``removed``, flags and edits byte for byte (exit 1 on any difference) and prints CPU ms per
report for each (``time.process_time``), then the share of the generator's inserted
boilerplate lines (truth.jsonl) still verbatim in the kept text, per category.
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
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from tests.boilerplate_reference import ReferenceStrip  # noqa: E402

from lawrpt_corpus import DecodeStep, Hygiene, ScriptNormalize, Typography  # noqa: E402
from lawrpt_corpus.boilerplate import StripBoilerplate  # noqa: E402
from lawrpt_corpus.document import Document  # noqa: E402


def state(doc: Document) -> tuple[object, ...]:
    return (
        doc.text,
        doc.status,
        [(r.rule, r.text) for r in doc.removed],
        list(doc.flags),
        repr(doc.edits),
    )


def load(corpus: Path) -> list[Document]:
    steps = [DecodeStep(), Hygiene(), Typography(), ScriptNormalize()]
    docs = []
    for f in sorted((corpus / "raw").rglob("*.txt")):
        doc = Document.from_bytes(str(f.relative_to(corpus / "raw")), f.read_bytes())
        for step in steps:
            doc = step(doc)
        if doc.status != "rejected":
            doc.raw = None
            docs.append(doc)
    return docs


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--chunk", type=int, default=100)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = args.corpus
        if corpus is None:
            import generate

            corpus = Path(tmp)
            generate.generate(args.n, corpus, seed=args.seed)
        docs = load(corpus)
        truth = {}
        with open(corpus / "truth.jsonl", encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                truth[rec["file"].removeprefix("raw/")] = rec
    # the prefilter is about the rules: the score layer (same in both) is left out
    fast, plain = StripBoilerplate(score=False), ReferenceStrip(score=False)
    _ = fast.ruleset.plan, plain.ruleset  # compile, build the automata outside the timing
    cpu_fast = cpu_plain = 0.0
    outputs: list[Document] = []
    differ: list[str] = []
    for i in range(0, len(docs), args.chunk):
        chunk = docs[i : i + args.chunk]
        a = [copy.deepcopy(d) for d in chunk]
        b = [copy.deepcopy(d) for d in chunk]
        t = time.process_time()
        b = [plain(d) for d in b]
        cpu_plain += time.process_time() - t
        t = time.process_time()
        a = [fast(d) for d in a]
        cpu_fast += time.process_time() - t
        differ += [x.source for x, y in zip(a, b, strict=True) if state(x) != state(y)]
        outputs += a
    n = len(docs)
    chars = sum(len(d.text) for d in docs) / n
    print(f"{n} reports (mean {chars:,.0f} characters) at the boilerplate step's input")
    print(
        f"identical output: {n - len(differ)}/{n}" + (f"  DIFFER: {differ[:10]}" if differ else "")
    )
    print(
        f"CPU per report: plain loop {cpu_plain * 1000 / n:.3f} ms, "
        f"StripBoilerplate {cpu_fast * 1000 / n:.3f} ms  ({cpu_plain / cpu_fast:.2f}x)"
    )
    left, total = Counter(), Counter()
    for doc in outputs:
        rec = truth.get(doc.source)
        if rec is None or doc.status == "rejected":
            continue
        for b in rec["boilerplate"]:
            total[b["cat"]] += 1
            left[b["cat"]] += b["text"] in doc.text
    print(
        "inserted boilerplate still verbatim in kept text: "
        + ", ".join(f"{c} {left[c] / total[c]:.1%}" for c in sorted(total))
    )
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
