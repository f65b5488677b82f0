"""Memory of a build: the whole process tree, the driver, and every corpus step's state.

    PYTHONPATH=src python benchmarks/bench_memory.py CORPUS_DIR --sizes 3000 30000 \\
        [--workers 2] [--project 1000000] [--json OUT.json] [--pipeline default|dedup]

For each size N, the first N files of ``CORPUS_DIR`` (a generated corpus,
``benchmarks/generate.py``; its ``raw/`` folder or the folder itself, files in path order,
linked into a scratch folder) are built by ``lawrpt_corpus.build`` in a child process, and
measured:

* **tree**: the sum of PSS over the build process and all its descendants (the pool
  workers), sampled every 0.1 s from ``/proc`` (as ``benchmarks/run.py`` does), per phase:
  ``documents`` (the per-document stage: driver + workers), then the fits and the final
  pass (the pool is gone by then: the driver alone);
* **per corpus step**, with ``tracemalloc`` (started when the first fit starts, so the
  per-document stage runs untraced): ``retained`` — bytes still allocated when the fit is
  over (its state, kept until the end of the build), and ``peak`` — the most its fit had
  allocated at once above what was allocated when it started (the state being built, the
  scratch of its passes, and one replayed batch). Python-level allocations, numpy's
  included; the allocator's own overhead is not in them.

Each phase's largest tree and driver PSS is reported too (``phases``). ``--no-trace`` runs
the build without ``tracemalloc`` (the phases' PSS as an ordinary build has it; no per-step
bytes): tracemalloc's bookkeeping (~50–60 bytes per live block) inflates the driver during
the fits.

Figures are also given per document (the slope between the two largest sizes, else the
share of the only size) and projected to ``--project`` documents as ``intercept + slope ×
documents``: the driver's peak at that size is its documents-phase RSS, plus what the
earlier corpus steps retain, plus the largest fit peak (or the final pass). tracemalloc's
own bookkeeping inflates the driver's RSS during the fits, so the projection uses the traced
figures, not that RSS. ``--pipeline dedup`` builds with read → decode → ``Dedup`` only (the
default pipeline's Dedup parameters): the corpus step whose state grows with the corpus,
measured at sizes the whole pipeline takes hours for on a shared box (its texts are not
cleaned of boilerplate, so its shingle sets are, if anything, larger). Figures:
docs/performance.md ("Memory at 1M reports").
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import _tree_memory  # noqa: E402


def _own_memory(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _pipeline(name: str) -> Any:
    """The pipeline ``--pipeline`` names: ``default``, or ``dedup`` (read → decode → Dedup
    with the default pipeline's Dedup parameters)."""
    from lawrpt_corpus import DecodeStep, Extract, Pipeline, default_pipeline

    pipe = default_pipeline()
    if name == "default":
        return pipe
    return Pipeline([Extract(), DecodeStep(), pipe.steps[-1]])


def child(
    inputs: str, out: str, workers: int, pipeline: str = "default", trace: bool = True
) -> None:
    import tracemalloc

    from lawrpt_corpus import build

    marks: list[dict[str, Any]] = []

    def progress(stage: str, done: int) -> None:
        if marks and marks[-1]["stage"] == stage:
            return
        if stage == "documents" and marks:
            return
        traced = (0, 0)
        if trace and (stage.startswith("fit:") or stage == "write"):
            if not tracemalloc.is_tracing():
                tracemalloc.start()
            traced = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
        marks.append({"stage": stage, "t": time.time(), "current": traced[0], "peak": traced[1]})

    pipe = _pipeline(pipeline)
    res = build([inputs], out, pipeline=pipe, workers=workers, overwrite=True, progress=progress)
    cur, peak = tracemalloc.get_traced_memory() if trace else (0, 0)
    marks.append({"stage": "end", "t": time.time(), "current": cur, "peak": peak})
    tracemalloc.stop()
    dedup = {
        k: v
        for k, v in res.summary["corpus"].get("dedup", {}).items()
        if k in ("lsh_candidate_pairs", "verified_pairs", "passes", "exact", "near", "contained")
    }
    print(
        json.dumps(
            {
                "inputs": res.counts["inputs"],
                "kept": res.counts["kept"],
                "marks": marks,
                "dedup": dedup,
                "timings": res.summary.get("timings", {}),
            }
        )
    )


def _phase_peaks(
    marks: list[dict[str, Any]], samples: list[tuple[float, int, int]]
) -> dict[str, dict[str, int]]:
    """The largest tree and driver PSS sampled in each phase (between two marks; the
    documents phase from the start, the last phase to the end)."""
    bounds = [(m["stage"], m["t"]) for m in marks if m["stage"] != "end"]
    out: dict[str, dict[str, int]] = {}
    for i, (stage, t0) in enumerate(bounds):
        t1 = bounds[i + 1][1] if i + 1 < len(bounds) else float("inf")
        lo = float("-inf") if i == 0 else t0
        inside = [s for s in samples if lo <= s[0] < t1]
        if inside:
            out[stage] = {"tree": max(s[1] for s in inside), "driver": max(s[2] for s in inside)}
    return out


def run_size(
    corpus: Path, n: int, workers: int, tmp: Path, pipeline: str = "default", trace: bool = True
) -> dict[str, Any]:
    files = sorted(p for p in corpus.rglob("*") if p.is_file())[:n]
    inputs = tmp / f"inputs-{n}"
    shutil.rmtree(inputs, ignore_errors=True)
    for p in files:
        link = inputs / p.relative_to(corpus)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(p.resolve())
    out = tmp / f"out-{n}"
    cmd = [sys.executable, __file__, "-", "--child", str(inputs), str(out), str(workers)]
    cmd += ["--pipeline", pipeline] + ([] if trace else ["--no-trace"])
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, start_new_session=True)
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    samples: list[tuple[float, int, int]] = []  # (time, tree PSS, driver PSS)
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append((time.time(), _tree_memory(proc.pid), _own_memory(proc.pid)))
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, _ = proc.communicate()
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    stop.set()
    sampler.join()
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(inputs, ignore_errors=True)
    if proc.returncode != 0:
        raise SystemExit(f"build of {n} failed ({proc.returncode})")
    got = json.loads(stdout.decode().strip().splitlines()[-1])
    marks = got["marks"]
    first_fit = next((m["t"] for m in marks if m["stage"] != "documents"), float("inf"))
    docs_phase = [s for s in samples if s[0] < first_fit] or samples
    steps: dict[str, dict[str, int]] = {}
    for a, b in itertools.pairwise(marks):
        if a["stage"].startswith("fit:") or a["stage"] == "write":
            name = a["stage"].removeprefix("fit:")
            steps[name] = {
                "retained": b["current"] - a["current"],
                "peak": b["peak"] - a["current"],
            }
    return {
        "inputs": got["inputs"],
        "kept": got["kept"],
        "tree_peak_documents": max(s[1] for s in docs_phase),
        "driver_peak_documents": max(s[2] for s in docs_phase),
        "tree_peak": max(s[1] for s in samples),
        "driver_peak_traced_run": max(s[2] for s in samples),
        "steps": steps,
        "phases": _phase_peaks(marks, samples),
        "dedup": got.get("dedup", {}),
        "timings": got.get("timings", {}),
        "wall_s": wall,
        # the build and its pool workers (RUSAGE_CHILDREN counts waited-for descendants)
        "cpu_s": r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime,
    }


