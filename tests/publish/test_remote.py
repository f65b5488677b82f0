"""``--out`` on object storage (publish/remote.py), on fsspec's in-memory filesystem: the same
bytes as a local build, the completion marker written last and checked by readers, and a
failed build that leaves the previous dataset (or no marker) behind. The same protocol on a
real S3-compatible server: tests/publish/test_s3_moto.py."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fsspec
import pytest

from lawrpt_corpus import build
from lawrpt_corpus.build import BuildError
from lawrpt_corpus.publish import remote
from lawrpt_corpus.publish.remote import MARKER, IncompleteDataset, check_complete

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"


@pytest.fixture
def url() -> Iterator[str]:
    """A fresh ``memory://`` prefix, removed afterwards (the memory filesystem is global)."""
    bucket = f"bucket-{uuid.uuid4().hex[:8]}"
    yield f"memory://{bucket}/datasets/lawrpt"
    fs = fsspec.filesystem("memory")
    if fs.exists(f"/{bucket}"):
        fs.rm(f"/{bucket}", recursive=True)


def _objects(url: str) -> dict[str, bytes]:
    """Relative path → bytes of every object under ``url``."""
    fs, root = fsspec.core.url_to_fs(url)
    root = root.rstrip("/")
    return {
        str(p)[len(root) + 1 :]: fs.cat_file(p) for p in fs.find(root) if str(p).startswith(root)
    }


def _local_files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def _without_timings(raw: bytes) -> dict[str, Any]:
    summary = json.loads(raw)
    summary.pop("timings")
    return dict(summary)


def test_a_build_to_object_storage_has_the_local_builds_bytes_and_a_marker_last(
    url: str, tmp_path: Path
) -> None:
    local = build([SEEDS], tmp_path / "local", workers=1)
    result = build([SEEDS], url, workers=1)
    assert result.out == url and result.counts == local.counts
    there = _objects(url)
    here = _local_files(tmp_path / "local")
    # every file of the local folder, and the marker; nothing staged is left
    assert set(there) == set(here) | {MARKER}
    for name in here:
        if name == "build.json":  # timings differ between any two builds
            assert _without_timings(there[name]) == _without_timings(here[name])
        elif name != "report.html":  # shows the timings too
            assert there[name] == here[name], name
    marker = json.loads(there[MARKER])
    assert [f["path"] for f in marker["files"]] == sorted(here)
    for f in marker["files"]:
        assert f["size"] == len(there[f["path"]])
        assert f["sha256"] == hashlib.sha256(there[f["path"]]).hexdigest()
    assert check_complete(url, verify=True)["build_id"] == marker["build_id"]


def test_an_existing_dataset_needs_overwrite_and_a_rebuild_drops_the_old_shards(
    url: str,
) -> None:
    build([SEEDS], url, workers=1, shard_rows=2)  # several shards
    first = json.loads(_objects(url)[MARKER])
    assert sum(f["path"].startswith("data/") for f in first["files"]) > 1
    with pytest.raises(BuildError, match="exists; pass --overwrite"):
        build([SEEDS], url, workers=1)
    build([SEEDS], url, workers=1, overwrite=True)  # one shard now
    second = json.loads(_objects(url)[MARKER])
    assert second["build_id"] != first["build_id"]
    assert {f["path"] for f in second["files"]} | {MARKER} == set(_objects(url))
    assert [p for p in _objects(url) if p.startswith("data/")] == [
        "data/train-00000-of-00001.parquet"
    ]
    check_complete(url)


def _fail_after(monkeypatch: pytest.MonkeyPatch, method: str, calls: int) -> None:
    """Make the memory filesystem's ``method`` raise from its ``calls + 1``-th call on."""
    cls = type(fsspec.filesystem("memory"))
    original = getattr(cls, method)
    seen = {"n": 0}

    def failing(self: Any, *args: Any, **kwargs: Any) -> Any:
        seen["n"] += 1
        if seen["n"] > calls:
            raise OSError(f"injected failure of {method}")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, method, failing)


