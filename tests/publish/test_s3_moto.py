"""``--out s3://…`` against a real S3-compatible server: moto's server mode
(``ThreadedMotoServer``, an HTTP server on a free local port) reached through s3fs, configured
the way a user configures fsspec (``FSSPEC_S3_ENDPOINT_URL``, ``FSSPEC_S3_KEY``, … or
``fsspec.config.conf``). The local engine in-process and by the CLI; the Ray engine on a
two-raylet cluster whose workers upload their own shards. Slow: servers and subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lawrpt_corpus import build
from lawrpt_corpus.publish.remote import MARKER, check_complete

from ..helpers.ray_cluster import LocalRayCluster, free_ports

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
BUCKET = "lawrpt-test"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """A moto S3 server on a free port with the bucket ``lawrpt-test``."""
    pytest.importorskip("s3fs")
    server_mod = pytest.importorskip("moto.server")
    port = free_ports(1)[0]
    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    try:
        import s3fs

        s3fs.S3FileSystem(
            endpoint_url=url, key="testing", secret="testing", skip_instance_cache=True
        ).mkdir(BUCKET)
        yield url
    finally:
        server.stop()


def _env(endpoint: str) -> dict[str, str]:
    """fsspec's standard configuration by environment, as a user (or a cluster node) sets it."""
    return {
        "FSSPEC_S3_ENDPOINT_URL": endpoint,
        "FSSPEC_S3_KEY": "testing",
        "FSSPEC_S3_SECRET": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
    }


@pytest.fixture
def s3conf(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """This process configured for the server (fsspec read its env vars at import)."""
    import fsspec.config

    conf = {"endpoint_url": endpoint, "key": "testing", "secret": "testing"}
    monkeypatch.setitem(fsspec.config.conf, "s3", conf)
    return endpoint


def _s3() -> Any:
    import fsspec

    return fsspec.filesystem("s3", skip_instance_cache=True)


def _objects(prefix: str) -> dict[str, bytes]:
    fs = _s3()
    return {p[len(prefix) + 1 :]: fs.cat_file(p) for p in fs.find(prefix)}


def _same_as_local(prefix: str, local: Path, card: bool = True) -> None:
    """The objects under ``prefix`` are the files of ``local`` (and the marker): shards byte
    for byte, and the card and licence too when ``card`` (the card names the engine)."""
    there = _objects(prefix)
    here = {
        p.relative_to(local).as_posix(): p.read_bytes() for p in local.rglob("*") if p.is_file()
    }
    assert set(there) == set(here) | {MARKER}
    for name in here:
        if name.endswith(".parquet") or (card and name in ("README.md", "LICENSE.md")):
            assert there[name] == here[name], name
    marker = json.loads(there[MARKER])
    assert [f["path"] for f in marker["files"]] == sorted(here)


def test_a_build_to_s3_has_the_local_builds_bytes(s3conf: str, tmp_path: Path) -> None:
    build([SEEDS], tmp_path / "local", workers=1)
    build([SEEDS], f"s3://{BUCKET}/inproc", workers=1)
    _same_as_local(f"{BUCKET}/inproc", tmp_path / "local")
    assert check_complete(f"s3://{BUCKET}/inproc", verify=True)["build_id"]


def test_a_build_failing_after_some_shards_are_staged_leaves_the_previous_dataset(
    s3conf: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import s3fs

    url = f"s3://{BUCKET}/failing"
    build([SEEDS], url, workers=1, shard_rows=2)
    before = _objects(f"{BUCKET}/failing")
    original = s3fs.S3FileSystem._put_file
    calls = {"n": 0}

    async def failing(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] > 2:
            raise OSError("injected: the store went away")
        return await original(self, *args, **kwargs)

    # (a filesystem instance binds its sync methods to the async ones when it is made)
    monkeypatch.setattr(s3fs.S3FileSystem, "_put_file", failing)
    s3fs.S3FileSystem.clear_instance_cache()
    with pytest.raises(OSError, match="injected"):
        build([SEEDS], url, workers=1, shard_rows=3, overwrite=True)
    monkeypatch.setattr(s3fs.S3FileSystem, "_put_file", original)
    s3fs.S3FileSystem.clear_instance_cache()
    assert calls["n"] == 3
    assert _objects(f"{BUCKET}/failing") == before  # marker and files of the previous build
    check_complete(url, verify=True)


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "FSSPEC_"))}
    base.update({"PYTHONPATH": str(ROOT / "src"), "HOME": "/nonexistent", **env})
    return subprocess.run(
        [sys.executable, "-m", "lawrpt_corpus", *args],
        capture_output=True,
        text=True,
        env=base,
        timeout=600,
    )


def _one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert done.returncode == 2 and len(lines) == 1, done.stderr[-2000:]
    assert lines[0].startswith("error:") and "Traceback" not in done.stderr
    return lines[0]


