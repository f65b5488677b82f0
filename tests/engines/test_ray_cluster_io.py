"""The Ray engine on a real local cluster: two raylets started with ``ray start``, a driver in
its own process that connects with ``--ray-address``.

Workers read the inputs (the driver process never opens one: an audit hook on ``open`` in the
driver records every input it opens) and write the shards; the dataset is the local engine's,
byte for byte. The ship-bytes mode (``read_in_driver``, driver-side writing) gives the same
bytes, and the same hook sees the driver open every input then — the hook can fail.

The cluster (tests/helpers/ray_cluster.py) is this module's alone: its own temp folder and
free ports; only its processes are stopped (never ``ray stop``).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lawrpt_corpus import build

from ..helpers.ray_cluster import LocalRayCluster

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.ray, pytest.mark.slow]


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[LocalRayCluster]:
    """A two-raylet cluster (1 CPU each) on this machine, this module's alone."""
    pytest.importorskip("ray")
    env = {"PYTHONPATH": str(ROOT / "src")}  # the raylets' workers import this checkout
    with LocalRayCluster(nodes=2, cpus=1, object_store=150 << 20, env=env) as cluster:
        yield cluster


# the driver: its own process, as a user's would be; records the inputs it opens
_DRIVER = r"""
import json, os, sys
address, src, out, mode, record = sys.argv[1:6]
root = os.path.abspath(src) + os.sep
opened = []

def hook(event, args):
    if event == "open" and args and isinstance(args[0], (str, bytes)):
        path = os.path.abspath(os.fsdecode(args[0]))
        if path.startswith(root):
            opened.append(path)

sys.addaudithook(hook)
import ray
from lawrpt_corpus import build
from lawrpt_corpus.engines.ray_engine import RayEngine

workers_read = mode == "workers"
engine = RayEngine(
    ray_address=address,
    ship_code=False,  # the raylets' PYTHONPATH is this checkout
    read_in_driver=not workers_read,
    write_in_workers=workers_read,
    cluster_fit=workers_read,  # and the default corpus steps fitted by shuffles on the cluster
    block_rows=8,
)
build([src], out, engine=engine, shard_rows=2)
ray.init(address=address, log_to_driver=False)
nodes = [n for n in ray.nodes() if n["Alive"]]
where = ray.get(ray.remote(lambda: __import__("lawrpt_corpus").__file__).remote())
ray.shutdown()
with open(record, "w") as fh:
    json.dump({"opened": opened, "nodes": len(nodes), "where": where,
               "fit_modes": engine.fit_modes}, fh)
"""


def _corpus(folder: Path, seed_texts: dict[str, str]) -> int:
    """~150 files in nested folders: the seeds, exact copies and numbered variants."""
    n = 0
    for i, (name, text) in enumerate(seed_texts.items()):
        for k in range(30):
            sub = folder / f"y{2015 + k % 5}" / f"p{i}"
            sub.mkdir(parents=True, exist_ok=True)
            body = text if k % 7 == 0 else f"{text}\n第{k}号补充说明：{'附件' * (k % 4)}{k * 37}"
            (sub / f"{k:03d}-{name}").write_text(body, encoding="utf-8")
            n += 1
    (folder / "empty.txt").write_bytes(b"")
    return n + 1


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*.parquet"))
    }


def _drive(cluster: LocalRayCluster, src: Path, out: Path, mode: str, tmp: Path) -> dict:
    record = tmp / f"{mode}.json"
    env = {**cluster.driver_env(), "PYTHONPATH": str(ROOT / "src")}
    args = [cluster.address, str(src), str(out), mode, str(record)]
    proc = subprocess.run(
        [sys.executable, "-c", _DRIVER, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(record.read_text())  # type: ignore[no-any-return]


def test_cluster_build_reads_and_writes_on_the_workers_identical_to_local(
    ray_cluster: LocalRayCluster, tmp_path: Path, seed_texts: dict[str, str]
) -> None:
    src = tmp_path / "in"
    n_inputs = _corpus(src, seed_texts)
    build([src], tmp_path / "local", workers=1, shard_rows=2)
    local = _digests(tmp_path / "local")
    assert len([k for k in local if k.startswith("data/")]) >= 2  # several shards

    got = _drive(ray_cluster, src, tmp_path / "ray", "workers", tmp_path)
    assert got["nodes"] == 2 and got["where"] == str(ROOT / "src/lawrpt_corpus/__init__.py")
    assert got["opened"] == []  # the driver never opened an input
    assert got["fit_modes"] == {
        "repeated-lines": "cluster",
        "templates": "driver",
        "dedup": "cluster",
    }
    assert _digests(tmp_path / "ray") == local
    summary = json.loads((tmp_path / "ray" / "build.json").read_text(encoding="utf-8"))
    want = json.loads((tmp_path / "local" / "build.json").read_text(encoding="utf-8"))
    assert summary["counts"] == want["counts"] and summary["counts"]["inputs"] == n_inputs
    assert summary["distributions"] == want["distributions"]
    assert not list(tmp_path.glob(".ray.partial*"))  # committed: no staging folder left

    # ship-bytes mode: the driver reads every input (the hook sees it) and writes; same bytes
    shipped = _drive(ray_cluster, src, tmp_path / "ship", "driver", tmp_path)
    assert len(set(shipped["opened"])) == n_inputs
    assert _digests(tmp_path / "ship") == local
