"""CPU per report of the per-document steps after decode, here and in a baseline, same run.

    PYTHONPATH=src python benchmarks/bench_doc_steps.py CORPUS_DIR --baseline REV_OR_SRC
        [-n 3000] [--rounds 2]

Runs ``default_pipeline()`` of this tree once on the first ``-n`` files of a generated corpus
(``benchmarks/generate.py``), keeping the document each of hygiene, typography, script,
script-recheck and metadata is given (its text, and the page metadata for metadata). Then, in
child processes and alternating order per round (load from other jobs hits both alike), each
tree times each step alone on fresh documents holding those inputs: CPU time
(``time.process_time``), best of 2 per round, and a digest of every output (text, status,
width profile, script, metadata, sections, features, edit counts, flags, located trail).
Prints ms per report per round and whether the digests agree. Figures: docs/performance.md
("Session 24: the per-document path").
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from baseline_src import baseline_src  # this folder is sys.path[0]

STEPS = ("hygiene", "typography", "script", "script-recheck", "metadata")


def capture(corpus: Path, n: int, out: Path) -> int:
    """Run this tree's pipeline on ``corpus``; pickle each step's inputs."""
    from lawrpt_corpus import default_pipeline
    from lawrpt_corpus.pipeline import Step

    files = sorted(corpus.rglob("*.txt"))[:n]
    pipe = default_pipeline()
    inputs: dict[str, list[tuple[str, Any]]] = {name: [] for name in STEPS}

    def observe(step: Step, before: Any, after: Any) -> None:
        if step.name in inputs:
            inputs[step.name].append((before.text, before.page))

    for path in files:
        pipe.process_bytes(path.name, path.read_bytes(), observe)
    out.write_bytes(pickle.dumps(inputs))
    return len(files)


def time_steps(inputs_file: Path) -> dict[str, Any]:
    from lawrpt_corpus import default_pipeline
    from lawrpt_corpus.document import Document

    inputs = pickle.loads(inputs_file.read_bytes())
    steps = {s.name: s for s in default_pipeline().steps}
    ms: dict[str, float] = {}
    digest: dict[str, str] = {}
    for name in STEPS:
        step, items = steps[name], inputs[name]

        def fresh(items: list[tuple[str, Any]] = items) -> list[Document]:
            docs = []
            for text, page in items:
                doc = Document(source="b", raw_sha256="0" * 64, n_bytes=0, text=text)
                doc.page = page
                docs.append(doc)
            return docs

        for doc in fresh()[:50]:  # warm up (tables, patterns, memos of this process)
            step(doc)
        best = float("inf")
        for _ in range(2):
            docs = fresh()
            t0 = time.process_time()
            for doc in docs:
                step(doc)
            best = min(best, time.process_time() - t0)
        h = hashlib.sha1()
        for doc in docs:
            out = (doc.text, doc.status, doc.reason, doc.width_profile, doc.script, doc.meta)
            out += (doc.sections, doc.features, doc.edits, doc.flags, list(doc.edit_spans))
            h.update(pickle.dumps((*out, doc.removed), protocol=4))
        ms[name] = 1000 * best / max(1, len(items))
        digest[name] = h.hexdigest()[:12]
    return {"ms": ms, "digest": digest}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--baseline", required=True, help="git revision or src folder")
    ap.add_argument("-n", type=int, default=3000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(time_steps(args.child)))
        return 0
    here = Path(__file__).resolve().parent.parent / "src"
    with tempfile.TemporaryDirectory() as tmp:
        base = baseline_src(args.baseline, Path(tmp))
        inputs = Path(tmp) / "inputs.pkl"
        n = capture(args.corpus, args.n, inputs)
        trees = {"baseline": base, "this tree": here}
        runs: dict[str, list[dict[str, Any]]] = {label: [] for label in trees}
        for r in range(args.rounds):
            order = list(trees) if r % 2 == 0 else list(trees)[::-1]
            for label in order:
                cmd = [sys.executable, __file__, str(args.corpus), "--baseline", args.baseline]
                env = {**os.environ, "PYTHONPATH": str(trees[label])}
                run = subprocess.run(
                    [*cmd, "--child", str(inputs)], env=env, capture_output=True, text=True
                )
                if run.returncode:
                    print(run.stderr, file=sys.stderr)
                    return 1
                runs[label].append(json.loads(run.stdout.strip().splitlines()[-1]))
    print(f"{n} reports, CPU ms per report per round; load average {os.getloadavg()[0]:.1f}")
    for name in STEPS:
        cells = []
        for label in trees:
            times = " / ".join(f"{x['ms'][name]:.3f}" for x in runs[label])
            cells.append(f"{label} {times}")
        same = len({x["digest"][name] for label in trees for x in runs[label]}) == 1
        print(f"{name:15} " + " | ".join(cells) + f" | outputs {'same' if same else 'DIFFER'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
