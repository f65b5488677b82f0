"""User errors end in one line and an exit code, never a traceback (issue #20, item 5)."""

from __future__ import annotations

import importlib
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest

from lawrpt_corpus import BuildError, PushError, build
from lawrpt_corpus.cli import main
from lawrpt_corpus.publish.schema import DATA_SCHEMA

from .fakehub import FakeHub

ROOT = Path(__file__).resolve().parent.parent
# the module, not the function that lawrpt_corpus.publish re-exports under the same name
push_module = importlib.import_module("lawrpt_corpus.publish.push")


def _one_line_error(text: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert len(lines) == 1, text
    assert lines[0].startswith("error: "), text
    assert "Traceback" not in text
    return lines[0]


# -- builds that keep nothing / read nothing -------------------------------------------------
def test_a_build_that_keeps_nothing_still_writes_a_loadable_dataset(tmp_path: Path, caplog):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_bytes(b"\x00\x01\x02\x03binary" * 8)
    (src / "b.txt").write_bytes(b"")
    out = tmp_path / "out"
    with caplog.at_level(logging.WARNING, logger="lawrpt_corpus"):
        result = build([src], out, workers=1)
    assert result.counts["kept"] == 0
    assert any("no document was kept" in r.getMessage() for r in caplog.records)
    manifest = datasets.load_dataset(str(out), "manifest", split="train")
    assert sorted(manifest["reason"]) == ["binary", "empty"]
    # the data shard is a valid parquet file with the declared schema and no row group
    (shard,) = sorted((out / "data").glob("*.parquet"))
    assert pq.ParquetFile(shard).metadata.num_row_groups == 0
    assert pq.read_schema(shard).equals(DATA_SCHEMA, check_metadata=False)
    streamed = datasets.load_dataset(str(out), split="train", streaming=True)
    assert list(streamed) == []
    assert streamed.features == datasets.Features.from_arrow_schema(DATA_SCHEMA)
    # datasets 5.x refuses any split of 0 examples in non-streaming mode ("corresponds to no
    # data", huggingface/datasets PR #8401); anything else (the old "BatchSize must be
    # greater than 0" from a 0-row row group) is our bug.
    try:
        docs = datasets.load_dataset(str(out), split="train")
    except ValueError as exc:
        assert "corresponds to no data" in str(exc)
    else:
        assert docs.num_rows == 0


def test_zero_inputs_is_an_error_and_writes_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "out"
    with pytest.raises(BuildError, match="no inputs found"):
        build([empty], out, workers=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]


def test_cli_zero_inputs_and_unmatched_glob_exit_2_with_one_line(tmp_path, capsys, seeds_dir):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["build", str(empty), "--out", str(tmp_path / "o1")]) == 2
    assert "no inputs found" in _one_line_error(capsys.readouterr().err)
    rc = main(["build", str(seeds_dir), "--glob", "*.nothing", "--out", str(tmp_path / "o2")])
    assert rc == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.splitlines()[-1].startswith("error: ")
    assert "*.nothing" in err.splitlines()[-1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]


@pytest.mark.parametrize(
    "out",
    ["/dev/null/x", "/dev/null", ".", "..", "/", "IN", "IN/.."],
    ids=["under-a-file", "a-device", "cwd", "parent", "root", "the-input", "above-the-input"],
)
def test_special_or_unwritable_out_is_one_line(out, tmp_path, capsys, monkeypatch, seeds_dir):
    src = tmp_path / "work" / "in"
    src.mkdir(parents=True)
    (src / "a.txt").write_text((seeds_dir / "000_42b881255f21474b.txt").read_text("utf-8"))
    monkeypatch.chdir(tmp_path / "work")
    out = out.replace("IN", "in")
    rc = main(["build", "in", "--out", out, "--overwrite", "-w", "1", "-q"])
    assert rc == 2
    _one_line_error(capsys.readouterr().err)
    assert (src / "a.txt").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_parent_is_one_line(tmp_path, capsys, seeds_dir) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        assert main(["build", str(seeds_dir), "--out", str(ro / "out"), "-q"]) == 2
    finally:
        ro.chmod(0o700)
    assert "not writable" in _one_line_error(capsys.readouterr().err)


