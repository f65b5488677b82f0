#!/usr/bin/env python
"""The local engine's final pass (apply of the fitted corpus steps, rows, parquet): this tree
against a baseline revision, in one whole build each.

    python benchmarks/bench_final_pass.py INPUT [INPUT ...] --baseline REV_OR_SRC
        [--workers 2] [--rounds 2] [--profile baseline|this]

Each round builds once with this tree's ``src`` and once with the baseline's, alternating, in
fresh interpreters (``PYTHONPATH``); ``--baseline`` given again adds a tree to every round
(``baseline2``, …: e.g. this tree with one setting changed, as a ``src`` folder).
Per build: the final pass's wall (build.json ``timings``
``apply``: from the first document the pass yields to the last, the writer included) and the
driver's CPU over it (``time.process_time`` from the build's first ``write`` progress call to
the end of ``write_dataset``: the driver alone, its threads included), the wall over the same
span (``final_wall_shards``: the shards finished and counted, which ``apply`` leaves out),
the whole build's wall, the driver's CPU
and the CPU of its waited-for workers (``RUSAGE_CHILDREN``). ``--profile TREE``: instead,
one build of that tree with cProfile on the driver during the final pass (top functions by
own time).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from baseline_src import baseline_src  # this folder is sys.path[0]

HERE = Path(__file__).resolve().parent

CHILD = r"""
import cProfile, json, pstats, resource, sys, time, io
from pathlib import Path
from lawrpt_corpus import build, LocalEngine
from lawrpt_corpus.engines import base

inputs, out, workers, profile = json.loads(sys.argv[1])
marks = {}
prof = cProfile.Profile() if profile else None

def progress(stage, done):
    if stage == "write" and "write" not in marks:
        marks["write"] = time.process_time()
        marks["write_wall"] = time.perf_counter()
        if prof is not None:
            prof.enable()

real = base.Engine.write_dataset

def write_dataset(self, *a, **k):
    try:
        return real(self, *a, **k)
    finally:
        if prof is not None:
            prof.disable()
        marks["end"] = time.process_time()
        marks["end_wall"] = time.perf_counter()

base.Engine.write_dataset = write_dataset
t0 = time.perf_counter()
build(inputs, out, engine=LocalEngine(workers), overwrite=True, progress=progress)
wall = time.perf_counter() - t0
timings = json.loads(Path(out, "build.json").read_text())["timings"]
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
me = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({
    "final_wall": timings.get("apply"),
    "final_driver_cpu": marks["end"] - marks.get("write", marks["end"]),
    "final_wall_shards": marks["end_wall"] - marks.get("write_wall", marks["end_wall"]),
    "build_wall": wall,
    "driver_cpu": me.ru_utime + me.ru_stime,
    "workers_cpu": kids.ru_utime + kids.ru_stime,
    "timings": timings,
}))
if prof is not None:
    s = io.StringIO()
    pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(22)
    print(s.getvalue(), file=sys.stderr)
"""


def run(src: Path, inputs: list[str], out: Path, workers: int, profile: bool) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src)}
    arg = json.dumps([inputs, str(out), workers, profile])
    done = subprocess.run(
        [sys.executable, "-c", CHILD, arg], env=env, check=True, capture_output=True, text=True
    )
    if profile:
        print(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="+")
    ap.add_argument(
        "--baseline", required=True, action="append", help="git revision or src folder (repeatable)"
    )
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--profile", choices=["baseline", "this"], help="profile one tree's build")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-final-pass-"))
    try:
        bases = [baseline_src(b, tmp / f"baseline{i}") for i, b in enumerate(args.baseline)]
        if args.profile:
            src = bases[0] if args.profile == "baseline" else HERE.parent / "src"
            print(json.dumps(run(src, args.inputs, tmp / "out", args.workers, True)))
            return 0
        revisions = {f"baseline{i + 1 if i else ''}": b for i, b in enumerate(bases)}
        revisions["this tree"] = HERE.parent / "src"
        keys = (
            "final_wall",
            "final_wall_shards",
            "final_driver_cpu",
            "build_wall",
            "driver_cpu",
            "workers_cpu",
        )
        print(f"{'round':5s} {'tree':10s} " + " ".join(f"{k:>16s}" for k in keys))
        for r in range(args.rounds):
            for name, src in revisions.items():
                got = run(src, args.inputs, tmp / "out", args.workers, False)
                print(f"{r + 1:<5d} {name:10s} " + " ".join(f"{got[k]:16.2f}" for k in keys))
                print(f"      timings {json.dumps(got['timings'])}", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
