"""Cost of the located trail (removal offsets, edit spans) on the per-document stage.

    PYTHONPATH=src python benchmarks/bench_trail.py CORPUS_DIR [-n 2000]
        [--baseline SRC | --against-trail-off]

Reads the first ``-n`` files of a generated corpus (``benchmarks/generate.py``), runs the
per-document stage of ``default_pipeline()`` on each in this process, and prints CPU
milliseconds per document, pickled bytes per processed document (what the spill stores)
and the trail's size (edit spans per document, documents that hit the bound). With
``--baseline SRC`` (a ``src`` folder of another revision, e.g. from ``git archive``) the same
is measured there in a subprocess, in alternating rounds, so load from other jobs hits both
alike. With ``--against-trail-off`` the baseline is this tree with the trail's recording
switched off (``Document.trail_room()`` 0, the record methods no-ops): what the trail itself
costs today. Figures: docs/performance.md ("Located trail").
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path


def switch_trail_off() -> None:
    """Record nothing: ``trail_room()`` is 0 and every record method does nothing."""
    from lawrpt_corpus.document import Document

    def nothing(self: Document, *args: object, **kwargs: object) -> None:
        return None

    Document.trail_room = lambda self: 0  # type: ignore[method-assign]
    for name in ("record_edits", "record_spans", "record_chars", "record_change"):
        if hasattr(Document, name):
            setattr(Document, name, nothing)


def measure(corpus: Path, n: int) -> dict[str, float]:
    from lawrpt_corpus import default_pipeline
    from lawrpt_corpus.document import Document

    files = sorted(corpus.rglob("*.txt"))[:n]
    raws = [(str(p.name), p.read_bytes()) for p in files]
    pipe = default_pipeline()
    pipe.process_bytes(*raws[0])  # warm caches (rule packs, tables, OpenCC)
    t0 = time.process_time()
    docs: list[Document] = [pipe.process_bytes(name, raw) for name, raw in raws]
    cpu = time.process_time() - t0
    size = sum(len(pickle.dumps(d, protocol=pickle.HIGHEST_PROTOCOL)) for d in docs)
    spans = [len(getattr(d, "edit_spans", ())) for d in docs]
    return {
        "docs": len(docs),
        "cpu_ms_per_doc": round(1000 * cpu / len(docs), 3),
        "pickled_bytes_per_doc": round(size / len(docs)),
        "edit_spans_per_doc": round(sum(spans) / len(docs), 1),
        "docs_at_bound": sum(1 for d in docs if getattr(d, "edit_spans_dropped", 0)),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", type=Path)
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("--baseline", type=Path, help="src folder of the revision to compare")
    ap.add_argument("--against-trail-off", action="store_true", help="baseline: trail off")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--json", action="store_true", help="print one JSON line (internal)")
    ap.add_argument("--trail-off", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.trail_off:
        switch_trail_off()
    if args.json or (args.baseline is None and not args.against_trail_off):
        print(json.dumps(measure(args.corpus, args.n)))
        return
    here = str(Path(__file__).resolve().parent.parent / "src")
    base = here if args.against_trail_off else str(args.baseline)
    runs: dict[str, list[dict[str, float]]] = {"new": [], "baseline": []}
    for _ in range(args.rounds):
        for label, src in (("baseline", base), ("new", here)):
            env = {**os.environ, "PYTHONPATH": src}
            cmd = [sys.executable, __file__, str(args.corpus), "-n", str(args.n), "--json"]
            if label == "baseline" and args.against_trail_off:
                cmd.append("--trail-off")
            out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
            runs[label].append(json.loads(out.stdout.strip().splitlines()[-1]))
    best = {k: min(v, key=lambda r: r["cpu_ms_per_doc"]) for k, v in runs.items()}
    best["cpu_ratio_new_over_baseline"] = round(
        best["new"]["cpu_ms_per_doc"] / best["baseline"]["cpu_ms_per_doc"], 3
    )
    print(json.dumps(best, indent=1))


if __name__ == "__main__":
    main()
