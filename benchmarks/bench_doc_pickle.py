"""What a processed document costs to pickle and unpickle (the spill's unit), this tree
against a baseline.

    PYTHONPATH=src python benchmarks/bench_doc_pickle.py INPUT --baseline REV_OR_SRC
        [-n 2000] [--rounds 3] [--repeat 9]

A build pickles every document at least twice (the workers' batches, a replay level) and
unpickles it about seven times (the driver's streamed fit, level reads and final pass;
the workers' level pieces and Dedup's passes): docs/performance.md, "Session 26". Each
round runs, for each tree in a fresh interpreter (``PYTHONPATH=<its src>``): the default
pipeline over the first ``-n`` files of ``INPUT`` (a folder, sorted by path), then
``pickle.loads`` of the documents pickled in batches of 32 (as the spill stores them)
and ``pickle.dumps`` of the documents just unpickled (as a build pickles a document once
per process: pickle keeps a text's UTF-8 in the ``str`` it encoded, so pickling the same
objects again would time a copy), each ``--repeat`` times; the figure is the minimum
thread CPU time per document. Printed per round and tree: unpickle and pickle µs per
document and pickled bytes per document.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from baseline_src import baseline_src  # this folder is sys.path[0]

HERE = Path(__file__).resolve().parent
BATCH = 32


def child(inputs: str, n: int, repeat: int) -> dict[str, float]:
    from lawrpt_corpus import Document, default_pipeline

    pipe = default_pipeline()
    root = Path(inputs)
    files = sorted(p for p in root.rglob("*") if p.is_file())[:n]
    docs = [
        pipe.process(Document.from_bytes(str(p.relative_to(root)), p.read_bytes())) for p in files
    ]
    for doc in docs:
        doc.raw = None  # the spill drops it (engines.base.pickle_batch)
    batches = [docs[i : i + BATCH] for i in range(0, len(docs), BATCH)]
    blobs = [pickle.dumps(b, protocol=pickle.HIGHEST_PROTOCOL) for b in batches]
    if [pickle.loads(b) for b in blobs] != batches:
        raise SystemExit("a document did not come back equal")
    loads = dumps = float("inf")
    for _ in range(repeat):
        t0 = time.thread_time()
        fresh = [pickle.loads(blob) for blob in blobs]
        t1 = time.thread_time()
        # pickle the documents just unpickled, as a build does: pickle caches a str's UTF-8
        # in the str, so pickling the same documents again would time a copy
        for batch in fresh:
            pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)
        t2 = time.thread_time()
        loads, dumps = min(loads, t1 - t0), min(dumps, t2 - t1)
        del fresh
    k = max(len(docs), 1)
    return {
        "docs": len(docs),
        "loads_us": loads / k * 1e6,
        "dumps_us": dumps / k * 1e6,
        "bytes": sum(map(len, blobs)) / k,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input")
    ap.add_argument("--baseline", help="git revision or src folder")
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.input, args.n, args.repeat)))
        return 0
    if not args.baseline:
        ap.error("--baseline is required")
    tmp = Path(tempfile.mkdtemp(prefix="bench-doc-pickle-"))
    try:
        trees = {
            "baseline": baseline_src(args.baseline, tmp / "baseline"),
            "this": HERE.parent / "src",
        }
        for r in range(1, args.rounds + 1):
            for name, src in trees.items():
                env = {**os.environ, "PYTHONPATH": str(src)}
                cmd = [sys.executable, __file__, args.input, "-n", str(args.n)]
                cmd += ["--repeat", str(args.repeat), "--child"]
                got = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
                m = json.loads(got.stdout.strip().splitlines()[-1])
                print(
                    f"{r} {name:8s} {m['docs']} docs  unpickle {m['loads_us']:.1f} us/doc  "
                    f"pickle {m['dumps_us']:.1f} us/doc  {m['bytes']:.0f} bytes/doc",
                    flush=True,
                )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
