"""Failures at scale on the two-raylet harness (tests/helpers/ray_cluster.py), the build
driven by the CLI with ``--ray-address`` in its own process (issue #22, deliver 5):

* the worker raylet killed several times in one build, a fresh raylet started after each
  kill → exactly the local engine's rows;
* the worker raylet killed while the workers write the shards into ``--out``'s staging
  folder → the local rows, and no half-written shard published;
* the head node killed (its GCS and raylet) mid-build → one line on stderr (status ≠ 0, no
  traceback) saying what to do next, nothing published, the previous dataset intact.

Slow (each test starts its own cluster); docs/scaling.md, "Session 24: failures at scale".
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ..helpers.ray_cluster import LocalRayCluster
from .test_ray_cluster import _corpus, _resubmitted, _rows, _task_titles

pytestmark = [pytest.mark.ray, pytest.mark.slow]

#: The CLI with the Ray engine's cluster fits on from any corpus size (as in
#: test_ray_cluster.py) and small shards (``build``'s ``shard_rows``; the CLI has no option
#: for it), so that the final pass writes dozens of shards — the local reference build
#: runs through the same script.
_CLI = (
    "import sys\n"
    "from lawrpt_corpus import build\n"
    "build.__kwdefaults__['shard_rows'] = int(sys.argv[1])\n"
    "from lawrpt_corpus.engines.ray_engine import RayEngine\n"
    "RayEngine.__init__.__kwdefaults__['cluster_fit'] = sys.argv[2] == 'fit'\n"
    "from lawrpt_corpus.cli import main\n"
    "sys.exit(main(sys.argv[3:]))\n"
)


def _cmd(raw: Path, out: Path, *extra: str, shard_rows: int = 1000, fit: bool = False) -> list:
    cmd = [sys.executable, "-c", _CLI, str(shard_rows), "fit" if fit else "driver"]
    return [*cmd, "build", str(raw), "--out", str(out), "--quiet", *extra]


def _local(raw: Path, out: Path, shard_rows: int = 1000) -> None:
    done = subprocess.run(
        _cmd(raw, out, "--workers", "1", shard_rows=shard_rows), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]


def _finish(driver: subprocess.Popen, timeout: float = 600) -> tuple[str, str]:
    """The build's stdout and stderr once it ends; a build still running after ``timeout``
    seconds is hung: killed, and the test fails."""
    try:
        return driver.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        driver.kill()
        _, err = driver.communicate()
        pytest.fail(f"the build hung (killed after {timeout:.0f} s): {err[-1500:]}")


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


#: A log line of Ray's C++ core worker (``[date time,ms E pid tid] file.cc:line: …``): the
#: driver's core worker prints its ERROR lines to stderr, which no option of Ray turns off
#: without turning off its log file's lines too (``RAY_BACKEND_LOG_LEVEL``)
_RAY_LOG_LINE = re.compile(r"^\[\d{4}-\d\d-\d\d [\d:,]+ [EWF] \d+ \d+\] \S+\.cc:\d+: ")


def _on_node(cluster: LocalRayCluster, node: int, titles: set[str]) -> bool:
    """Whether a worker of node ``node`` runs a task titled one of ``titles``."""
    for pid in cluster.worker_pids(node):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if cmd.split(b"\0", 1)[0].decode(errors="replace") in titles:
            return True
    return False


@pytest.fixture
def cluster() -> object:
    pytest.importorskip("ray")
    env = {"PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    with LocalRayCluster(nodes=2, cpus=1, object_store=300 << 20, env=env) as c:
        yield c


#: A fit's tasks, by their workers' titles (``ray::<function>``)
_FIT_TASKS = {
    "ray::_map_rows",
    "ray::_storing",
    "ray::_reduce_group",
    "ray::_reduce_with",
    "ray::_exact_reduce",
}


def test_worker_raylet_killed_three_times_in_one_build_gives_the_local_rows(
    cluster: LocalRayCluster, tmp_path: Path
) -> None:
    """Three kills of the worker raylet, each while one of its workers runs a task of a
    cluster fit (a coordinator ``ray::fit_*`` running), a fresh raylet joining after each:
    the build completes with exactly the local engine's rows."""
    raw = _corpus(tmp_path / "gen", 300)
    local = tmp_path / "local"
    _local(raw, local)
    out = tmp_path / "ray"
    cmd = _cmd(raw, out, "--engine", "ray", "--ray-address", cluster.address, fit=True)
    driver = subprocess.Popen(
        cmd, env=cluster.driver_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    node, kills = 1, []
    deadline = time.monotonic() + 900
    while driver.poll() is None and len(kills) < 3 and time.monotonic() < deadline:
        titles = set(_task_titles(cluster).values())
        fits = sorted(t for t in titles if t.startswith("ray::fit_"))
        if fits and _on_node(cluster, node, _FIT_TASKS):
            cluster.kill_node(node)
            kills.append(fits)
            node = cluster.add_node()  # a fresh worker node joins
            continue
        time.sleep(0.02)
    _, err = _finish(driver)
    print(f"kills during {kills}: exit status {driver.returncode}; stderr: {err[-800:]}")
    print(f"tasks Ray resubmitted (retries, lineage): {_resubmitted(cluster)}")
    assert len(kills) == 3, f"the build ended after {len(kills)} kills"
    assert driver.returncode == 0, err[-3000:]
    for sub in ("data", "manifest"):
        assert _rows(out, sub) == _rows(local, sub), sub


def test_worker_raylet_killed_while_shards_are_written_publishes_whole_shards(
    cluster: LocalRayCluster, tmp_path: Path
) -> None:
    """SIGKILL the worker raylet while one of its workers writes a shard into the staging
    folder (``ray::_write_shard_task``; 10 rows per shard: dozens of shard tasks): the
    build completes with the local engine's shards, byte for byte, and no other file —
    no temporary shard of the killed attempt is published."""
    raw = _corpus(tmp_path / "gen", 400)
    local = tmp_path / "local"
    _local(raw, local, shard_rows=10)
    out = tmp_path / "ray"
    cmd = _cmd(raw, out, "--engine", "ray", "--ray-address", cluster.address, shard_rows=10)
    driver = subprocess.Popen(
        cmd, env=cluster.driver_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 900
    killed = False
    while driver.poll() is None and time.monotonic() < deadline:
        if _on_node(cluster, 1, {"ray::_write_shard_task"}):
            cluster.kill_node(1)
            killed = True
            break
        time.sleep(0.005)
    _, err = _finish(driver)
    print(f"killed while writing: {killed}; exit status {driver.returncode}; {err[-800:]}")
    print(f"tasks Ray resubmitted (retries, lineage): {_resubmitted(cluster)}")
    assert killed, "the build ended before a shard was written on the worker node"
    assert driver.returncode == 0, err[-3000:]
    for sub in ("data", "manifest"):
        got = {k: v for k, v in _files(out).items() if k.startswith(f"{sub}/")}
        assert got == {k: v for k, v in _files(local).items() if k.startswith(f"{sub}/")}, sub
    assert not [p for p in out.rglob(".*")], "a hidden (temporary) file was published"


def test_head_node_killed_mid_build_stops_in_one_line_and_keeps_the_previous_dataset(
    cluster: LocalRayCluster, tmp_path: Path
) -> None:
    """SIGKILL the head node (GCS and raylet: the driver's node) while the per-document
    stage runs: the build stops with one line on stderr that says what to do (status ≠ 0,
    no traceback), publishes nothing and leaves the dataset already at ``--out`` as it
    was; no staging folder is left behind."""
    raw = _corpus(tmp_path / "gen", 300)
    out = tmp_path / "out"
    _local(raw, out)  # the previous dataset
    before = _files(out)
    cmd = _cmd(raw, out, "--overwrite", "--engine", "ray", "--ray-address", cluster.address)
    started = time.monotonic()
    driver = subprocess.Popen(
        cmd, env=cluster.driver_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 600
    while driver.poll() is None and time.monotonic() < deadline:
        if _on_node(cluster, 1, {"ray::_process_block"}):
            break
        time.sleep(0.05)
    assert driver.poll() is None, "the build ended before the head could be killed"
    cluster.kill_head()
    killed = time.monotonic()
    _, err = _finish(driver)
    ended = time.monotonic()
    print(
        f"head killed {killed - started:.0f} s into the build; exit status "
        f"{driver.returncode} {ended - killed:.0f} s later; stderr: {err[-1500:]}"
    )
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    ours = [ln for ln in lines if not _RAY_LOG_LINE.match(ln)]
    assert driver.returncode == 1 and len(ours) == 1, err[-3000:]
    assert ours[0].startswith("error: the Ray cluster's head node") and "Traceback" not in err
    assert "run the same command again" in ours[0] and f"{out} is as it was" in ours[0]
    assert _files(out) == before
    assert sorted(os.listdir(tmp_path)) == ["gen", "out"], os.listdir(tmp_path)