def test_a_build_that_fails_while_staging_leaves_the_previous_dataset_whole(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    build([SEEDS], url, workers=1, shard_rows=2)
    before = _objects(url)
    _fail_after(monkeypatch, "put_file", 2)  # two files staged, then the store fails
    with pytest.raises(OSError, match="injected"):
        build([SEEDS], url, workers=1, overwrite=True, shard_rows=3)
    monkeypatch.undo()
    after = _objects(url)
    assert after == before  # marker, card, shards: the previous build, byte for byte
    assert not any(p.startswith(".staging/") for p in after)  # the failed staging removed
    check_complete(url, verify=True)


def test_a_build_that_fails_while_copying_to_the_final_keys_leaves_no_marker(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    build([SEEDS], url, workers=1)
    _fail_after(monkeypatch, "copy", 1)
    with pytest.raises(OSError, match="injected"):
        build([SEEDS], url, workers=1, overwrite=True)
    monkeypatch.undo()
    assert MARKER not in _objects(url)
    with pytest.raises(IncompleteDataset, match=re.escape("has no _COMPLETE.json")):
        check_complete(url)
    build([SEEDS], url, workers=1, overwrite=True)  # a rerun publishes a complete dataset
    check_complete(url, verify=True)
    assert not any(p.startswith(".staging/") for p in _objects(url))


def test_readers_refuse_a_prefix_whose_marker_is_missing_or_does_not_list_its_files(
    url: str,
) -> None:
    build([SEEDS], url, workers=1)
    fs, root = fsspec.core.url_to_fs(url)
    marker = json.loads(fs.cat_file(f"{root}/{MARKER}"))
    shard = next(f["path"] for f in marker["files"] if f["path"].startswith("data/"))
    body = fs.cat_file(f"{root}/{shard}")

    fs.pipe_file(f"{root}/data/train-00009-of-00010.parquet", body)  # not listed
    with pytest.raises(IncompleteDataset, match=r"00009-of-00010\.parquet is not listed"):
        check_complete(url)
    fs.rm_file(f"{root}/data/train-00009-of-00010.parquet")

    fs.pipe_file(f"{root}/{shard}", body + b"x")  # another size
    with pytest.raises(IncompleteDataset, match=re.escape("bytes, _COMPLETE.json says")):
        check_complete(url)
    fs.pipe_file(f"{root}/{shard}", body[:-1] + bytes([body[-1] ^ 1]))  # same size
    check_complete(url)
    with pytest.raises(IncompleteDataset, match="sha256"):
        check_complete(url, verify=True)
    fs.pipe_file(f"{root}/{shard}", body)

    fs.rm_file(f"{root}/{shard}")
    with pytest.raises(IncompleteDataset, match="is missing"):
        check_complete(url)
    fs.pipe_file(f"{root}/{shard}", body)

    fs.pipe_file(f"{root}/{MARKER}", b"{}")
    with pytest.raises(IncompleteDataset, match="not a completion marker"):
        check_complete(url)
    fs.rm_file(f"{root}/{MARKER}")
    with pytest.raises(IncompleteDataset, match=re.escape("has no _COMPLETE.json")):
        check_complete(url)


def test_inspect_reads_a_complete_prefix_and_refuses_one_without_its_marker(
    url: str, tmp_path: Path
) -> None:
    from lawrpt_corpus.inspect import InspectError, lookup_dataset

    build([SEEDS], url, workers=1)
    build([SEEDS], tmp_path / "local", workers=1)
    key = lookup_dataset(tmp_path / "local", "000_42b881255f21474b.txt")["matched"][0]["source"]
    there, here = lookup_dataset(url, key), lookup_dataset(tmp_path / "local", key)
    assert there.pop("dataset") == url and here.pop("dataset") == str(tmp_path / "local")
    assert there == here and there["row"] is not None
    fs, root = fsspec.core.url_to_fs(url)
    fs.rm_file(f"{root}/{MARKER}")
    with pytest.raises(InspectError, match=re.escape("has no _COMPLETE.json")):
        lookup_dataset(url, key)


def test_a_local_folder_is_complete_by_its_rename_and_checked_against_a_marker_if_it_has_one(
    tmp_path: Path, url: str
) -> None:
    local = tmp_path / "local"
    build([SEEDS], local, workers=1)
    assert check_complete(local) == {"build_id": None, "files": []}
    with pytest.raises(IncompleteDataset, match="not a finished build"):
        check_complete(tmp_path)
    # a copy of an object-storage dataset, downloaded with its marker, is checked by it
    build([SEEDS], url, workers=1)
    fs, root = fsspec.core.url_to_fs(url)
    fs.get(root, str(tmp_path / "copy"), recursive=True)
    assert check_complete(tmp_path / "copy", verify=True)["build_id"]
    (tmp_path / "copy" / "build.json").write_text("{}")
    with pytest.raises(IncompleteDataset, match=re.escape("build.json has")):
        check_complete(tmp_path / "copy")


def test_a_file_url_out_is_the_local_folder(tmp_path: Path) -> None:
    result = build([SEEDS], f"file://{tmp_path}/viaurl", workers=1)
    assert result.out == tmp_path / "viaurl"
    assert (tmp_path / "viaurl" / "build.json").is_file()
    assert not (tmp_path / "viaurl" / MARKER).exists()


def test_an_output_prefix_that_holds_an_input_is_refused(url: str) -> None:
    fs, root = fsspec.core.url_to_fs(url)
    fs.pipe_file(f"{root}/raw/a.txt", "2024年法治政府建设年度报告\n".encode())
    with pytest.raises(BuildError, match="holds the input"):
        build([f"{url}/raw"], url, workers=1)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}
    return subprocess.run(
        [sys.executable, "-m", "lawrpt_corpus", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def _one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert done.returncode == 2 and len(lines) == 1, done.stderr[-2000:]
    assert lines[0].startswith("error:") and "Traceback" not in done.stderr
    return lines[0]


def test_an_unknown_protocol_is_one_line_and_status_2() -> None:
    line = _one_line_error(_cli("build", "-q", "--out", "nosuchproto://bucket/out"))
    assert "Protocol not known: nosuchproto" in line


def test_a_filesystem_whose_package_is_missing_is_one_line_and_status_2(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "s3fs", None)  # import s3fs → ImportError
    # and s3fs's class not registered yet, as in a process that never imported it
    monkeypatch.delitem(sys.modules["fsspec.registry"]._registry, "s3", raising=False)
    with pytest.raises(BuildError, match="its filesystem is not installed"):
        build([SEEDS], "s3://bucket/out", workers=1)


def test_push_of_an_object_storage_prefix_is_refused_in_one_line() -> None:
    line = _one_line_error(_cli("push", "s3://bucket/out", "--repo-id", "me/corpus"))
    assert "push uploads a local folder" in line


def test_the_scratch_folder_is_one_per_url() -> None:
    assert remote.scratch_dir("s3://a/b") == remote.scratch_dir("s3://a/b/")
    assert remote.scratch_dir("s3://a/b") != remote.scratch_dir("s3://a/c")
