"""The Ray engine on a real local multi-process cluster (``ray start --head`` + one more
raylet, tests/helpers/ray_cluster.py), driven by the CLI with ``--ray-address`` in a separate
process: the same dataset as the local engine, and a worker node lost mid-build.

Slow (each test starts its own cluster); they never touch another Ray instance of the machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ..helpers.ray_cluster import LocalRayCluster

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.ray, pytest.mark.slow]


def _rows(folder: Path, sub: str) -> list[dict]:
    rows: list[dict] = []
    for f in sorted((folder / sub).glob("*.parquet")):
        rows.extend(pq.read_table(f).to_pylist())
    return rows


def _corpus(folder: Path, n: int) -> Path:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from generate import generate
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    generate(n, folder, seed=3)
    return folder / "raw"


def _build_cmd(raw: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "lawrpt_corpus", "build", str(raw), "--out", str(out), *extra]


@pytest.fixture
def cluster() -> object:
    pytest.importorskip("ray")
    env = {"PYTHONPATH": str(ROOT / "src")}
    with LocalRayCluster(nodes=2, cpus=1, object_store=300 << 20, env=env) as c:
        yield c


def test_worker_node_killed_mid_build_gives_the_local_rows_or_one_line_error(
    cluster: LocalRayCluster, tmp_path: Path
) -> None:
    """SIGKILL the second raylet (its workers and object store die with it) while the
    per-document stage runs on both nodes: the build completes with exactly the local
    engine's rows (tasks retried on the head, lost objects rebuilt from lineage), or exits
    with status 1 and a one-line message — never a traceback, never a partial dataset."""
    raw = _corpus(tmp_path / "gen", 400)
    local = tmp_path / "local"
    subprocess.run(_build_cmd(raw, local, "--workers", "1"), check=True, capture_output=True)
    out = tmp_path / "ray"
    cmd = _build_cmd(raw, out, "--engine", "ray", "--ray-address", cluster.address)
    driver = subprocess.Popen(
        cmd, env=cluster.driver_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    # wait until the second node runs a task of this build, then lose the node
    deadline = time.monotonic() + 600
    while driver.poll() is None and time.monotonic() < deadline:
        busy = [
            p
            for p in cluster.worker_pids(1)
            if Path(f"/proc/{p}/cmdline").read_bytes().startswith(b"ray::_process_block")
        ]
        if busy:
            break
        time.sleep(0.2)
    assert driver.poll() is None, "the build ended before the node could be killed"
    cluster.kill_node(1)
    _, err = driver.communicate(timeout=1800)
    print(f"node killed mid-build: exit status {driver.returncode}; stderr tail: {err[-500:]}")
    if driver.returncode == 0:
        for sub in ("data", "manifest"):
            assert _rows(out, sub) == _rows(local, sub), sub
    else:
        lines = [ln for ln in err.strip().splitlines() if ln.strip()]
        assert driver.returncode == 1 and len(lines) == 1, err[-3000:]
        assert lines[0].startswith("error:") and "Traceback" not in err
        assert not out.exists()


def test_cli_build_on_two_raylets_gives_the_local_rows(
    cluster: LocalRayCluster, tmp_path: Path
) -> None:
    raw = _corpus(tmp_path / "gen", 120)
    local = tmp_path / "local"
    subprocess.run(_build_cmd(raw, local, "--workers", "1"), check=True, capture_output=True)
    out = tmp_path / "ray"
    cmd = _build_cmd(raw, out, "--engine", "ray", "--ray-address", cluster.address)
    done = subprocess.run(cmd, env=cluster.driver_env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    for sub in ("data", "manifest"):
        assert _rows(out, sub) == _rows(local, sub), sub
    assert os.listdir(out)
