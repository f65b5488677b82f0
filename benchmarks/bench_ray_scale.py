"""The Ray engine on a real local multi-raylet cluster: driver cost vs corpus size.

    PYTHONPATH=src python benchmarks/bench_ray_scale.py --docs 2000 10000 --nodes 2

Starts a cluster with the ``ray`` CLI (``ray start --head`` + ``--nodes - 1`` more raylets,
``--cpus`` CPUs each, own ports and temp dir: tests/helpers/ray_cluster.py), then for each
``--docs`` N builds a corpus of N documents from benchmarks/generate.py (every duplicate kind,
boilerplate, several encodings) in a separate driver process connected with
``ray_address`` — corpus steps fitted on the cluster (``cluster_fit=True``), workers reading
the inputs from the (shared, local) filesystem (``read_in_driver=False``; ``--read-in-driver``
ships the bytes through the driver instead) — and records:

* the driver process's CPU seconds and peak RSS (``wait4`` rusage of that process alone);
* the driver's retained state of each corpus step after its fit (pickled bytes of
  ``step.state``, per document) and the driver's peak-RSS growth during each fit;
* the cluster's CPU seconds: every process of this cluster (GCS, raylets, object stores,
  agents, and their descendants, the workers) sampled every half second from /proc while
  the build runs, each process's own user + system time from its first to its last sample —
  workers that exit during the build included (``tests.helpers.ray_cluster.ClusterCpu``;
  the raylets ignore ``SIGCHLD``, so an exited worker's CPU never reaches a parent's
  ``cutime``, which is what the figure missed before); and the workers' throughput
  (documents / wall second of the per-document stage, and cluster CPU ms per document);
* object-store bytes: the processed documents (``size_bytes`` of each materialized window)
  and every dataset a cluster fit materializes; bytes shuffled: the map-side pieces of
  every shuffle of a cluster fit (``ray_fits._shuffle_map``: plain-task shuffles; sized by a
  task, not fetched);
* that the output (data and manifest shards, row for row) is identical to the local engine's
  (``--check``, default on; a 1-worker local build per size, or ``--local DIR``: a local
  build of ``--corpus`` made beforehand by the same revision's pipeline).

``--corpus DIR`` builds an existing benchmarks/generate.py corpus (``DIR/raw``,
``DIR/corpus.json``) of ``--docs`` documents instead of generating one (the 100,000-document
run of docs/scaling.md).

Prints one JSON object; ``--json PATH`` also writes it. The numbers of docs/scaling.md
("Measured on a local multi-raylet cluster") come from this script.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


# -- the driver process ----------------------------------------------------------------------
def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class PhaseSampler:
    """The driver's memory by phase: a thread samples its RSS (/proc) every ``every``
    seconds, tagged with the phase the build is in; at each phase's end the RSS, the
    process's peak so far (``ru_maxrss``) and, with ``tracemalloc``, the Python allocations
    (current, the phase's peak, the largest lines) — what is Python's and what is not (Ray's
    C++ core worker, the Arrow pool, the allocator's free pages)."""

    def __init__(self, every: float, trace: bool) -> None:
        import threading
        import tracemalloc

        self.every = every
        self.trace = trace
        self.phase = "import"
        self.samples: list[tuple[float, str, float]] = []
        self.ends: list[dict[str, Any]] = []
        self.base: Any = None
        self.t0 = time.perf_counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        if trace:
            tracemalloc.start()

    def start(self) -> PhaseSampler:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.samples.append((round(time.perf_counter() - self.t0, 1), self.phase, _rss_mb()))

    def enter(self, phase: str) -> None:
        """End the current phase (its figures recorded) and start ``phase``."""
        end: dict[str, Any] = {
            "phase": self.phase,
            "t": round(time.perf_counter() - self.t0, 1),
            "rss_MB": round(_rss_mb(), 1),
            "peak_rss_MB": round(_maxrss_mb(), 1),
        }
        mine = [r for _, ph, r in self.samples if ph == self.phase]
        if mine:
            end["sampled_max_rss_MB"] = round(max(mine), 1)
        if self.trace:
            import tracemalloc

            cur, peak = tracemalloc.get_traced_memory()
            end["py_MB"] = round(cur / 2**20, 2)
            end["py_peak_MB"] = round(peak / 2**20, 2)
            snap = tracemalloc.take_snapshot()
            if self.base is None:  # the imports: the lines below are what the build added
                self.base = snap
            top = snap.compare_to(self.base, "lineno")[:6]
            end["py_top"] = [f"{st.size_diff / 2**20:+.2f} MB {st.traceback[0]}" for st in top]
            tracemalloc.reset_peak()
        self.ends.append(end)
        print(json.dumps(end), file=sys.stderr, flush=True)
        self.phase = phase

    def stop(self) -> dict[str, Any]:
        self.enter("end")
        self._stop.set()
        return {"every_s": self.every, "ends": self.ends, "samples": self.samples}

    def wrap(self, phase: str, fn: Any, after: str | None = None) -> Any:
        """``fn`` run in ``phase``; then the phase ``after`` (default: the one before)."""

        def run(*a: Any, **k: Any) -> Any:
            back = self.phase
            self.enter(phase)
            try:
                return fn(*a, **k)
            finally:
                self.enter(after or back)

        return run


def drive(args: argparse.Namespace) -> None:
    """One build on the cluster at ``args.address``; writes its figures to ``args.report``."""
    sampler = PhaseSampler(args.sample, args.tracemalloc).start() if args.sample else None
    sys.path.insert(0, str(ROOT / "src"))
    import ray.data

    from lawrpt_corpus import build
    from lawrpt_corpus.engines import ray_engine, ray_fits

    stored: list[int] = []
    shuffled: list[int] = []
    materialize = ray.data.Dataset.materialize

    def counted_materialize(self: Any) -> Any:
        ds = materialize(self)
        stored.append(int(ds.size_bytes()))
        return ds

    shuffle_map = ray_fits._shuffle_map

    def pieces_bytes(*pieces: Any) -> int:
        return sum(p.nbytes for p in pieces if p is not None)

    def counted_shuffle_map(*a: Any) -> Any:
        # plain-task shuffles: the map side's pieces, sized by a task (no bytes to the driver)
        pieces = shuffle_map(*a)
        size = ray.remote(pieces_bytes)
        shuffled.extend(ray.get([size.remote(*part) for part in pieces]))
        return pieces

    ray.data.Dataset.materialize = counted_materialize  # type: ignore[method-assign]
    phases: dict[str, float] = {}
    mapped = getattr(ray_fits, "_Mapped", None)  # session 19: the fits' maps as plain tasks
    if mapped is not None:
        mapped_materialize = mapped.materialize

        def counted_mapped(self: Any) -> Any:
            if not args.sizing:
                return mapped_materialize(self)
            cpu = time.process_time()
            size = ray.remote(lambda t: t.nbytes)
            stored.extend(ray.get([size.remote(r) for r in self.refs]))
            phases["measuring_fits"] = phases.get("measuring_fits", 0.0) + time.process_time() - cpu
            return mapped_materialize(self)

        mapped.materialize = counted_mapped
    if args.sizing:
        ray_fits._shuffle_map = counted_shuffle_map
    fits: dict[str, dict[str, float]] = {}
    lookup = ray_engine.distributed_fit_of

    def measured(name: str, fn: Any) -> Any:
        def run(*a: Any) -> Any:
            rss0 = _maxrss_mb()
            cpu0 = time.process_time()
            out = fn(*a)
            fits[name] = {
                "driver_cpu_s": round(time.process_time() - cpu0, 2),
                "driver_peak_rss_growth_MB": round(_maxrss_mb() - rss0, 1),
            }
            return out

        return run

    def distributed_fit_of(step: Any) -> Any:
        fit = lookup(step)
        if fit is not None and sampler is not None:
            fit = sampler.wrap(f"fit:{step.name}", fit, "between_fits")
        return measured(step.name, fit) if fit is not None else None

    ray_engine.distributed_fit_of = distributed_fit_of
    from lawrpt_corpus.defaults import default_pipeline

    pipeline = default_pipeline()
    for step in pipeline.corpus_steps:
        step.fit = measured(step.name, step.fit)  # type: ignore[method-assign]
    engine = ray_engine.RayEngine(
        ray_address=args.address,
        cluster_fit=True,
        read_in_driver=args.read_in_driver,
        ship_code=False,
        **({"block_rows": args.block_rows} if args.block_rows else {}),
    )
    windows_bytes: list[int] = []
    if hasattr(engine, "_map_window"):  # before session 19: a Ray Dataset per window
        map_window = engine._map_window

        def counted_window(pipe: Any, rows: Any) -> Any:
            ds = map_window(pipe, rows)
            windows_bytes.append(stored.pop() if stored else int(ds.size_bytes()))
            return ds

        engine._map_window = counted_window
    else:  # plain tasks: the processed blocks' sizes, by a task (not counted as driver CPU)
        process = engine._process

        def counted_process(*a: Any) -> Any:
            blocks = process(*a)
            phases["blocks"] = len(blocks.refs)  # a count, not CPU: popped below
            if not args.sizing:
                return blocks
            cpu = time.process_time()
            size = ray.remote(lambda t: t.nbytes)
            windows_bytes.extend(ray.get([size.remote(r) for r in blocks.refs]))
            phases["measuring"] = phases.get("measuring", 0.0) + time.process_time() - cpu
            return blocks

        engine._process = counted_process  # type: ignore[method-assign]

    def cpu_of(name: str, fn: Any) -> Any:
        def run(*a: Any, **k: Any) -> Any:
            cpu = time.process_time()
            try:
                return fn(*a, **k)
            finally:
                phases[name] = phases.get(name, 0.0) + time.process_time() - cpu

        return run

    def cpu_of_iter(name: str, fn: Any) -> Any:
        def run(*a: Any, **k: Any) -> Any:
            it = iter(fn(*a, **k))
            while True:
                cpu = time.process_time()
                try:
                    item = next(it)
                except StopIteration:
                    return
                finally:
                    phases[name] = phases.get(name, 0.0) + time.process_time() - cpu
                yield item

        return run

    # the driver's CPU by phase: start (ray.init), listing (walk + container plans, inside
    # the per-document stage), per-document stage + fits, final pass, the rest (publish)
    engine._start = cpu_of("start", engine._start)  # type: ignore[method-assign]
    engine._sliced = cpu_of_iter("listing", engine._sliced)  # type: ignore[method-assign]
    engine._process_and_fit = cpu_of(  # type: ignore[method-assign]
        "documents_and_fits", engine._process_and_fit
    )
    ray_engine._write_shards = cpu_of("final_pass", ray_engine._write_shards)
    if sampler is not None:  # the phases' memory (tagged by the engine's own steps)
        engine._start = sampler.wrap("start", engine._start, "listing_and_documents")
        engine._process = sampler.wrap("documents", engine._process, "after_documents")
        ray_engine._write_shards = sampler.wrap("final_pass", ray_engine._write_shards, "publish")
        sampler.enter("before_build")
    cpu0, t0 = time.process_time(), time.perf_counter()
    build([args.inputs], args.out, engine=engine, pipeline=pipeline, overwrite=True)
    wall = time.perf_counter() - t0
    # the benchmark's own sizing of the blocks (plain-task engine only), not the engine's
    n_blocks = int(phases.pop("blocks", 0))
    in_fits = phases.pop("measuring_fits", 0.0)
    measuring = phases.pop("measuring", 0.0) + in_fits
    build_cpu = time.process_time() - cpu0 - measuring
    fits_cpu = sum(f["driver_cpu_s"] for f in fits.values()) - in_fits
    both = phases.pop("documents_and_fits", 0.0) - measuring
    phases["documents"] = both - fits_cpu - phases.get("listing", 0.0)
    phases["fits"] = fits_cpu
    phases["publish_and_rest"] = build_cpu - both - phases.get("start", 0.0)
    phases["publish_and_rest"] -= phases.get("final_pass", 0.0)
    states = {}
    for step in pipeline.corpus_steps:
        state = getattr(step, "state", None)
        states[step.name] = len(pickle.dumps(state, pickle.HIGHEST_PROTOCOL)) if state else 0
    report = {
        "wall_s": round(wall, 2),
        "blocks": n_blocks,
        "driver_cpu_s_in_build": round(build_cpu, 2),
        "benchmark_measuring_cpu_s": round(measuring, 2),
        "timings": {k: round(v, 2) for k, v in engine.timings.items()},
        "driver_cpu_s_by_phase": {k: round(v, 2) for k, v in phases.items()},
        "fit_modes": engine.fit_modes,
        "fits": fits,
        "state_bytes": states,
        "object_store_documents_bytes": sum(windows_bytes),
        "object_store_fit_bytes": sum(stored),
        "shuffled_bytes": sum(shuffled),
    }
    if sampler is not None:
        report["driver_memory"] = sampler.stop()
    Path(args.report).write_text(json.dumps(report))


# -- the benchmark -------------------------------------------------------------------------
def _revision() -> str:
    """The checkout's commit (``+dirty`` when tracked files differ from it)."""
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    if head.returncode:
        return "unknown (not a git checkout)"
    dirty = subprocess.run(
        [*git, "diff", "--quiet", "HEAD", "--", "src", "benchmarks"], capture_output=True
    )
    return head.stdout.strip() + ("+dirty" if dirty.returncode else "")


def run_child(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run ``cmd``; its CPU seconds and peak RSS (MB), measured for that process alone."""
    proc = subprocess.Popen(cmd, env=env)
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    except BaseException:  # stopped: the child goes too
        proc.kill()
        proc.wait()
        raise
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{cmd[:4]} failed with status {proc.returncode}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def same_output(a: Path, b: Path) -> str:
    """Data and manifest shards of two builds: ``"bytes"`` when every shard file is
    byte-identical, ``"rows"`` when the names and rows are the same but some bytes differ,
    ``"no"`` otherwise (compared shard by shard, so memory holds one shard pair)."""
    import pyarrow.parquet as pq

    same = "bytes"
    for sub in ("data", "manifest"):
        fa = sorted(p.name for p in (a / sub).glob("*.parquet"))
        fb = sorted(p.name for p in (b / sub).glob("*.parquet"))
        if fa != fb:
            return "no"
        for name in fa:
            if (a / sub / name).read_bytes() == (b / sub / name).read_bytes():
                continue
            if not pq.read_table(a / sub / name).equals(pq.read_table(b / sub / name)):
                return "no"
            same = "rows"
    return same


def bench(args: argparse.Namespace) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import generate
    from tests.helpers.ray_cluster import ClusterCpu, LocalRayCluster, cpu_seconds

    tmp = Path(tempfile.mkdtemp(prefix="bench-ray-scale-", dir=args.tmp))
    src = str(ROOT / "src")
    env = dict(os.environ, PYTHONPATH=src)
    result: dict[str, Any] = {
        "nodes": args.nodes,
        "cpus_per_node": args.cpus,
        "read_in_driver": args.read_in_driver,
        "block_rows": args.block_rows or "default",
        "revision": _revision(),
        "load_before": os.getloadavg(),
        "runs": [],
    }
    cluster = LocalRayCluster(
        nodes=args.nodes, cpus=args.cpus, object_store=args.object_store_mb << 20, env=env
    )
    with cluster:
        denv = cluster.driver_env()
        for n in args.docs:
            gen = tmp / f"gen{n}"
            if args.corpus:  # an existing corpus: never removed
                gen = Path(args.corpus)
                summary = json.loads((gen / "corpus.json").read_text())
            else:
                summary = generate(n, gen, seed=0)
            raw = gen / "raw"
            run: dict[str, Any] = {"docs": n, "input_MB": round(summary["bytes"] / 1e6, 1)}
            report = tmp / f"report{n}.json"
            out = tmp / f"ray{n}"
            cmd = [sys.executable, __file__, "--drive", "--address", cluster.address]
            cmd += ["--inputs", str(raw), "--out", str(out), "--report", str(report)]
            if args.read_in_driver:
                cmd.append("--read-in-driver")
            if not args.sizing:
                cmd.append("--no-sizing")
            if args.sample:
                cmd += ["--sample", str(args.sample)]
            if args.tracemalloc:
                cmd.append("--tracemalloc")
            if args.block_rows:
                cmd += ["--block-rows", str(args.block_rows)]
            living0 = cpu_seconds(cluster.pids())
            sampler = ClusterCpu(cluster.pids).start()
            try:
                dcpu, drss = run_child(cmd, denv)
            finally:
                ccpu = sampler.stop()
            living = cpu_seconds(cluster.pids()) - living0  # the old figure, for comparison
            got = json.loads(report.read_text())
            docs_s = got["timings"].get("documents", 0.0)
            run.update(
                {
                    "driver_cpu_s": round(dcpu, 2),
                    "driver_peak_rss_MB": round(drss, 1),
                    "driver_cpu_ms_per_doc": round(1000 * dcpu / n, 3),
                    "cluster_cpu_s": round(ccpu, 1),
                    "cluster_cpu_ms_per_doc": round(1000 * ccpu / n, 2),
                    "cluster_processes_seen": len(sampler.last),
                    "cluster_cpu_s_by_kind": {k: round(v, 1) for k, v in sampler.by_kind().items()},
                    "cluster_cpu_s_living_and_cutime": round(living, 1),
                    "workers_docs_per_wall_s": round(n / docs_s, 1) if docs_s else None,
                    "state_bytes_per_doc": {
                        k: round(v / n, 1) for k, v in got["state_bytes"].items()
                    },
                    "object_store_bytes_per_doc": {
                        "documents": round(got["object_store_documents_bytes"] / n),
                        "fits": round(got["object_store_fit_bytes"] / n),
                    },
                    "shuffled_bytes_per_doc": round(got["shuffled_bytes"] / n),
                    **{
                        k: got[k]
                        for k in (
                            "wall_s",
                            "blocks",
                            "driver_cpu_s_by_phase",
                            "timings",
                            "fit_modes",
                            "fits",
                        )
                    },
                    **({"driver_memory": got["driver_memory"]} if "driver_memory" in got else {}),
                }
            )
            if args.local:  # a local build made beforehand
                run["identical_to_local"] = same_output(out, Path(args.local))
            elif args.check and n <= args.check_max:
                lcmd = [sys.executable, "-m", "lawrpt_corpus", "build", str(raw)]
                lcmd += ["--out", str(tmp / f"local{n}"), "--workers", "1"]
                lcpu, lrss = run_child(lcmd, env)
                run["local_1_worker"] = {"cpu_s": round(lcpu, 1), "peak_rss_MB": round(lrss, 1)}
                run["identical_to_local"] = same_output(out, tmp / f"local{n}")  # bytes/rows/no
            result["runs"].append(run)
            print(json.dumps(run), file=sys.stderr, flush=True)
            if not args.keep:
                mine = [] if args.corpus else [str(gen)]
                subprocess.run(["rm", "-rf", *mine, str(out), str(tmp / f"local{n}")])
    result["load_after"] = os.getloadavg()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, nargs="+", default=[2000])
    ap.add_argument("--nodes", type=int, default=2)
    ap.add_argument("--cpus", type=int, default=1, help="CPUs per node")
    ap.add_argument("--object-store-mb", type=int, default=1024)
    ap.add_argument("--read-in-driver", action="store_true")
    ap.add_argument("--no-check", dest="check", action="store_false")
    ap.add_argument(
        "--check-max", type=int, default=10**9, help="check identity only up to this size"
    )
    ap.add_argument("--keep", action="store_true", help="keep corpora and outputs")
    ap.add_argument("--corpus", default=None, help="an existing generate.py corpus folder")
    ap.add_argument("--local", default=None, help="a local build of --corpus to compare with")
    ap.add_argument("--tmp", default=None, help="scratch folder (default: the system's)")
    ap.add_argument("--json", default=None)
    ap.add_argument(
        "--no-sizing",
        dest="sizing",
        action="store_false",
        help="skip the benchmark's own sizing tasks (object-store and shuffled bytes: 0) — "
        "the driver's memory and CPU without what the benchmark adds",
    )
    ap.add_argument(
        "--sample",
        type=float,
        default=0.0,
        help="sample the driver's RSS every SECONDS, by phase (driver_memory in the JSON)",
    )
    ap.add_argument(
        "--tracemalloc",
        action="store_true",
        help="with --sample: the driver's Python allocations at each phase's end",
    )
    ap.add_argument(
        "--block-rows",
        type=int,
        default=0,
        help="the engine's block_rows (default: the engine's default; 64 was the default "
        "before session 26)",
    )
    # the driver process (internal)
    ap.add_argument("--drive", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--address", help=argparse.SUPPRESS)
    ap.add_argument("--inputs", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--report", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if (args.corpus or args.local) and len(args.docs) != 1:
        ap.error("--corpus and --local take one --docs value (the corpus's size)")
    if args.drive:
        drive(args)
        return

    # stop the cluster on TERM/INT too (a background job ignores SIGINT)
    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    result = bench(args)
    text = json.dumps(result, indent=1)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")


if __name__ == "__main__":
    main()
