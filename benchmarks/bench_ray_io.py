"""Identical output and driver cost of the Ray engine's worker-side I/O (issue #22).

    PYTHONPATH=src python benchmarks/bench_ray_io.py --docs 2000 [--baseline REV]

Generates ``--docs`` raw files (benchmarks/generate.py), then builds them:

* with the local engine of this tree and, with ``--baseline REV``, of git revision ``REV``
  (its ``src`` exported with ``git archive`` and run in a subprocess): the folder walk and the
  build loop changed, the bytes must not;
* with the Ray engine on a local Ray instance (``--cpus``), twice in one session: the driver
  reading every input and writing every shard (``read_in_driver=True,
  write_in_workers=False``, the engine before #22), then the workers reading and writing (the
  default). For each: the driver process's CPU time (``getrusage``: user + system) — the
  figure that must not grow with the corpus — per document, and the wall time of the final
  pass (``timings.apply``).

``--containers`` packs the generated files into container files first — per 250 files, a
parquet file (raw bytes in a binary ``text`` column, row groups of 100) or a ``.jsonl.gz``
(the files that are UTF-8; the others go to a parquet file beside it) — so the Ray builds
show the containers' path: in the driver (``ray_driver_io``, as every Ray build read
containers before) or counted and read in slices by the workers (``ray_worker_io``).

Every build's ``data/`` and ``manifest/`` parquet files must be identical byte for byte (exit
status 1 otherwise). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for sub in ("data", "manifest")
        for p in sorted((folder / sub).glob("*.parquet"))
    }


def cpu_self() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def baseline_build(rev: str, src: Path, out: Path, where: Path) -> None:
    tar_path = where / "baseline.tar"
    with tar_path.open("wb") as fh:
        subprocess.run(["git", "archive", rev, "src"], cwd=ROOT, stdout=fh, check=True)
    with tarfile.open(tar_path) as tar:
        tar.extractall(where / "baseline", filter="data")
    code = "import sys, lawrpt_corpus as m; m.build([sys.argv[1]], sys.argv[2], workers=2)"
    env = {**os.environ, "PYTHONPATH": str(where / "baseline" / "src")}
    subprocess.run([sys.executable, "-c", code, str(src), str(out)], env=env, check=True)


def pack_containers(src: Path, per: int = 250) -> int:
    """Replace the files under ``src`` by container files (see the module docstring);
    returns how many containers."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = sorted(p for p in src.rglob("*") if p.is_file())
    n = 0
    for k in range(0, len(files), per):
        chunk = files[k : k + per]
        rows = [(p.relative_to(src).as_posix(), p.read_bytes()) for p in chunk]
        binary = rows
        if (k // per) % 2:
            texts, binary = [], []
            for name, raw in rows:
                try:
                    texts.append(json.dumps({"id": name, "text": raw.decode("utf-8")}))
                except UnicodeDecodeError:
                    binary.append((name, raw))
            with gzip.open(src / f"pack-{n:04d}.jsonl.gz", "wt", encoding="utf-8") as fh:
                fh.write("\n".join(texts) + "\n")
            n += 1
        if binary:
            table = pa.table(
                {
                    "id": [name for name, _ in binary],
                    "text": pa.array([raw for _, raw in binary], pa.binary()),
                }
            )
            pq.write_table(table, src / f"pack-{n:04d}.parquet", row_group_size=100)
            n += 1
        for p in chunk:
            p.unlink()
    return n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--cpus", type=int, default=2)
    ap.add_argument("--baseline", help="git revision whose local build must give the same bytes")
    ap.add_argument("--containers", action="store_true", help="pack the inputs in containers")
    args = ap.parse_args()
    import ray

    from lawrpt_corpus import build
    from lawrpt_corpus.engines.ray_engine import RayEngine

    with tempfile.TemporaryDirectory(prefix="bench-ray-io-") as tmp_name:
        tmp = Path(tmp_name)
        src = tmp / "in"
        generate = [sys.executable, str(ROOT / "benchmarks" / "generate.py")]
        subprocess.run(
            [*generate, "--n", str(args.docs), "--out", str(src)], check=True, capture_output=True
        )
        outs: dict[str, Path] = {}
        containers = pack_containers(src) if args.containers else 0
        if args.baseline:
            outs["local@" + args.baseline] = tmp / "base"
            baseline_build(args.baseline, src, outs["local@" + args.baseline], tmp)
        outs["local"] = tmp / "local"
        build([src], outs["local"], workers=2)
        result: dict[str, object] = {
            "docs": args.docs,
            "cpus": args.cpus,
            "containers": containers,
        }
        ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False)
        try:
            for name, kwargs in (
                ("ray_driver_io", {"read_in_driver": True, "write_in_workers": False}),
                ("ray_worker_io", {}),
            ):
                engine = RayEngine(**kwargs)  # type: ignore[arg-type]
                outs[name] = tmp / name
                before = cpu_self()
                build([src], outs[name], engine=engine)
                cpu = cpu_self() - before
                result[name] = {
                    "driver_cpu_s": round(cpu, 2),
                    "driver_cpu_ms_per_doc": round(1000 * cpu / args.docs, 3),
                    "apply_wall_s": round(engine.timings["apply"], 2),
                    "fit_modes": engine.fit_modes,
                }
        finally:
            ray.shutdown()
        want = digests(outs["local"])
        same = {name: digests(out) == want for name, out in outs.items()}
        result["files"] = len(want)
        result["identical_to_local"] = same
    print(json.dumps(result, indent=2))
    return 0 if all(same.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
