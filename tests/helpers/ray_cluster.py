"""A real local multi-process Ray cluster for tests and benchmarks: a head node and more
raylets started with the ``ray`` CLI (``ray start --head`` / ``ray start --address``), each a
separate set of processes (GCS, raylet, object store, workers), on ports of their own and one
temp dir, so that several clusters can share a machine.

Only this cluster's processes are ever stopped: they are found by their command line naming
this cluster's temp dir (never ``ray stop``, which stops every Ray process of the machine).

    with LocalRayCluster(nodes=2) as cluster:
        build(..., engine=RayEngine(ray_address=cluster.address))
        cluster.kill_node(1)    # SIGKILL the second node's raylet (a lost worker node)
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

RAY = str(Path(sys.executable).with_name("ray"))


def free_ports(n: int) -> list[int]:
    """``n`` distinct TCP ports free now (bound once by the OS, then released)."""
    socks, ports = [], []
    try:
        while len(ports) < n:
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def _cmdline(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode("utf-8", "replace")


def pids_with(marker: str) -> list[int]:
    """Pids of this user's processes whose command line contains ``marker``."""
    me = os.getuid()
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            if os.stat(f"/proc/{entry}").st_uid != me:
                continue
        except OSError:
            continue
        if marker in _cmdline(int(entry)):
            out.append(int(entry))
    return sorted(out)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of the living processes ``pids`` and of their children
    that have exited and were waited for (``cutime``/``cstime``), from /proc.

    Misses a raylet's exited workers: the raylet ignores ``SIGCHLD`` (``SigIgn`` in
    /proc/<raylet>/status), so the kernel reaps them and their CPU reaches no ``cutime``.
    :class:`ClusterCpu` samples the processes until they exit instead."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        rest = stat[stat.rindex(")") + 2 :].split()
        total += sum(int(x) for x in rest[11:15]) / tick  # utime, stime, cutime, cstime
    return total


def _own_cpu(pid: int) -> tuple[int, float] | None:
    """``(start time in ticks, user + system CPU seconds)`` of process ``pid`` itself (not
    its children), or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    rest = stat[stat.rindex(")") + 2 :].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(rest[19]), (int(rest[11]) + int(rest[12])) / tick  # starttime; utime + stime


class ClusterCpu:
    """The CPU seconds a cluster's processes spend between :meth:`start` and :meth:`stop`,
    workers that exit meanwhile included.

    A thread lists the cluster's processes (``pids()``: raylets, GCS, object stores, agents
    and every descendant — the workers) every ``interval`` seconds and keeps each process's
    own user + system CPU (keyed by pid and start time: a reused pid is another process).
    The figure is the sum over every process seen of its last sample minus its first one
    (0 for a process born after :meth:`start`). What it misses: the CPU a process spends
    after its last sample before it exits (Ray ends idle workers, which spend almost none
    then) and processes that live less than ``interval``. ``cutime`` is not used: the
    raylets ignore ``SIGCHLD``, so their exited workers' CPU reaches no parent, and where a
    parent does wait, adding it would count the child twice."""

    def __init__(self, pids: Callable[[], list[int]], interval: float = 0.5):
        self.pids = pids
        self.interval = interval
        self.first: dict[tuple[int, int], float] = {}
        self.last: dict[tuple[int, int], float] = {}
        self.kind: dict[tuple[int, int], str] = {}
        self.samples = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sample(self) -> None:
        for pid in self.pids():
            got = _own_cpu(pid)
            if got is None:
                continue
            key = (pid, got[0])
            if key not in self.first:
                self.first[key] = got[1] if self._thread is None else 0.0
                self.kind[key] = _kind(pid)
            self.last[key] = got[1]
        self.samples += 1

    def start(self) -> ClusterCpu:
        self.sample()  # the baseline: the processes living now count from here
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def stop(self) -> float:
        """Stop sampling (after one last sample); the CPU seconds spent since :meth:`start`."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.sample()
        return self.seconds()

    def seconds(self) -> float:
        return sum(cpu - self.first[key] for key, cpu in self.last.items())

    def by_kind(self) -> dict[str, float]:
        """:meth:`seconds` split into ``workers``, ``raylets``, ``gcs`` and ``other``
        (agents, log monitor, object-store helpers)."""
        out: dict[str, float] = {}
        for key, cpu in self.last.items():
            out[self.kind[key]] = out.get(self.kind[key], 0.0) + cpu - self.first[key]
        return out


