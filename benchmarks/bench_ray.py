"""Throughput of the Ray engine next to the local engine on the same synthetic corpus.

    PYTHONPATH=src python benchmarks/bench_ray.py --docs 3000

Builds a corpus of ``--docs`` JSONL records grown from the seeds (varied years and numbers,
~12 % exact copies), then times: ``ray.init``; a first Ray build (workers start, modules
import); a second Ray build in the same session (warm); the same with the dedup fit forced
onto the cluster; the local engine with 1 and 2 workers. Checks that every build's rows are
identical. Prints one JSON object (the figures in docs/performance.md ("The Ray engine")).
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=3000)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from lawrpt_corpus import LocalEngine, build
    from lawrpt_corpus.engines.ray_engine import RayEngine

    tmp = Path(tempfile.mkdtemp(prefix="bench-ray-"))
    src = corpus(tmp, args.docs)
    mb = src.stat().st_size / 1e6
    result: dict = {"docs": args.docs, "jsonl_gz_MB": round(mb, 2), "load_before": os.getloadavg()}

    def timed(name: str, engine, out: str) -> list[dict]:
        t0 = time.perf_counter()
        build([src], tmp / out, engine=engine)
        dt = time.perf_counter() - t0
        result[name] = {
            "s": round(dt, 2),
            "docs_per_s": round(args.docs / dt, 1),
            "timings": {k: round(v, 2) for k, v in engine.timings.items()},
        }
        return rows(tmp / out)

    ref = timed("local_1", LocalEngine(1), "l1")
    assert timed("local_2", LocalEngine(args.workers), "l2") == ref
    import ray

    t0 = time.perf_counter()
    ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False)
    result["ray_init_s"] = round(time.perf_counter() - t0, 2)
    assert timed("ray_cold", RayEngine(), "r1") == ref
    assert timed("ray_warm", RayEngine(), "r2") == ref
    assert timed("ray_warm_cluster_fit", RayEngine(cluster_fit=True), "r3") == ref
    result["ray_worker_rss_MB"] = worker_rss()
    ray.shutdown()
    result["load_after"] = os.getloadavg()
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
