"""CPU of a whole ``python -m lawrpt_corpus build``: this tree against a baseline revision.

    python benchmarks/bench_build_cpu.py INPUT [INPUT ...] --baseline REV_OR_SRC
        [--workers 2] [--rounds 3]

Each round runs the build once with this tree's ``src`` and once with the baseline's (a
``src`` folder, or a git revision exported with ``git archive``), alternating, in fresh
interpreters. The figure is the CPU time of the build process and everything it waited for
(its pool workers): user + system of ``RUSAGE_CHILDREN``, the minimum over ``--rounds``; and
the build's wall time (minimum and median over the rounds). Also
printed: which heavy third-party modules the build process imported (a second run per
revision with ``-X importtime``, not timed). For the fixed costs of a small build (``seeds``)
and the whole-build figure at a few thousand generated reports (docs/performance.md).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from baseline_src import baseline_src  # this folder is sys.path[0]

HERE = Path(__file__).resolve().parent
HEAVY = (
    "pandas",
    "datasets",
    "huggingface_hub",
    "pyarrow.dataset",
    "pyarrow.compute",
    "plotly",
    "numba",
)


def build_cpu(src: Path, inputs: list[str], out: Path, workers: int) -> tuple[float, float]:
    """CPU seconds of one build (the process and its waited-for children), and its wall."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    cmd = [sys.executable, "-m", "lawrpt_corpus", "build", *inputs, "--out", str(out)]
    cmd += ["--workers", str(workers), "--overwrite", "--quiet"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall


def imported(src: Path, inputs: list[str], out: Path, workers: int) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    cmd = [sys.executable, "-X", "importtime", "-m", "lawrpt_corpus", "build", *inputs]
    cmd += ["--out", str(out), "--workers", str(workers), "--overwrite", "--quiet"]
    err = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stderr
    names = {line.rsplit("|", 1)[-1].strip() for line in err.splitlines() if "|" in line}
    return [m for m in HEAVY if m in names]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="+")
    ap.add_argument("--baseline", required=True, help="git revision or src folder")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-build-cpu-"))
    try:
        revisions = {
            "baseline": baseline_src(args.baseline, tmp / "baseline"),
            "this tree": HERE.parent / "src",
        }
        best: dict[str, float] = {}
        walls: dict[str, list[float]] = {name: [] for name in revisions}
        for _ in range(args.rounds):
            for name, src in revisions.items():
                cpu, wall = build_cpu(src, args.inputs, tmp / "out", args.workers)
                best[name] = min(best.get(name, cpu), cpu)
                walls[name].append(wall)
        for name, src in revisions.items():
            heavy = imported(src, args.inputs, tmp / "out", args.workers)
            print(
                f"{name:10s} {best[name]:8.2f} CPU s (min of {args.rounds})   "
                f"wall {min(walls[name]):.2f} s min, {statistics.median(walls[name]):.2f} median   "
                f"imports {', '.join(heavy) or 'none of ' + '/'.join(HEAVY)}"
            )
        print(f"this tree / baseline: x{best['this tree'] / best['baseline']:.3f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