def test_the_cli_builds_to_s3_configured_by_environment(endpoint: str, tmp_path: Path) -> None:
    local = tmp_path / "local"
    assert _cli({}, "build", "-q", str(SEEDS), "--out", str(local), "-w", "1").returncode == 0
    url = f"s3://{BUCKET}/cli"
    done = _cli(_env(endpoint), "build", "-q", str(SEEDS), "--out", url, "-w", "1")
    assert done.returncode == 0, done.stderr[-3000:]
    import fsspec.config

    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(fsspec.config.conf, "s3", {"endpoint_url": endpoint, "key": "t", "secret": "t"})
        _same_as_local(f"{BUCKET}/cli", local)
    again = _cli(_env(endpoint), "build", "-q", str(SEEDS), "--out", url, "-w", "1")
    assert "exists; pass --overwrite" in _one_line_error(again)


def test_an_unreachable_endpoint_or_no_credentials_is_one_line_and_status_2(
    endpoint: str,
) -> None:
    dead = f"http://127.0.0.1:{free_ports(1)[0]}"
    env = {**_env(endpoint), "FSSPEC_S3_ENDPOINT_URL": dead}
    line = _one_line_error(_cli(env, "build", "-q", "--out", f"s3://{BUCKET}/x"))
    assert "cannot be reached" in line and "EndpointConnectionError" in line
    env = {
        k: v for k, v in _env(endpoint).items() if k not in ("FSSPEC_S3_KEY", "FSSPEC_S3_SECRET")
    }
    line = _one_line_error(_cli(env, "build", "-q", "--out", f"s3://{BUCKET}/x"))
    assert "cannot be reached" in line and "credentials" in line


def _corpus(folder: Path, n: int) -> Path:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from generate import generate
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    generate(n, folder, seed=3)
    return folder / "raw"


@pytest.mark.ray
def test_the_ray_engine_on_a_local_ray_instance_writes_the_local_shards_to_s3(
    endpoint: str, tmp_path: Path
) -> None:
    """A Ray instance the build starts (its workers are processes of their own, configured
    by the environment they inherit): the objects are the local build's bytes."""
    pytest.importorskip("ray")
    raw = _corpus(tmp_path / "gen", 60)
    local = tmp_path / "local"
    assert _cli({}, "build", "-q", str(raw), "--out", str(local), "-w", "1").returncode == 0
    url = f"s3://{BUCKET}/raylocal"
    done = _cli(_env(endpoint), "build", "-q", str(raw), "--out", url, "--engine", "ray", "-w", "2")
    assert done.returncode == 0, done.stderr[-3000:]
    import fsspec.config

    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(fsspec.config.conf, "s3", {"endpoint_url": endpoint, "key": "t", "secret": "t"})
        _same_as_local(f"{BUCKET}/raylocal", local, card=False)
        check_complete(url, verify=True)


@pytest.mark.ray
def test_the_ray_engine_on_two_raylets_writes_the_local_shards_to_s3(
    endpoint: str, tmp_path: Path
) -> None:
    """The workers write and upload the shards (the driver writes the card, build.json and
    report, then publishes): the objects are the local build's bytes."""
    pytest.importorskip("ray")
    raw = _corpus(tmp_path / "gen", 120)
    local = tmp_path / "local"
    assert _cli({}, "build", "-q", str(raw), "--out", str(local), "-w", "1").returncode == 0
    env = {"PYTHONPATH": str(ROOT / "src"), **_env(endpoint)}
    url = f"s3://{BUCKET}/ray"
    with LocalRayCluster(nodes=2, cpus=1, object_store=300 << 20, env=env) as cluster:
        cmd = [sys.executable, "-m", "lawrpt_corpus", "build", "-q", str(raw), "--out", url]
        cmd += ["--engine", "ray", "--ray-address", cluster.address]
        done = subprocess.run(cmd, env=cluster.driver_env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    import fsspec.config

    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(fsspec.config.conf, "s3", {"endpoint_url": endpoint, "key": "t", "secret": "t"})
        _same_as_local(f"{BUCKET}/ray", local, card=False)
        check_complete(url, verify=True)


@pytest.mark.ray
def test_cluster_workers_that_cannot_write_to_the_store_stop_the_build_in_one_line(
    endpoint: str, tmp_path: Path
) -> None:
    """The driver has credentials, the nodes do not: a worker's probe fails before any
    processing, the build exits with status 1 and one line, and nothing is published."""
    pytest.importorskip("ray")
    no_keys = {k: v for k, v in _env(endpoint).items() if not k.startswith("FSSPEC_S3_K")}
    no_keys = {k: v for k, v in no_keys.items() if k != "FSSPEC_S3_SECRET"}
    env = {"PYTHONPATH": str(ROOT / "src"), "HOME": "/nonexistent", **no_keys}
    url = f"s3://{BUCKET}/nokeys"
    with LocalRayCluster(nodes=2, cpus=1, object_store=300 << 20, env=env) as cluster:
        cmd = [sys.executable, "-m", "lawrpt_corpus", "build", "-q", str(SEEDS), "--out", url]
        cmd += ["--engine", "ray", "--ray-address", cluster.address]
        driver_env = {**cluster.driver_env(), **_env(endpoint)}
        done = subprocess.run(cmd, env=driver_env, capture_output=True, text=True)
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert done.returncode == 1 and len(lines) == 1, done.stderr[-3000:]
    assert "the Ray workers cannot write to s3://" in lines[0] and "credentials" in lines[0]
    import fsspec.config

    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(fsspec.config.conf, "s3", {"endpoint_url": endpoint, "key": "t", "secret": "t"})
        assert not _objects(f"{BUCKET}/nokeys")
