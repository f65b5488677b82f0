"""Throughput of the Ray engine next to the local engine on the same synthetic corpus.

    PYTHONPATH=src python benchmarks/bench_ray.py --docs 3000

Builds a corpus of ``--docs`` documents — ``--corpus generated`` (default): files from
benchmarks/generate.py (every duplicate kind, boilerplate, several encodings); ``seed-variants``:
JSONL records grown from the seeds (varied years and numbers, ~12 % exact copies: near-duplicate
clusters of thousands) — then times: ``ray.init``; a first Ray build (workers start, modules
import); a second Ray build in the same session (warm) with the corpus steps fitted in the
driver; the same with them fitted on the cluster (``cluster_fit=True``: Dedup and
RepeatedLines by shuffles); the local engine with 1 and 2 workers. Besides wall time,
``cpu_s`` is the CPU time of the driver, its finished children and every Ray process of the
machine (robust to other users' load; run no other Ray instance meanwhile). Checks that every
build's rows are identical. Prints one JSON object (the figures in docs/performance.md, "The
Ray engine next to the local engine").
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
_YEAR = re.compile(r"20[12]\d")
_NUM = re.compile(r"(?<![0-9])[1-9][0-9]{0,3}(?![0-9年])")


def corpus(folder: Path, n: int) -> Path:
    rng = random.Random(9)
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    made: list[str] = []
    path = folder / "records.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for i in range(n):
            if made and rng.random() < 0.12:
                text = rng.choice(made)
            else:
                shift = rng.randint(-9, 1)
                text = _YEAR.sub(lambda m, d=shift: str(int(m.group()) + d), rng.choice(texts))
                text = _NUM.sub(lambda m: str(int(m.group()) * rng.randint(1, 9)), text)
                made.append(text)
            fh.write(json.dumps({"text": text, "url": f"https://example.gov.cn/{i}"}) + "\n")
    return path


def rows(folder: Path) -> list[dict]:
    out: list[dict] = []
    for sub in ("data", "manifest"):
        for f in sorted((folder / sub).glob("*.parquet")):
            out.extend(pq.read_table(f).to_pylist())
    return out


def worker_rss() -> list[float]:
    """Resident memory of this machine's Ray worker processes (``ray::`` in their title)."""
    out = []
    for proc in Path("/proc").iterdir():
        try:
            cmd = (proc / "cmdline").read_bytes()
            status = (proc / "status").read_text()
        except OSError:
            continue
        if cmd.startswith(b"ray::"):
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    out.append(round(int(line.split()[1]) / 1024, 1))
    return sorted(out)


def cpu_seconds() -> float:
    """CPU time of this process, its finished children (the local engine's pool) and its
    living descendants (the Ray instance it started: GCS, raylet, workers)."""
    t = os.times()
    total = t.user + t.system + t.children_user + t.children_system
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # after the name: state, ppid, ..., utime (field 14), stime (15)
        stats[int(proc.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    me = os.getpid()
    for pid, (ppid, cpu) in stats.items():
        while ppid not in (0, 1, me) and ppid in stats:
            ppid = stats[ppid][0]
        if ppid == me and pid != me:
            total += cpu
    return total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=3000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--corpus", choices=("generated", "seed-variants"), default="generated")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from lawrpt_corpus import LocalEngine, build
    from lawrpt_corpus.engines.ray_engine import RayEngine

    tmp = Path(tempfile.mkdtemp(prefix="bench-ray-"))
    if args.corpus == "generated":
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from generate import generate

        summary = generate(args.docs, tmp / "gen", seed=0)
        src, mb = tmp / "gen" / "raw", summary["bytes"] / 1e6
    else:
        src = corpus(tmp, args.docs)
        mb = src.stat().st_size / 1e6
    result: dict = {
        "docs": args.docs,
        "corpus": args.corpus,
        "input_MB": round(mb, 2),
        "load_before": os.getloadavg(),
    }

    def timed(name: str, engine, out: str) -> list[dict]:
        cpu0, t0 = cpu_seconds(), time.perf_counter()
        build([src], tmp / out, engine=engine)
        dt = time.perf_counter() - t0
        result[name] = {
            "s": round(dt, 2),
            "cpu_s": round(cpu_seconds() - cpu0, 2),
            "docs_per_s": round(args.docs / dt, 1),
            "timings": {k: round(v, 2) for k, v in engine.timings.items()},
            **({"fit_modes": engine.fit_modes} if hasattr(engine, "fit_modes") else {}),
        }
        return rows(tmp / out)

    ref = timed("local_1", LocalEngine(1), "l1")
    assert timed("local_2", LocalEngine(args.workers), "l2") == ref
    import ray

    t0 = time.perf_counter()
    ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False)
    result["ray_init_s"] = round(time.perf_counter() - t0, 2)
    assert timed("ray_cold", RayEngine(cluster_fit=False), "r1") == ref
    assert timed("ray_warm_driver_fit", RayEngine(cluster_fit=False), "r2") == ref
    assert timed("ray_warm_cluster_fit", RayEngine(cluster_fit=True), "r3") == ref
    result["ray_worker_rss_MB"] = worker_rss()
    ray.shutdown()
    result["load_after"] = os.getloadavg()
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
