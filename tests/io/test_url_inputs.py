"""Inputs at fsspec URLs: listed in sorted order one folder at a time, read where processed."""

from __future__ import annotations

import gzip
import hashlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pytest

from lawrpt_corpus import build
from lawrpt_corpus.build import BuildError
from lawrpt_corpus.io import fs as io_fs
from lawrpt_corpus.io.readers import _list_dir, iter_inputs, load_document

TRICKY = ["a.txt", "a/b.txt", "a b/c.txt", "a-b/x/y.txt", "ab", "z/.hidden", "Z.TXT", "报告.txt"]


def _tree(root: Path, names: list[str]) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name, encoding="utf-8")


def _memory_root() -> str:
    return f"/t{uuid.uuid4().hex}"


def test_streamed_folder_walk_gives_the_sorted_relative_paths(tmp_path: Path) -> None:
    _tree(tmp_path, TRICKY)
    (tmp_path / "loop").symlink_to(tmp_path)  # a loop is walked once
    got = [source for source, _ in _list_dir(tmp_path, [], set())]
    assert got == sorted(TRICKY)


def test_url_walk_gives_the_order_and_sources_of_the_same_local_folder(tmp_path: Path) -> None:
    _tree(tmp_path, TRICKY)
    mem = fsspec.filesystem("memory")
    root = _memory_root()
    for name in TRICKY:
        mem.pipe(f"{root}/{name}", name.encode())
    local = [(i.source, i.n_bytes) for i in iter_inputs([tmp_path])]
    url = [(i.source, i.n_bytes) for i in iter_inputs([f"memory://{root}"])]
    assert url == local and [s for s, _ in url] == sorted(TRICKY)
    file_url = [(i.source, i.n_bytes) for i in iter_inputs([tmp_path.as_uri()])]
    assert file_url == local


def test_url_listing_lists_a_folder_only_when_the_walk_reaches_it(monkeypatch) -> None:
    mem = fsspec.filesystem("memory")
    root = _memory_root()
    for d in range(5):
        for f in range(3):
            mem.pipe(f"{root}/d{d}/f{f}.txt", b"x")
    listed: list[str] = []
    real_ls = type(mem).ls

    def counting_ls(self, path, detail=True, **kw):  # type: ignore[no-untyped-def]
        listed.append(path.rsplit("/", 1)[-1])
        return real_ls(self, path, detail=detail, **kw)

    monkeypatch.setattr(type(mem), "ls", counting_ls)
    walk: Iterator = io_fs.list_url(f"memory://{root}")
    first = next(walk)
    assert first[0] == "d0/f0.txt"
    assert listed[1:] == ["d0"]  # the root and the first folder, not the other four
    assert [e[0] for e in walk][-1] == "d4/f2.txt" and len(listed) == 6


def test_url_items_are_read_when_processed_not_when_listed() -> None:
    mem = fsspec.filesystem("memory")
    root = _memory_root()
    mem.pipe(f"{root}/r.txt", "法治政府建设年度报告".encode())
    mem.pipe(f"{root}/big.txt", b"x" * 50)
    (item_big, item) = list(iter_inputs([f"memory://{root}"], max_bytes=40))
    assert item_big.error == "too_large" and item_big.n_bytes == 50
    assert item.path == f"memory://{root}/r.txt" and item.data is None
    doc = load_document(item)
    assert doc.raw == "法治政府建设年度报告".encode() and doc.kept
    mem.rm(f"{root}/r.txt")
    assert load_document(item).reason == "unreadable:FileNotFoundError"


def test_containers_at_a_url_give_their_records(tmp_path: Path) -> None:
    mem = fsspec.filesystem("memory")
    root = _memory_root()
    records = [
        json.dumps({"text": f"第{i}号报告", "url": f"https://x.gov.cn/{i}"}) for i in range(3)
    ]
    mem.pipe(f"{root}/r.jsonl.gz", gzip.compress("\n".join(records).encode()))
    items = list(iter_inputs([f"memory://{root}"]))
    assert [i.source for i in items] == [f"https://x.gov.cn/{i}" for i in range(3)]
    assert items[0].data == "第0号报告".encode()


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*.parquet"))
    }


def test_build_from_a_url_writes_the_bytes_of_the_same_local_build(
    tmp_path: Path, seed_texts: dict[str, str]
) -> None:
    src = tmp_path / "in"
    mem = fsspec.filesystem("memory")
    root = _memory_root()
    for i, (name, text) in enumerate(seed_texts.items()):
        sub = f"y{2020 + i % 2}/{name}"
        (src / sub).parent.mkdir(parents=True, exist_ok=True)
        (src / sub).write_text(text, encoding="utf-8")
        mem.pipe(f"{root}/{sub}", text.encode())
    build([f"memory://{root}"], tmp_path / "url", workers=1)  # memory:// is this process only
    build([src], tmp_path / "local", workers=1)
    assert _digests(tmp_path / "url") == _digests(tmp_path / "local")
    assert json.loads((tmp_path / "url" / "build.json").read_text())["inputs"] == [
        f"memory://{root}"
    ]


def test_a_url_that_does_not_exist_or_has_no_filesystem_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="does not exist"):
        build([f"memory://{_memory_root()}/none"], tmp_path / "o")
    with pytest.raises(BuildError, match="nosuchfs://x"):
        build(["nosuchfs://x/y"], tmp_path / "o")
    assert not (tmp_path / "o").exists()


def test_a_path_inside_a_hub_dataset_is_files_and_the_bare_dataset_is_records() -> None:
    from lawrpt_corpus.io.records import is_hub_file_path

    assert is_hub_file_path("hf://datasets/owner/name/reports/2024")
    assert is_hub_file_path("hf://datasets/owner/name/a.txt")
    assert not is_hub_file_path("hf://datasets/owner/name")
    assert not is_hub_file_path("hf://datasets/owner/name:config")
    assert not is_hub_file_path("s3://bucket/owner/name/x")
