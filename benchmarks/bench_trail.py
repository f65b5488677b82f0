"""Cost of the located trail (removal offsets, edit spans) on the per-document stage.

    PYTHONPATH=src python benchmarks/bench_trail.py CORPUS_DIR [-n 2000] [--rounds 3]
        [--baseline SRC_OR_REV] [--against-trail-off]

Reads the first ``-n`` files of a generated corpus (``benchmarks/generate.py``), runs the
per-document stage of ``default_pipeline()`` on each in this process (every document step
and each corpus step's ``prepare``), and prints CPU milliseconds per document, what pickling
the processed documents once and unpickling them once costs (the spill is written once and
read about seven times per build), pickled bytes per document and the trail's size (edit
spans per document, documents that hit the bound).

Variants, each in its own child process, in alternating rounds so that load from other jobs
hits them alike; the best (lowest CPU) round of each is printed with its ratio to ``new``:
``new`` (this tree); ``trail-off`` with ``--against-trail-off`` (this tree with the trail's
recording switched off: ``Document.trail_room()`` 0, the record methods no-ops — what the
trail itself costs); ``baseline`` with ``--baseline`` (a ``src`` folder of another revision,
or a git revision exported with ``benchmarks/baseline_src.py``). Figures: docs/performance.md
("Located trail").
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from baseline_src import baseline_src  # this folder is sys.path[0]


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
    t0 = time.process_time()
    blobs = [pickle.dumps(d, protocol=pickle.HIGHEST_PROTOCOL) for d in docs]
    t_dump = time.process_time() - t0
    t0 = time.process_time()
    for blob in blobs:
        pickle.loads(blob)
    t_load = time.process_time() - t0
    size = sum(map(len, blobs))
    spans = [len(getattr(d, "edit_spans", ())) for d in docs]
    return {
        "docs": len(docs),
        "cpu_ms_per_doc": round(1000 * cpu / len(docs), 3),
        "pickle_ms_per_doc": round(1000 * t_dump / len(docs), 4),
        "unpickle_ms_per_doc": round(1000 * t_load / len(docs), 4),
        "pickled_bytes_per_doc": round(size / len(docs)),
        "edit_spans_per_doc": round(sum(spans) / len(docs), 1),
        "docs_at_bound": sum(1 for d in docs if getattr(d, "edit_spans_dropped", 0)),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", type=Path)
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("--baseline", help="src folder or git revision to compare")
    ap.add_argument("--against-trail-off", action="store_true", help="also: trail off")
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
    with tempfile.TemporaryDirectory() as tmp:
        variants = {"new": here}
        if args.against_trail_off:
            variants["trail-off"] = here
        if args.baseline is not None:
            variants["baseline"] = str(baseline_src(args.baseline, Path(tmp)))
        runs: dict[str, list[dict[str, float]]] = {k: [] for k in variants}
        for _ in range(args.rounds):
            for label, src in variants.items():
                env = {**os.environ, "PYTHONPATH": src}
                cmd = [sys.executable, __file__, str(args.corpus), "-n", str(args.n), "--json"]
                if label == "trail-off":
                    cmd.append("--trail-off")
                out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
                runs[label].append(json.loads(out.stdout.strip().splitlines()[-1]))
    best: dict[str, object] = {}
    for label, rounds in runs.items():
        row: dict[str, object] = dict(min(rounds, key=lambda r: r["cpu_ms_per_doc"]))
        row["cpu_ms_per_doc_rounds"] = [r["cpu_ms_per_doc"] for r in rounds]
        best[label] = row
    new = runs["new"]
    low = min(r["cpu_ms_per_doc"] for r in new)
    for label in variants:
        if label != "new":
            other = min(r["cpu_ms_per_doc"] for r in runs[label])
            best[f"cpu_ratio_new_over_{label}"] = round(low / other, 4)
    print(json.dumps(best, indent=1))


if __name__ == "__main__":
    main()
