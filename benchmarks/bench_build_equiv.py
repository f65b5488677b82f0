"""Two revisions build the same corpus: are the dataset's parquet files identical?

    PYTHONPATH=src python benchmarks/bench_build_equiv.py CORPUS --baseline-src DIR [-w 2]

``DIR`` is the ``src`` folder of the other revision (``git archive REV src | tar -x -C
/tmp/x``, then ``/tmp/x/src``). Both builds run as subprocesses (``python -m lawrpt_corpus
build CORPUS``) with their own ``src`` on ``PYTHONPATH`` and the same worker count; then
every ``*.parquet`` file of the two output folders (data shards, manifest) is read with
pyarrow and compared row for row. Exit 1 on any difference, a missing or an extra file.
The speed work of issue #19 must not change a byte of the output: this is its end-to-end
check (the per-step oracles are the golden and equivalence tests).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent


def build(src: Path, corpus: Path, out: Path, workers: int) -> float:
    env = dict(os.environ, PYTHONPATH=str(src))
    t = time.perf_counter()
    cmd = [sys.executable, "-m", "lawrpt_corpus", "build", str(corpus), "--out", str(out)]
    subprocess.run(
        [*cmd, "--workers", str(workers), "--quiet"],
        check=True,
        env=env,
        cwd=str(out.parent),
    )
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--baseline-src", type=Path, required=True)
    ap.add_argument("-w", "--workers", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        outs = {}
        for label, src in (("baseline", args.baseline_src.resolve()), ("current", ROOT / "src")):
            out = Path(tmp) / label
            secs = build(src, args.corpus.resolve(), out, args.workers)
            outs[label] = out
            print(f"{label}: built in {secs:.1f} s (wall)")
        files = {
            label: sorted(str(p.relative_to(out)) for p in out.rglob("*.parquet"))
            for label, out in outs.items()
        }
        bad = 0
        if files["baseline"] != files["current"]:
            print(f"DIFFERENT FILES: {files}")
            bad += 1
        for rel in files["current"]:
            if rel not in files["baseline"]:
                continue
            a = pq.read_table(outs["baseline"] / rel)
            b = pq.read_table(outs["current"] / rel)
            same = a.equals(b)
            bad += not same
            print(f"{rel}: {b.num_rows} rows, {'identical' if same else 'DIFFERENT'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
