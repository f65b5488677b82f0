"""Container files cut into slices that workers count and read (io/containers.py): the
slices' items, read one slice at a time, are exactly the items the driver's own reading
gives, in the same order, for every slice size and every container format."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lawrpt_corpus.io.containers import CHANGED, ContainerSlice, plan_slices, read_slice
from lawrpt_corpus.io.item import ContainerItem, InputItem
from lawrpt_corpus.io.readers import iter_inputs

from ..helpers.formats_fixtures import portal_warc


def _jsonl_lines() -> list[str]:
    lines = [
        json.dumps({"text": f"第{i}条记录" + "内容" * i, **({"id": i} if i % 3 else {})})
        for i in range(23)
    ]
    lines.insert(5, "")  # blank: no item, but counts as a line
    lines.insert(9, "{not json")  # bad_record:invalid_json
    lines.insert(12, json.dumps({"url": "https://x.gov.cn/a", "html": "<p>页</p>"}))
    return lines


def _folder(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    src.mkdir()
    body = "\n".join(_jsonl_lines()) + "\n"
    (src / "a.jsonl").write_text(body, encoding="utf-8")
    with gzip.open(src / "b.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write(body)
    texts = [f"行{i}" if i != 4 else None for i in range(50)]
    urls = [f"https://x.gov.cn/{i}" if i % 5 else "" for i in range(50)]
    pq.write_table(pa.table({"text": texts, "url": urls}), src / "c.parquet", row_group_size=7)
    (src / "d.warc.gz").write_bytes(portal_warc())
    (src / "e.warc").write_bytes(portal_warc(gz=False, broken=True))
    (src / "h.warc.gz").write_bytes(portal_warc() * 4)  # gzip members one after another
    plain = portal_warc(gz=False)
    (src / "i.warc").write_bytes(plain * 2 + portal_warc(gz=False, broken=True) + plain)
    (src / "f.jsonl").write_bytes(b"")  # no record: no item either way
    (src / "g.txt").write_text("一个普通文件", encoding="utf-8")
    return src


def _split_read(src: Path, rows: int) -> list[InputItem]:
    out: list[InputItem] = []
    for item in iter_inputs([src], split_containers=True):
        if isinstance(item, ContainerItem):
            for piece in plan_slices(item, rows):
                assert 0 < piece.n <= rows
                out.extend(read_slice(piece))
        else:
            out.append(item)
    return out


@pytest.mark.parametrize("rows", [1, 2, 3, 7, 8, 64])
def test_slices_read_one_by_one_give_the_driver_items_in_order(tmp_path: Path, rows: int) -> None:
    src = _folder(tmp_path)
    want = list(iter_inputs([src]))
    assert len(want) > 100
    assert _split_read(src, rows) == want


def test_split_inputs_leave_containers_unopened_and_files_as_they_are(tmp_path: Path) -> None:
    src = _folder(tmp_path)
    got = list(iter_inputs([src], split_containers=True, max_bytes=999, text_column="body"))
    containers = [i for i in got if isinstance(i, ContainerItem)]
    assert [c.source for c in containers] == [
        "a.jsonl",
        "b.jsonl.gz",
        "c.parquet",
        "d.warc.gz",
        "e.warc",
        "f.jsonl",
        "h.warc.gz",
        "i.warc",
    ]
    assert {(c.max_bytes, c.text_column) for c in containers} == {(999, "body")}
    assert [i.source for i in got if isinstance(i, InputItem)] == ["g.txt"]


def test_jsonl_and_parquet_slices_resume_without_rereading(tmp_path: Path) -> None:
    src = _folder(tmp_path)
    jsonl = plan_slices(ContainerItem("a.jsonl", str(src / "a.jsonl"), 1 << 20), 4)
    assert all(p.at is not None for p in jsonl)  # byte offset and lines before
    assert jsonl[1].at is not None and jsonl[1].at[1] == 4  # 4 lines before its first item
    parquet = plan_slices(ContainerItem("c.parquet", str(src / "c.parquet"), 1 << 20), 10)
    assert [(p.start, p.stop) for p in parquet] == [(0, 10), (10, 20), (20, 30), (30, 40), (40, 50)]


def test_unreadable_container_is_one_slice_of_one_rejected_item(tmp_path: Path) -> None:
    item = ContainerItem("gone.jsonl", str(tmp_path / "gone.jsonl"), 1 << 20)
    (piece,) = plan_slices(item, 8)
    (got,) = read_slice(piece)
    assert got.error == "unreadable:FileNotFoundError" and got.source == "gone.jsonl"


def test_a_container_that_shrank_since_planning_is_padded_never_short(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text("\n".join(_jsonl_lines()) + "\n", encoding="utf-8")
    pieces = plan_slices(ContainerItem("a.jsonl", str(path), 1 << 20), 10)
    path.write_text("\n".join(_jsonl_lines()[:3]) + "\n", encoding="utf-8")
    last = pieces[-1]
    got = read_slice(last)
    assert len(got) == last.n
    assert all(i.error == CHANGED for i in got)
    assert got[0].source == f"a.jsonl#{last.start}"


def test_a_slice_never_yields_more_than_planned(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text("\n".join(_jsonl_lines()) + "\n", encoding="utf-8")
    piece = ContainerSlice(ContainerItem("a.jsonl", str(path), 1 << 20), 0, 3, (0, 0))
    assert [i.source for i in read_slice(piece)] == ["a.jsonl#L1", "a.jsonl#1", "a.jsonl#2"]


@pytest.mark.parametrize("name", ["h.warc.gz", "i.warc"])
def test_warc_slices_resume_at_record_offsets_or_fall_back_to_skipping(
    tmp_path: Path, name: str
) -> None:
    src = _folder(tmp_path)
    item = ContainerItem(name, str(src / name), 1 << 20)
    want = list(iter_inputs([src / name]))
    pieces = plan_slices(item, 2)
    assert all(p.at is not None and p.at[0] > 0 for p in pieces[1:])
    assert [i for p in pieces for i in read_slice(p)] == want
    # a resume point that is no record boundary is caught by the slice's first source
    wrong = [replace(p, at=(p.at[0] + 1, 0)) if p.at else p for p in pieces]
    assert [i for p in wrong for i in read_slice(p)] == want