def _kind(pid: int) -> str:
    cmd = _cmdline(pid)
    first = os.path.basename(cmd.split(" ", 1)[0])
    if cmd.startswith("ray::") or "default_worker.py" in cmd:
        return "workers"
    if first == "raylet":
        return "raylets"
    if first == "gcs_server":
        return "gcs"
    return "other"


@dataclass
class LocalRayCluster:
    """``nodes`` raylets (the first is the head) with ``cpus`` CPUs and ``object_store``
    bytes of object store each. ``env``: extra environment of the raylets (their workers
    inherit it: set ``PYTHONPATH`` to the code under test)."""

    nodes: int = 2
    cpus: int = 1
    object_store: int = 400 * 1024 * 1024
    env: dict[str, str] = field(default_factory=dict)
    temp_dir: str = ""
    address: str = ""
    node_ports: list[int] = field(default_factory=list)

    def __enter__(self) -> LocalRayCluster:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(self.env)
        env["RAY_USAGE_STATS_ENABLED"] = "0"
        # Ray 2.5x+ ``ray start --head`` turns token authentication on; this throwaway
        # cluster on random local ports opts out (drivers connecting to it need the same:
        # :meth:`driver_env`)
        env["RAY_AUTH_MODE"] = "disabled"
        return env

    def driver_env(self) -> dict[str, str]:
        """The environment a driver process connecting to this cluster needs."""
        return self._env()

    def _start_node(self, head: bool) -> None:
        node_manager, object_manager, agent, agent_grpc, metrics, runtime_env = free_ports(6)
        lo = free_ports(1)[0]
        args = [
            RAY,
            "start",
            f"--num-cpus={self.cpus}",
            f"--object-store-memory={self.object_store}",
            f"--node-manager-port={node_manager}",
            f"--object-manager-port={object_manager}",
            f"--dashboard-agent-listen-port={agent}",
            f"--dashboard-agent-grpc-port={agent_grpc}",
            f"--metrics-export-port={metrics}",
            f"--runtime-env-agent-port={runtime_env}",
            f"--min-worker-port={lo}",
            f"--max-worker-port={lo + 40}",
            "--disable-usage-stats",
        ]
        if head:
            gcs, dashboard = free_ports(2)
            self.address = f"127.0.0.1:{gcs}"
            args += [
                "--head",
                f"--port={gcs}",
                "--include-dashboard=false",
                f"--dashboard-port={dashboard}",
                f"--temp-dir={self.temp_dir}",
                "--node-ip-address=127.0.0.1",
            ]
        else:
            args += [f"--address={self.address}", "--node-ip-address=127.0.0.1"]
        done = subprocess.run(args, env=self._env(), capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"ray start failed: {done.stderr[-2000:] or done.stdout[-2000:]}")
        self.node_ports.append(node_manager)

    def start(self, attempts: int = 3) -> None:
        """Start the cluster; on a loaded machine a raylet can miss Ray's 30-second start-up
        deadline, so a failed start is stopped and tried again (``attempts`` in all)."""
        for attempt in range(attempts):
            # short: Unix socket paths under the temp dir must stay below 108 bytes
            self.temp_dir = tempfile.mkdtemp(prefix="ray_rs_", dir="/tmp")
            self.node_ports = []
            try:
                self._start_node(head=True)
                for _ in range(self.nodes - 1):
                    self._start_node(head=False)
                self.wait_for_nodes(self.nodes)
                return
            except Exception:
                self.stop()
                if attempt == attempts - 1:
                    raise
            except BaseException:
                self.stop()
                raise

    def wait_for_nodes(self, n: int, timeout: float = 120.0, port: int | None = None) -> None:
        """Wait until ``n`` raylets of this cluster (with ``port``: the raylet of that node
        manager port) are alive (GCS view)."""
        deadline = time.monotonic() + timeout
        while True:
            alive = self.alive_nodes(port)
            if alive >= n:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"cluster at {self.address}: {alive} of {n} nodes alive")
            time.sleep(1.0)

    def raylet_pid(self, node: int) -> int:
        """Pid of node ``node``'s raylet (0 = head)."""
        port = f"--node_manager_port={self.node_ports[node]}"
        for pid in pids_with(self.temp_dir):
            cmd = _cmdline(pid)
            if "raylet" in cmd.split(" ", 1)[0] and port in cmd:
                return pid
        raise LookupError(f"no raylet for node {node}")

    def kill_node(self, node: int) -> int:
        """SIGKILL node ``node``'s raylet (its workers and object store die with it, as on a
        lost machine); returns the pid killed."""
        pid = self.raylet_pid(node)
        os.kill(pid, signal.SIGKILL)
        return pid

    def add_node(self) -> int:
        """Start one more raylet joining this cluster (a worker node replacing a lost one);
        returns its index for :meth:`raylet_pid`, :meth:`kill_node`. Waits until the GCS
        sees it alive."""
        self._start_node(head=False)
        # the new raylet itself, by its port: a count of alive nodes taken just after a
        # kill may still include the killed one, which the GCS drops seconds later (on a
        # loaded machine the wait for "one more" then never ended)
        self.wait_for_nodes(1, port=self.node_ports[-1])
        return len(self.node_ports) - 1

    def alive_nodes(self, port: int | None = None) -> int:
        """How many raylets of this cluster are alive now (GCS view); with ``port``, only
        the one of that node manager port (0 or 1)."""
        code = (
            "import ray,sys; ray.init(address=sys.argv[1], logging_level='ERROR',"
            " log_to_driver=False); p=int(sys.argv[2]); print(sum(1 for x in ray.nodes()"
            " if x['Alive'] and (p < 0 or x.get('NodeManagerPort') == p)))"
        )
        got = subprocess.run(
            [sys.executable, "-c", code, self.address, str(-1 if port is None else port)],
            env=self._env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        lines = got.stdout.strip().splitlines()[-1:] if got.returncode == 0 else []
        return int(lines[0]) if lines else 0

    def gcs_pid(self) -> int:
        """Pid of this cluster's GCS server (on the head node)."""
        for pid in pids_with(self.temp_dir):
            if os.path.basename(_cmdline(pid).split(" ", 1)[0]) == "gcs_server":
                return pid
        raise LookupError("no gcs_server")

    def kill_head(self) -> list[int]:
        """SIGKILL the head node: its GCS server and its raylet (the head's workers and
        object store die with the raylet), as on a lost head machine; returns the pids."""
        pids = [self.gcs_pid(), self.raylet_pid(0)]
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        return pids

    def pids(self) -> list[int]:
        """Every living process of this cluster: those naming its temp dir (GCS, raylets,
        agents) and their descendants (workers, whose title is ``ray::…``)."""
        if not self.temp_dir:
            return []
        found = set(pids_with(self.temp_dir))
        parent: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                parent[int(entry)] = int(stat[stat.rindex(")") + 2 :].split()[1])
        grew = True
        while grew:
            more = {pid for pid, pp in parent.items() if pp in found and pid not in found}
            found |= more
            grew = bool(more)
        return sorted(found)

    def worker_pids(self, node: int) -> list[int]:
        """Pids of the worker processes of node ``node``'s raylet."""
        raylet = self.raylet_pid(node)
        out = []
        for pid in self.pids():
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == raylet:
                out.append(pid)
        return out

    def stop(self) -> None:
        """Stop this cluster's processes only (TERM, then KILL), and remove its temp dir."""
        if not self.temp_dir:
            return
        for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 2.0)):
            pids = self.pids()
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
            deadline = time.monotonic() + wait
            while self.pids() and time.monotonic() < deadline:
                time.sleep(0.2)
        shutil.rmtree(self.temp_dir, ignore_errors=True)
        self.temp_dir = ""