# -- push ------------------------------------------------------------------------------------
def test_invalid_repo_ids_are_one_line_before_any_network(tmp_path, capsys) -> None:
    folder = tmp_path / "b"
    for name in ("data", "manifest"):
        (folder / name).mkdir(parents=True)
    for name in ("README.md", "build.json"):
        (folder / name).write_text("x")
    for repo_id in ("me/", "/x", "me/bad name!", "a/b/c", "noslash", "me/--x", "me/" + "x" * 97):
        assert main(["push", str(folder), "--repo-id", repo_id]) == 1, repo_id
        line = _one_line_error(capsys.readouterr().err)
        assert "invalid --repo-id" in line, line


def test_local_os_errors_are_not_retried_but_connection_errors_are(monkeypatch) -> None:
    monkeypatch.setattr(push_module.time, "sleep", lambda s: None)
    calls = []

    def missing() -> None:
        calls.append(1)
        raise FileNotFoundError(2, "No such file or directory", "data/x.parquet")

    with pytest.raises(FileNotFoundError):
        push_module._with_retries(missing, retries=3, backoff=0.0, token=None)
    assert len(calls) == 1

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 4:
            raise ConnectionResetError("reset by peer")
        return "ok"

    calls.clear()
    assert push_module._with_retries(flaky, retries=5, backoff=0.0, token=None) == "ok"
    assert len(calls) == 4


def _push_env(tmp_path: Path, hub: FakeHub, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update(
        HF_ENDPOINT=hub.url,
        HF_HOME=str(tmp_path / "hf-home"),  # no cached login
        HF_HUB_DISABLE_TELEMETRY="1",
        LAWRPT_PUSH_BACKOFF="0.05",
        PYTHONPATH=str(ROOT / "src"),
    )
    env.update(extra)
    return env


def _fake_build(tmp_path: Path) -> Path:
    folder = tmp_path / "b"
    for name in ("data", "manifest"):
        (folder / name).mkdir(parents=True)
    for name in ("README.md", "build.json"):
        (folder / name).write_text("x")
    return folder


@pytest.mark.parametrize("case", ["no-token", "offline"])
def test_push_without_token_or_offline_fails_at_once(tmp_path: Path, case: str) -> None:
    folder = _fake_build(tmp_path)
    with FakeHub() as hub:
        extra = {"HF_HUB_OFFLINE": "1", "HF_TOKEN": hub.token} if case == "offline" else {}
        r = subprocess.run(
            [sys.executable, "-m", "lawrpt_corpus", "push", str(folder), "--repo-id", "me/x"],
            env=_push_env(tmp_path, hub, **extra),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert hub.requests == []  # refused before any request, so nothing to retry
    assert r.returncode == 1
    line = _one_line_error(r.stderr)
    assert ("hf auth login" in line) if case == "no-token" else ("HF_HUB_OFFLINE" in line)


def test_push_api_refuses_offline_with_push_error(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(PushError, match="HF_HUB_OFFLINE"):
        push_module.push(_fake_build(tmp_path), "me/x")


# -- Ctrl-C ----------------------------------------------------------------------------------
@pytest.mark.slow
def test_ctrl_c_is_one_line_exit_130_and_a_rerun_says_chunks_are_discarded(
    tmp_path: Path, seed_texts
) -> None:
    src = tmp_path / "in"
    src.mkdir()
    texts = list(seed_texts.values())
    for i in range(600):
        (src / f"{i:04d}.txt").write_text(f"{texts[i % len(texts)]}\n第{i}号", encoding="utf-8")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "lawrpt_corpus", "build", str(src), "--out", str(out)]
    cmd += ["--workers", "2", "--checkpoint-every", "20", "-q"]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
    spill = tmp_path / ".out.partial" / "spill"
    deadline = time.monotonic() + 120
    while not list(spill.glob("chunk-*.pkl")) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(os.getpgid(proc.pid), 0)  # still our child's group
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the build finished before the interrupt landed")
    assert proc.returncode == 130, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "--resume" in lines[0], err
    assert "Traceback" not in err
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "saved chunk" in again.stderr and "--resume" in again.stderr