def _line(a: tuple[int, float], b: tuple[int, float] | None) -> tuple[float, float]:
    """(intercept, slope per document) through the points, or through the origin."""
    if b is None or b[0] == a[0]:
        return 0.0, a[1] / a[0]
    slope = (b[1] - a[1]) / (b[0] - a[0])
    return a[1] - slope * a[0], slope


def project(results: list[dict[str, Any]], n: int) -> dict[str, Any]:
    """Per-document slopes and the projection to ``n`` documents."""
    results = sorted(results, key=lambda r: r["inputs"])
    last = results[-1]
    prev = results[-2] if len(results) > 1 else None

    def fit(value: Any) -> tuple[float, float]:
        a = (last["inputs"], float(value(last)))
        b = (prev["inputs"], float(value(prev))) if prev else None
        return _line(b, a) if b else _line(a, None)

    out: dict[str, Any] = {"documents": n, "steps": {}}
    base_i, base_s = fit(lambda r: r["driver_peak_documents"])
    tree_i, tree_s = fit(lambda r: r["tree_peak_documents"])
    out["tree_documents_phase"] = {"per_doc": tree_s, "projected": tree_i + tree_s * n}
    out["driver_documents_phase"] = {"per_doc": base_s, "projected": base_i + base_s * n}
    held = 0.0
    worst = 0.0
    for name in last["steps"]:
        ri, rs = fit(lambda r, k=name: r["steps"][k]["retained"])
        pi, ps = fit(lambda r, k=name: r["steps"][k]["peak"])
        retained, peak = max(ri + rs * n, 0.0), max(pi + ps * n, 0.0)
        out["steps"][name] = {
            "retained_per_doc": rs,
            "peak_per_doc": ps,
            "retained": retained,
            "peak": peak,
        }
        worst = max(worst, held + peak)
        held += retained
    driver = out["driver_documents_phase"]["projected"] + worst
    out["driver_peak"] = driver
    out["tree_peak"] = max(out["tree_documents_phase"]["projected"], driver)
    return out


