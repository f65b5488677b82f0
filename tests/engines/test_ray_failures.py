"""What the Ray engine does when the cluster fails, without a cluster: the head node's
watch (a GCS that stops accepting connections), which errors count as a lost node, and a
cluster fit started again when it lost one. The same on a real two-raylet cluster:
tests/engines/test_ray_cluster_failures.py (slow)."""

from __future__ import annotations

import socket
import threading
from typing import Any

import pytest

pytestmark = pytest.mark.ray

ray = pytest.importorskip("ray")

from lawrpt_corpus.engines.ray_engine import (  # noqa: E402 (after the importorskip)
    RayEngine,
    _HeadWatch,
    node_lost,
)


def _listening() -> socket.socket:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    return server


def test_head_watch_reports_a_gcs_that_stops_accepting_connections() -> None:
    server = _listening()
    address = "{}:{}".format(*server.getsockname())
    lost: list[str] = []
    called = threading.Event()

    def on_lost(why: str) -> None:
        lost.append(why)
        called.set()

    watch = _HeadWatch(address, on_lost, every=0.02, failures=3).start()
    try:
        assert not called.wait(0.3), "a listening GCS was taken for lost"
        server.close()  # the head node dies: connections are refused
        assert called.wait(10), "the lost GCS was not reported"
    finally:
        watch.stop()
    assert len(lost) == 1 and "ConnectionRefusedError" in lost[0]


def test_head_watch_stopped_reports_nothing() -> None:
    server = _listening()
    address = "{}:{}".format(*server.getsockname())
    server.close()
    lost: list[str] = []
    watch = _HeadWatch(address, lost.append, every=0.05, failures=3)
    watch.stop()  # the run ended before the watch started checking
    watch.start()
    watch._thread.join(2)
    assert lost == [] and not watch._thread.is_alive()


def test_node_lost_is_a_lost_node_worker_or_object_also_passed_on_by_a_task() -> None:
    errors = ray.exceptions
    crashed = errors.WorkerCrashedError()
    assert node_lost(crashed)
    assert node_lost(errors.NodeDiedError("node 3f2a died"))
    assert node_lost(errors.RayTaskError("fit_dedup", "tb", crashed))
    assert not node_lost(KeyError("seq"))
    assert not node_lost(errors.RayTaskError("fit_dedup", "tb", KeyError("seq")))
    assert not node_lost(errors.GetTimeoutError("timed out"))


def _flaky_fit(failures: list[BaseException]) -> tuple[Any, list[int]]:
    calls: list[int] = []

    def fit(docs: Any, ctx: Any) -> str:
        calls.append(1)
        if failures:
            raise failures.pop(0)
        return "state"

    return fit, calls


def test_a_cluster_fit_that_lost_a_node_is_started_again_up_to_fit_restarts() -> None:
    engine = RayEngine(workers=1, fit_restarts=2)
    crashed = ray.exceptions.WorkerCrashedError
    fit, calls = _flaky_fit([crashed(), ray.exceptions.RayTaskError("fit", "tb", crashed())])
    assert engine._fit_restarting("dedup", fit, None, None) == "state"
    assert len(calls) == 3 and engine.fit_restarted == {"dedup": 2}

    fit, calls = _flaky_fit([crashed(), crashed(), crashed()])
    with pytest.raises(crashed):
        engine._fit_restarting("templates", fit, None, None)
    assert len(calls) == 3


def test_a_cluster_fit_that_fails_on_a_bug_is_not_started_again() -> None:
    engine = RayEngine(workers=1, fit_restarts=2)
    fit, calls = _flaky_fit([KeyError("seq")])
    with pytest.raises(KeyError):
        engine._fit_restarting("dedup", fit, None, None)
    assert len(calls) == 1 and engine.fit_restarted == {}
