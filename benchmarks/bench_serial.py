"""The build's phases — documents, each corpus step's fit, the final pass — as wall time,
driver CPU and worker CPU: this tree against a baseline revision.

    PYTHONPATH=src python benchmarks/bench_serial.py INPUT --baseline REV_OR_SRC
        [--workers 2] [--rounds 2]

Each round runs ``lawrpt_corpus.build`` once with this tree's ``src`` and once with the
baseline's (a ``src`` folder, or a git revision exported with ``git archive``), alternating,
each in a fresh interpreter. The child marks a phase boundary whenever the engine reports a
new stage (``build(progress=...)``: ``documents``, ``fit:<step>``, ``write``) and records
there its wall clock, its own CPU (``time.process_time``: the driver) and the CPU of the
worker processes it has waited for (``RUSAGE_CHILDREN``; a pool's workers are counted when
the pool is shut down, i.e. in the phase that used them). Wall time on a shared machine
follows the other jobs' load; the driver's CPU per phase much less so, which is why both
are printed (the minimum over ``--rounds`` of each figure). The parquet files of every build
must be byte-identical (exit status 1 otherwise). Figures: docs/performance.md
("Session 25: the serial part").
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path

from baseline_src import baseline_src  # this folder is sys.path[0]

HERE = Path(__file__).resolve().parent


def _now() -> tuple[float, float, float]:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter(), time.process_time(), kids.ru_utime + kids.ru_stime


def child(inputs: list[str], out: str, workers: int) -> None:
    from lawrpt_corpus import build
    from lawrpt_corpus.engines.local import LocalEngine

    marks: list[tuple[str, tuple[float, float, float]]] = []

    def progress(stage: str, done: int) -> None:
        if not marks or marks[-1][0] != stage:
            marks.append((stage, _now()))

    start = _now()
    build(inputs, out, engine=LocalEngine(workers), overwrite=True, progress=progress)
    end = _now()
    bounds = [("start", start), *marks, ("end", end)]
    phases: dict[str, list[float]] = {}
    for (name, a), (_, b) in pairwise(bounds):
        phases[name] = [y - x for x, y in zip(a, b, strict=True)]
    phases["total"] = [b - a for a, b in zip(start, end, strict=True)]
    digests = {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(Path(out).rglob("*.parquet"))
    }
    print(json.dumps({"phases": phases, "digests": digests}))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="+")
    ap.add_argument("--baseline", required=True, help="git revision or src folder")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--child", metavar="OUT", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.inputs, args.child, args.workers)
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="bench-serial-"))
    try:
        revisions = {
            "baseline": baseline_src(args.baseline, tmp / "baseline"),
            "this tree": HERE.parent / "src",
        }
        best: dict[str, dict[str, list[float]]] = {name: {} for name in revisions}
        digests: dict[str, dict[str, str]] = {}
        for _ in range(args.rounds):
            for name, src in revisions.items():
                env = {**os.environ, "PYTHONPATH": str(src)}
                cmd = [sys.executable, __file__, *args.inputs, "--baseline", "-"]
                cmd += ["--workers", str(args.workers), "--child", str(tmp / "out")]
                res = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
                if res.returncode != 0:
                    print(res.stderr, file=sys.stderr)
                    return 2
                got = json.loads(res.stdout.strip().splitlines()[-1])
                digests[name] = got["digests"]
                for phase, figs in got["phases"].items():
                    old = best[name].get(phase)
                    if old:
                        figs = [min(a, b) for a, b in zip(old, figs, strict=True)]
                    best[name][phase] = figs
        print(f"minimum of {args.rounds} rounds; wall s / driver CPU s / workers CPU s")
        phases = list(best["this tree"])
        print(f"{'phase':22s}" + "".join(f"{name:>26s}" for name in revisions))
        for phase in phases:
            row = f"{phase:22s}"
            for name in revisions:
                w, d, k = best[name].get(phase, [float("nan")] * 3)
                row += f"{w:10.2f} {d:7.2f} {k:7.2f}"
            print(row)
        same = digests["baseline"] == digests["this tree"]
        print(f"parquet files ({len(digests['this tree'])}) identical: {same}")
        return 0 if same else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