def _mb(x: float) -> str:
    return f"{x / 2**20:,.0f} MB"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--sizes", type=int, nargs="+", default=[3000, 30000])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--project", type=int, default=1_000_000)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--pipeline", choices=("default", "dedup"), default="default")
    ap.add_argument(
        "--no-trace",
        action="store_true",
        help="no tracemalloc (the phases' PSS as an untraced build has it; no per-step bytes)",
    )
    ap.add_argument("--child", nargs=3, metavar=("INPUTS", "OUT", "WORKERS"))
    args = ap.parse_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]), args.pipeline, not args.no_trace)
        return 0
    corpus = args.corpus / "raw" if (args.corpus / "raw").is_dir() else args.corpus
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        for n in args.sizes:
            r = run_size(corpus, n, args.workers, Path(tmp), args.pipeline, not args.no_trace)
            results.append(r)
            print(
                f"{r['inputs']:>9,} docs: tree peak {_mb(r['tree_peak_documents'])} in the "
                f"per-document stage (driver {_mb(r['driver_peak_documents'])}), "
                f"{_mb(r['tree_peak'])} overall (tracemalloc on in the fits); "
                f"{r['wall_s']:.1f} s wall, {r['cpu_s']:.1f} CPU s; dedup {r['dedup']}",
                flush=True,
            )
            for name, ph in r["phases"].items():
                print(
                    f"    phase {name:20s} tree {_mb(ph['tree']):>10s}  "
                    f"driver {_mb(ph['driver']):>10s}",
                    flush=True,
                )
            for name, s in r["steps"].items():
                print(
                    f"    {name:16s} retained {_mb(s['retained']):>10s} "
                    f"({s['retained'] / r['inputs']:7.0f} B/doc)   fit peak "
                    f"{_mb(s['peak']):>10s} ({s['peak'] / r['inputs']:7.0f} B/doc)",
                    flush=True,
                )
    proj = project(results, args.project)
    print(f"projection to {args.project:,} documents (intercept + slope × documents):")
    for name, s in proj["steps"].items():
        print(
            f"    {name:16s} {s['retained_per_doc']:7.0f} B/doc retained → "
            f"{_mb(s['retained']):>10s};  peak {s['peak_per_doc']:7.0f} B/doc → {_mb(s['peak'])}"
        )
    print(
        f"    per-document stage tree {_mb(proj['tree_documents_phase']['projected'])}; "
        f"driver peak {_mb(proj['driver_peak'])}; whole tree peak {_mb(proj['tree_peak'])}"
    )
    if args.json:
        args.json.write_text(json.dumps({"sizes": results, "projection": proj}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
