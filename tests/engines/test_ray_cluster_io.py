"""The Ray engine on a real local cluster: two raylets started with ``ray start``, a driver in
its own process that connects with ``--ray-address``.

Workers read the inputs — files, and the records of JSON Lines, WARC and parquet containers,
which they count first and then read slice by slice (the driver process never opens one: an
audit hook on ``open`` in the driver, and a wrapper on pyarrow's ``ParquetFile``, record every
input it opens) — and write the shards; the dataset is the local engine's,
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

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lawrpt_corpus import build
from lawrpt_corpus.io.readers import iter_inputs

from ..helpers.formats_fixtures import portal_warc
from ..helpers.ray_cluster import LocalRayCluster

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.ray, pytest.mark.slow]


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[LocalRayCluster]:
    """A two-raylet cluster (1 CPU each) on this machine, this module's alone."""
    pytest.importorskip("ray")
    env = {"PYTHONPATH": str(ROOT / "src")}  # the raylets' workers import this checkout
    for attempt in range(3):  # `ray start` gives a raylet 30 s to register: a loaded box misses
        cluster = LocalRayCluster(nodes=2, cpus=1, object_store=150 << 20, env=env)
        try:
            cluster.start()
            break
        except RuntimeError:
            if attempt == 2:
                raise
    try:
        yield cluster
    finally:
        cluster.stop()


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
import pyarrow.parquet as pq  # pyarrow opens a local parquet file in C++: no audit event

_parquet_file = pq.ParquetFile.__init__

def parquet_file(self, source, *args, **kwargs):
    if isinstance(source, (str, bytes, os.PathLike)):
        hook("open", (os.fspath(source),))
    _parquet_file(self, source, *args, **kwargs)

pq.ParquetFile.__init__ = parquet_file
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


def _corpus(folder: Path, seed_texts: dict[str, str]) -> tuple[int, int]:
    """~150 files in nested folders: the seeds, exact copies and numbered variants; and
    containers whose records are inputs too: a JSON Lines file (copies and variants of the
    seeds, a bad line), a WARC (.warc.gz) and a parquet file of several row groups.
    Returns (inputs, files)."""
    n = 0
    for i, (name, text) in enumerate(seed_texts.items()):
        for k in range(30):
            sub = folder / f"y{2015 + k % 5}" / f"p{i}"
            sub.mkdir(parents=True, exist_ok=True)
            body = text if k % 7 == 0 else f"{text}\n第{k}号补充说明：{'附件' * (k % 4)}{k * 37}"
            (sub / f"{k:03d}-{name}").write_text(body, encoding="utf-8")
            n += 1
    (folder / "empty.txt").write_bytes(b"")
    texts = list(seed_texts.values())
    lines = [
        json.dumps({"text": f"{texts[k % len(texts)]}\n第{k}号记录：{k * 11}", "id": f"r{k}"})
        for k in range(21)
    ]
    lines.insert(7, "{not json")
    (folder / "y2016" / "records.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "y2017" / "crawl.warc.gz").write_bytes(portal_warc())
    table = pa.table(
        {
            "text": [f"{texts[-1 - k % len(texts)]}\n附表{k}" for k in range(19)],
            "url": [f"https://www.example.gov.cn/r/{k}.html" for k in range(19)],
        }
    )
    pq.write_table(table, folder / "y2018" / "table.parquet", row_group_size=5)
    warc_records = sum(1 for _ in iter_inputs([folder / "y2017" / "crawl.warc.gz"]))
    return n + 1 + len(lines) + warc_records + 19, n + 1 + 3


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
    n_inputs, n_files = _corpus(src, seed_texts)
    build([src], tmp_path / "local", workers=1, shard_rows=2)
    local = _digests(tmp_path / "local")
    assert len([k for k in local if k.startswith("data/")]) >= 2  # several shards

    got = _drive(ray_cluster, src, tmp_path / "ray", "workers", tmp_path)
    assert got["nodes"] == 2 and got["where"] == str(ROOT / "src/lawrpt_corpus/__init__.py")
    assert got["opened"] == []  # the driver never opened an input, container or file
    assert got["fit_modes"] == {  # every default corpus step fitted on the cluster
        "repeated-lines": "cluster",
        "templates": "cluster",
        "site-repeat": "cluster",
        "dedup": "cluster",
    }
    assert _digests(tmp_path / "ray") == local
    summary = json.loads((tmp_path / "ray" / "build.json").read_text(encoding="utf-8"))
    want = json.loads((tmp_path / "local" / "build.json").read_text(encoding="utf-8"))
    assert summary["counts"] == want["counts"] and summary["counts"]["inputs"] == n_inputs
    assert summary["distributions"] == want["distributions"]
    # the corpus steps' states as fitted on the cluster: the local fit's (Templates: its
    # parts merged in the driver as they finish)
    assert summary["corpus"] == want["corpus"] and summary["corpus"]["templates"]["documents"]
    assert not list(tmp_path.glob(".ray.partial*"))  # committed: no staging folder left

    # ship-bytes mode: the driver reads every input (the hook sees it) and writes; same bytes
    shipped = _drive(ray_cluster, src, tmp_path / "ship", "driver", tmp_path)
    assert len(set(shipped["opened"])) == n_files
    assert _digests(tmp_path / "ship") == local


_PROBE = r"""
import json, os, sys
import ray
from lawrpt_corpus.build import BuildError
from lawrpt_corpus.engines.ray_engine import RayEngine

address, seen, record = sys.argv[1:4]
engine = RayEngine(ray_address=address, ship_code=False)
engine._start()

def where(path):
    return ray.get_runtime_context().get_node_id(), os.path.exists(path)

answers = engine._on_every_node(where, seen)
try:
    engine._check_workers_see(seen + ".missing", "input", "read_in_driver=True")
    error = None
except BuildError as exc:
    error = str(exc)
nodes = sorted(n["NodeID"] for n in ray.nodes() if n["Alive"])
engine._stop()
with open(record, "w") as fh:
    json.dump({"answers": answers, "nodes": nodes, "error": error}, fh)
"""


def test_path_probe_runs_on_every_node_and_names_those_that_cannot_see_it(
    ray_cluster: LocalRayCluster, tmp_path: Path
) -> None:
    """The check that the workers see an input (or the output's staging folder) runs one task
    pinned to each alive node, and its one-line error names every node that answered no."""
    seen = tmp_path / "seen.txt"
    seen.write_text("x", encoding="utf-8")
    record = tmp_path / "probe.json"
    env = {**ray_cluster.driver_env(), "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, ray_cluster.address, str(seen), str(record)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    got = json.loads(record.read_text())
    assert len(got["nodes"]) == 2
    assert sorted(node for _, (node, _) in got["answers"]) == got["nodes"]  # one task per node
    assert all(ok for _, (_, ok) in got["answers"])
    names = [name for name, _ in got["answers"]]
    assert got["error"].startswith(f"the Ray workers on nodes {names[0]}, {names[1]} cannot see")
    assert f"the input {seen}.missing:" in got["error"]
