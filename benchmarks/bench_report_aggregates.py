#!/usr/bin/env python
"""The report page's read of the shards (``publish.report.read_aggregates``): this tree
against a baseline revision, on finished build folders.

    python benchmarks/bench_report_aggregates.py OUT [OUT ...] --baseline REV_OR_SRC
        [--rounds 2]

Each round runs the read once with this tree's ``src`` and once with the baseline's,
alternating, each in a fresh interpreter (``PYTHONPATH``) that has imported the package,
numpy and pyarrow first. Per read: CPU s (``time.process_time``), the growth of the
process's peak RSS (``ru_maxrss`` after − before) in a run without tracing, and in a second
run the peak of Python allocations (``tracemalloc``: numpy's arrays included, arrow's
buffers not). Then, once per folder, whether the page rendered from both trees'
aggregates (with the folder's build.json) is the same bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline_src import baseline_src

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import hashlib, json, resource, sys, time, tracemalloc
from pathlib import Path
import numpy, pyarrow, pyarrow.parquet
from lawrpt_corpus.publish import report
folder, mode = Path(sys.argv[1]), sys.argv[2]
if mode == "page":
    summary = json.loads((folder / "build.json").read_text(encoding="utf-8"))
    page = report.render(summary, report.read_aggregates(folder))
    print(json.dumps({"sha256": hashlib.sha256(page.encode()).hexdigest()}))
    sys.exit()
if mode == "trace":
    tracemalloc.start()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.process_time()
agg = report.read_aggregates(folder)
cpu = time.process_time() - t0
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = {"cpu_s": cpu, "rss_growth_mb": (after - before) / 1024, "docs": len(agg["lengths"])}
if mode == "trace":
    out["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
print(json.dumps(out))
"""


def child(src: Path, folder: Path, mode: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder), mode],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="+", type=Path, help="finished build folders (data/, manifest/)")
    ap.add_argument("--baseline", required=True, help="git revision or a src folder")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        trees = {"baseline": baseline_src(args.baseline, Path(tmp)), "this": ROOT / "src"}
        for folder in args.out:
            for r in range(args.rounds):
                for name, src in trees.items():
                    plain = child(src, folder, "plain")
                    traced = child(src, folder, "trace")
                    print(
                        f"{folder.name} round {r + 1} {name:8s} docs {plain['docs']:,} "
                        f"cpu {plain['cpu_s']:.3f} s  rss +{plain['rss_growth_mb']:.1f} MB  "
                        f"traced peak {traced['traced_peak_mb']:.1f} MB",
                        flush=True,
                    )
            pages = {name: child(src, folder, "page")["sha256"] for name, src in trees.items()}
            same = pages["baseline"] == pages["this"]
            print(f"{folder.name} page identical: {same} ({pages['this'][:12]})", flush=True)


if __name__ == "__main__":
    main()
