"""A folder's files as inputs (io/readers.py ``_list_dir``): each file's source is its
path relative to the folder given, "/"-separated, in sorted order, with the bytes of a
name that is not valid UTF-8 written as backslash escapes."""

from __future__ import annotations

import os
from pathlib import Path

from lawrpt_corpus.io.readers import _list_dir, _source_name


def _tree(root: Path) -> None:
    (root / "a" / "b c").mkdir(parents=True)
    (root / "a" / "b c" / "x.txt").write_text("1")
    (root / "a" / "y.txt").write_text("1")
    (root / "中文").mkdir()
    (root / "中文" / "报告.txt").write_text("1")
    bad = os.path.join(bytes(root), b"bad\xff")
    os.mkdir(bad)
    with open(os.path.join(bad, b"f\xfe.txt"), "wb") as fh:
        fh.write(b"x")
    (root / "z.txt").write_text("1")


def test_sources_are_relative_paths_with_undecodable_bytes_escaped(tmp_path: Path) -> None:
    _tree(tmp_path)
    sources = [source for source, _ in _list_dir(tmp_path, [], set())]
    assert sources == [
        "a/b c/x.txt",
        "a/y.txt",
        "bad\\udcff/f\\udcfe.txt",
        "z.txt",
        "中文/报告.txt",
    ]


def test_sources_do_not_depend_on_how_the_folder_is_spelled(tmp_path: Path) -> None:
    _tree(tmp_path)
    spellings = [tmp_path, Path(f"{tmp_path}/"), Path(os.path.relpath(tmp_path))]
    for root in spellings:
        listed = list(_list_dir(root, [], set()))
        assert [s for s, _ in listed] == [_source_name(p, root) for _, p in listed]
        assert [s for s, _ in listed] == [s for s, _ in _list_dir(tmp_path, [], set())]
