"""Failure behaviour: dying workers, odd inputs, killed builds."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from lawrpt_corpus import DocumentStep, LocalEngine, Pipeline, build, default_pipeline


def _manifest(out: Path) -> dict[str, dict]:
    rows = []
    for f in sorted((out / "manifest").glob("*.parquet")):
        rows.extend(pq.read_table(f).to_pylist())
    return {r["source"]: r for r in rows}


class DieOn(DocumentStep):
    """Kills its worker process (as a segfault would) on documents whose source matches."""

    name = "die-on"

    def __init__(self, marker: str):
        self.marker = marker

    def __call__(self, doc):
        if self.marker in doc.source:
            os._exit(1)
        return doc


@pytest.mark.slow
def test_a_dying_worker_costs_only_its_document(tmp_path: Path, seeds_dir: Path) -> None:
    src = tmp_path / "in"
    shutil.copytree(seeds_dir, src)
    for i in range(12):
        (src / f"extra{i:02d}.txt").write_text(f"第{i}号报告。" * 50, encoding="utf-8")
    steps = default_pipeline().steps
    pipe = Pipeline([steps[0], DieOn("extra05"), *steps[1:]])
    out = tmp_path / "out"
    result = build([src], out, pipeline=pipe, engine=LocalEngine(2, batch_size=2, in_flight=2))
    manifest = _manifest(out)
    assert len(manifest) == 17
    assert manifest["extra05.txt"]["status"] == "rejected"
    assert manifest["extra05.txt"]["reason"] == "error:worker_died"
    assert sum(r["status"] == "kept" for r in manifest.values()) == 16
    assert result.counts["rejected_by_reason"] == {"error:worker_died": 1}


def test_unreadable_and_odd_files_get_reasons(tmp_path: Path, seeds_dir: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    good = (seeds_dir / "003_dd65e70390f22384.txt").read_bytes()
    (src / "good.txt").write_bytes(good)
    locked = src / "locked.txt"
    locked.write_bytes(good)
    locked.chmod(0)
    (src / "loop").symlink_to(src)  # a symlink loop: visited once
    (src / "big.txt").write_bytes(good * 3)
    bad_name = os.fsencode(src) + b"/bad-\xff-name.txt"
    with open(bad_name, "wb") as fh:
        fh.write((seeds_dir / "002_deec5caec2a6a417.txt").read_bytes())
    out = tmp_path / "out"
    try:
        build([src], out, workers=1, max_bytes=len(good) * 2)
    finally:
        locked.chmod(0o644)
    manifest = _manifest(out)
    assert manifest["big.txt"]["reason"] == "too_large"
    assert manifest["good.txt"]["status"] == "kept"
    bad = [s for s in manifest if s.startswith("bad-")]
    assert len(bad) == 1 and manifest[bad[0]]["status"] == "kept"
    if os.geteuid() != 0:  # root reads anything
        assert manifest["locked.txt"]["reason"].startswith("unreadable")
    assert not any(s.startswith("loop/") for s in manifest)


def _make_corpus(folder: Path, seeds_dir: Path, n: int) -> None:
    folder.mkdir()
    seeds = [p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt"))]
    for i in range(n):
        text = seeds[i % len(seeds)] + f"\n本报告编号{i}。"
        (folder / f"r{i:05d}.txt").write_text(text, encoding="utf-8")


def _all_rows(out: Path) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {}
    for sub in ("data", "manifest"):
        rows[sub] = []
        for f in sorted((out / sub).glob("*.parquet")):
            rows[sub].extend(pq.read_table(f).to_pylist())
    return rows


@pytest.mark.slow
def test_killed_builds_leave_previous_output_and_resume_gives_same_rows(
    tmp_path: Path, seeds_dir: Path
) -> None:
    import random
    import signal
    import subprocess
    import sys
    import time

    src = tmp_path / "in"
    _make_corpus(src, seeds_dir, 1200)
    out = tmp_path / "out"
    reference = tmp_path / "reference"
    build([src], reference, workers=2, checkpoint_every=25)
    expected = _all_rows(reference)
    shutil.copytree(reference, out)
    cmd = [
        sys.executable,
        "-m",
        "lawrpt_corpus",
        "build",
        str(src),
        "--out",
        str(out),
        "--overwrite",
        "--workers",
        "2",
        "--checkpoint-every",
        "25",
        "-q",
    ]
    rng = random.Random(7)
    spill = tmp_path / ".out.partial" / "spill"
    resumed_any = False
    for attempt in range(4):
        before = len(list(spill.glob("chunk-*.pkl")))
        proc = subprocess.Popen(cmd + (["--resume"] if attempt else []))
        if attempt == 0:  # during start-up
            time.sleep(rng.uniform(0.1, 1.0))
        else:  # mid-build: once this run has written a checkpoint, at a random moment
            deadline = time.monotonic() + 120
            while len(list(spill.glob("chunk-*.pkl"))) <= before and proc.poll() is None:
                assert time.monotonic() < deadline
                time.sleep(0.02)
            time.sleep(rng.uniform(0.0, 0.3))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # the previous dataset is still there and whole
        assert _all_rows(out) == expected
        resumed_any |= any(spill.glob("chunk-*.pkl"))
    result = subprocess.run([*cmd, "--resume"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert _all_rows(out) == expected
    summary = __import__("json").loads((out / "build.json").read_text(encoding="utf-8"))
    assert resumed_any and summary["resumed_inputs"] > 0
    assert not (tmp_path / ".out.partial").exists()


def _hold_output(out: str, ready: Any, release: Any) -> None:
    from lawrpt_corpus.publish.writer import DatasetWriter

    writer = DatasetWriter(out)
    ready.set()
    release.wait(60)
    writer.abort()


def test_a_second_build_on_the_same_output_is_refused_while_the_first_runs(
    tmp_path: Path, seeds_dir: Path
) -> None:
    import multiprocessing

    from lawrpt_corpus import BuildError

    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_output, args=(str(tmp_path / "out"), ready, release))
    holder.start()
    try:
        assert ready.wait(60)
        with pytest.raises(BuildError, match=rf"another build \(pid {holder.pid}\)"):
            build([seeds_dir], tmp_path / "out", workers=1)
    finally:
        release.set()
        holder.join(60)
    build([seeds_dir], tmp_path / "out", workers=1)  # released: the next build runs


def _race_for_output(out: str, barrier: Any, results: Any) -> None:
    from lawrpt_corpus.publish.writer import DatasetWriter, OutputBusy

    barrier.wait(60)
    try:
        writer: DatasetWriter | None = DatasetWriter(out)
    except OutputBusy:
        writer = None
    results.put("busy" if writer is None else "won")
    barrier.wait(60)  # the winner holds the lock until both have tried
    if writer is not None:
        writer.abort()


@pytest.mark.slow
def test_two_builds_started_together_never_both_take_the_output(tmp_path: Path) -> None:
    """50 trials of two processes released by one barrier: exactly one writer each time
    (a check-then-write pid file let both in about 1 trial in 10)."""
    import multiprocessing
    import queue as queue_module

    ctx = multiprocessing.get_context("fork")
    for trial in range(50):
        out = str(tmp_path / f"out{trial}")
        barrier, results = ctx.Barrier(2), ctx.Queue()
        procs = [ctx.Process(target=_race_for_output, args=(out, barrier, results)) for _ in "ab"]
        for p in procs:
            p.start()
        got = []
        try:
            got = [results.get(timeout=60) for _ in procs]
        except queue_module.Empty:
            barrier.abort()
        for p in procs:
            p.join(60)
        assert sorted(got) == ["busy", "won"], (trial, got)


@pytest.mark.slow
def test_huge_files_are_rejected_without_being_read(tmp_path: Path, seeds_dir: Path) -> None:
    import resource

    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(seeds_dir / "001_ecb54deb915a48a6.txt", src / "ok.txt")
    with open(src / "one-gigabyte.txt", "wb") as fh:  # sparse: costs no disk
        fh.truncate(1 << 30)
    line = "法治政府建设" * 1000
    with open(src / "no-newline-200mb.txt", "w", encoding="utf-8") as fh:
        for _ in range(200 * 1024 * 1024 // len(line.encode())):
            fh.write(line)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = tmp_path / "out"
    build([src], out, workers=1)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    manifest = _manifest(out)
    assert manifest["one-gigabyte.txt"]["reason"] == "too_large"
    assert manifest["one-gigabyte.txt"]["n_bytes"] == 1 << 30
    assert manifest["no-newline-200mb.txt"]["reason"] == "too_large"
    assert manifest["ok.txt"]["status"] == "kept"
    assert grown_kib < 150 * 1024  # neither file was loaded


def test_the_same_file_given_twice_is_one_document(tmp_path: Path, seeds_dir: Path) -> None:
    seed = seeds_dir / "004_382bae0eb533b97b.txt"
    out = tmp_path / "out"
    build([seeds_dir, seed], out, workers=1)
    manifest = list(_manifest_rows(out))
    assert len(manifest) == 6
    assert sum(r["status"] == "duplicate" for r in manifest) == 1


def _manifest_rows(out: Path):
    for f in sorted((out / "manifest").glob("*.parquet")):
        yield from pq.read_table(f).to_pylist()


@pytest.mark.slow
def test_a_folder_of_100000_tiny_files_gets_one_manifest_row_each(tmp_path: Path) -> None:
    import resource

    src = tmp_path / "tiny"
    kinds = [
        "第{i}号：依法行政。".encode(),  # short Chinese: kept (or a near duplicate)
        b"",  # empty
        b"\x00\x01\x02\x03",  # binary
        b"just ascii {i}",  # not Chinese
    ]
    for d in range(100):
        sub = src / f"d{d:03d}"
        sub.mkdir(parents=True)
        for j in range(1000):
            i = d * 1000 + j
            (sub / f"f{j:04d}.txt").write_bytes(kinds[i % 4].replace(b"{i}", str(i).encode()))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = tmp_path / "out"
    result = build([src], out, workers=2)
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    rows = list(_manifest_rows(out))
    assert len(rows) == 100_000
    assert len({r["source"] for r in rows}) == 100_000
    assert all(r["status"] != "rejected" or r["reason"] for r in rows)
    reasons = result.counts["rejected_by_reason"]
    assert reasons["empty"] == 25_000 and reasons["binary"] == 25_000
    assert result.counts["kept"] + result.counts["duplicates"] + result.counts["rejected"] == (
        100_000
    )
    assert grown_mib < 500  # streaming: no whole-corpus lists in the driver
