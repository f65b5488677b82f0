"""The Ray engine on a real local multi-process cluster (``ray start --head`` + one more
raylet, tests/helpers/ray_cluster.py), driven by the CLI with ``--ray-address`` in a separate
process: the same dataset as the local engine, and a worker node lost mid-build (in the
per-document stage, and during a cluster fit).

Slow (each test starts its own cluster); they never touch another Ray instance of the machine.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import Counter
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


#: The CLI (``lawrpt_corpus build``) with the Ray engine's cluster fits on from any corpus
#: size: the CLI has no option for ``cluster_fit`` (default: from ``cluster_fit_min_docs`` =
#: 100,000 inputs), and a corpus of a few hundred documents keeps the test short.
_CLUSTER_FIT_CLI = (
    "import sys\n"
    "from lawrpt_corpus.engines.ray_engine import RayEngine\n"
    "RayEngine.__init__.__kwdefaults__['cluster_fit'] = True\n"
    "from lawrpt_corpus.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def _task_titles(cluster: LocalRayCluster) -> dict[int, str]:
    """``pid: ray::<task>`` of every worker process of the cluster (a worker's title names
    the function of the task it runs; ``ray::IDLE`` between tasks)."""
    out = {}
    for pid in cluster.pids():
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if cmd.startswith(b"ray::"):
            out[pid] = cmd.split(b"\0", 1)[0].decode()
    return out


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


def _resubmitted(cluster: LocalRayCluster) -> dict[str, int]:
    """How many times Ray resubmitted each function's tasks (a retry, or a rerun to rebuild
    a lost object from its lineage), from the core-worker logs of the driver and the
    workers: what a test saw happen, printed, never asserted."""
    found: Counter[str] = Counter()
    for log in Path(cluster.temp_dir).glob("session_latest/logs/python-core-*.log"):
        for line in log.read_text(errors="replace").splitlines():
            # one such line per resubmission (another line names a lineage rerun too)
            if "Will resubmit task" in line and (m := re.search(r"function_name=(\w+)", line)):
                found[m.group(1)] += 1
    return dict(sorted(found.items()))


#: When to lose the node, by the titles of the cluster's workers (``ray::<function>``): a
#: fit's coordinating task, and one of its tasks. ``shuffle``: the first cluster fit's
#: (``RepeatedLines``) shuffle runs — its per-block feature tables, put by its map workers
#: on both nodes, are referenced by its coordinator and read by its tasks; ``dedup``: the
#: last fit maps its blocks or shuffles (it reads the kept blocks, some of them on the lost
#: node, and its map workers put their tables).
_KILL_WHEN = {
    "shuffle": ("ray::fit_repeated_lines", {"ray::_storing", "ray::_reduce_group"}),
    "dedup": ("ray::fit_dedup", {"ray::_map_rows", "ray::_storing", "ray::_reduce_group"}),
}


@pytest.mark.parametrize("when", sorted(_KILL_WHEN))
def test_worker_node_killed_during_a_cluster_fit_gives_the_local_rows(
    cluster: LocalRayCluster, tmp_path: Path, when: str
) -> None:
    """SIGKILL the second raylet while a cluster fit runs: the build completes with exactly
    the local engine's rows. During a shuffle, the objects put by the fit's workers on that
    node (per-block feature tables, shuffle pieces) are lost and cannot be rebuilt from
    lineage: the fit's coordinating task fails (``OwnerDiedError``) and is started again from
    the blocks, which the driver owns (the lost ones rebuilt from their lineage). Runs and
    what Ray did in each: docs/scaling.md, "Failure handling"."""
    raw = _corpus(tmp_path / "gen", 400)
    local = tmp_path / "local"
    subprocess.run(_build_cmd(raw, local, "--workers", "1"), check=True, capture_output=True)
    out = tmp_path / "ray"
    cmd = [sys.executable, "-c", _CLUSTER_FIT_CLI, "build", str(raw), "--out", str(out)]
    cmd += ["--engine", "ray", "--ray-address", cluster.address]
    driver = subprocess.Popen(
        cmd, env=cluster.driver_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    seen: set[str] = set()
    titles: set[str] = set()
    deadline = time.monotonic() + 600
    while driver.poll() is None and time.monotonic() < deadline:
        titles = set(_task_titles(cluster).values())
        seen |= titles
        fit, tasks = _KILL_WHEN[when]
        if fit in titles and titles & tasks:
            break
        time.sleep(0.02)
    assert driver.poll() is None, f"the build ended before the node could be killed: {seen}"
    cluster.kill_node(1)
    # the fits' coordinating tasks running then (the build does use the cluster fits)
    fits = sorted(t for t in titles if t.startswith("ray::fit_"))
    assert fits, titles
    _, err = driver.communicate(timeout=1800)
    print(f"node killed during {fits}: exit status {driver.returncode}; stderr: {err[-800:]}")
    print(f"tasks Ray resubmitted (retries, lineage): {_resubmitted(cluster)}")
    assert driver.returncode == 0, err[-3000:]
    assert "Traceback" not in err
    for sub in ("data", "manifest"):
        assert _rows(out, sub) == _rows(local, sub), sub


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
