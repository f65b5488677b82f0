"""Throughput of the metadata step (run: PYTHONPATH=src python benchmarks/bench_metadata.py).

Measures, on the five seeds (raw text, as the step may see it):
* gazetteer load + compile time (once per process);
* ``Gazetteer.find`` over ~1 MB of report text;
* the whole step (``extract``) per document, in MB/s of UTF-8 input.
Times are process CPU time (robust on a shared machine). Figures: docs/performance.md ("Metadata step").
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    t0 = time.process_time()
    from lawrpt_corpus.metadata.gazetteer import gazetteer
    from lawrpt_corpus.metadata.step import extract

    g = gazetteer()
    extract("预热")
    load = time.process_time() - t0
    seeds = [p.read_text("utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    n_bytes = sum(len(s.encode()) for s in seeds)

    big = "\n".join(seeds) * max(1, (1 << 20) // n_bytes)
    t = time.process_time()
    n = len(g.find(big))
    find_s = time.process_time() - t
    mb = len(big.encode()) / 1e6

    reps = 40
    t = time.process_time()
    for _ in range(reps):
        for s in seeds:
            extract(s)
    step_s = time.process_time() - t
    docs = reps * len(seeds)
    print(f"python {sys.version.split()[0]}")
    print(f"gazetteer load+compile (incl. imports): {load:.2f} s")
    print(f"find: {mb:.2f} MB, {n} mentions, {mb / find_s:.1f} MB/s")
    print(
        f"extract: {docs} docs, {reps * n_bytes / 1e6:.2f} MB, "
        f"{reps * n_bytes / 1e6 / step_s:.1f} MB/s, {1000 * step_s / docs:.2f} ms/doc"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
