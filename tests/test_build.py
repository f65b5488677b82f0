"""The build end to end: the dataset folder of the contract, every input accounted for."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest

from lawrpt_corpus import BuildError, build
from lawrpt_corpus.publish.schema import DATA_SCHEMA, MANIFEST_SCHEMA


def _rows(folder: Path, sub: str) -> list[dict]:
    rows: list[dict] = []
    for f in sorted((folder / sub).glob("*.parquet")):
        rows.extend(pq.read_table(f).to_pylist())
    return rows


@pytest.fixture(scope="module")
def seeds_build(tmp_path_factory, seeds_dir) -> Path:
    out = tmp_path_factory.mktemp("b") / "out"
    build([seeds_dir], out, workers=1)
    return out


def test_seed_build_writes_contract_folder(seeds_build: Path) -> None:
    assert (seeds_build / "README.md").is_file()
    assert (seeds_build / "build.json").is_file()
    assert [p.name for p in (seeds_build / "data").iterdir()] == ["train-00000-of-00001.parquet"]
    manifest = _rows(seeds_build, "manifest")
    assert len(manifest) == 5
    assert {r["status"] for r in manifest} == {"kept"}


def test_load_dataset_reads_both_configs_with_declared_features(seeds_build: Path) -> None:
    docs = datasets.load_dataset(str(seeds_build), split="train")
    manifest = datasets.load_dataset(str(seeds_build), "manifest", split="train")
    assert docs.features == datasets.Features.from_arrow_schema(DATA_SCHEMA)
    assert manifest.features == datasets.Features.from_arrow_schema(MANIFEST_SCHEMA)
    assert docs.num_rows == 5 and manifest.num_rows == 5
    row = docs[0]
    assert row["id"] == row["raw_sha256"][:16]
    assert row["n_chars"] == len(row["text"])


def test_build_json_counts_match_files(seeds_build: Path) -> None:
    summary = json.loads((seeds_build / "build.json").read_text(encoding="utf-8"))
    assert summary["counts"]["inputs"] == 5
    assert summary["counts"]["kept"] == len(_rows(seeds_build, "data"))
    assert summary["engine"] == "local"
    assert [s["name"] for s in summary["pipeline"][:2]] == ["extract", "decode"]
    assert "versions" in summary and "timings" in summary


def test_bad_inputs_each_get_one_rejected_manifest_row(tmp_path: Path, seeds_dir: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(seeds_dir / "000_42b881255f21474b.txt", src / "good.txt")
    (src / "empty.txt").write_bytes(b"")
    (src / "blank.txt").write_bytes(b"  \n\n ")
    (src / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (src / "link.txt").symlink_to(src / "missing-target.txt")
    out = tmp_path / "out"
    result = build([src], out, workers=1)
    manifest = {r["source"]: r for r in _rows(out, "manifest")}
    assert set(manifest) == {"good.txt", "empty.txt", "blank.txt", "binary.txt", "link.txt"}
    assert manifest["good.txt"]["status"] == "kept"
    assert manifest["empty.txt"]["reason"] == "empty"
    assert manifest["blank.txt"]["reason"] == "empty"
    # sniffed from its bytes, not its name: a PNG saved as .txt
    assert manifest["binary.txt"]["reason"] == "unsupported_format:png"
    assert manifest["binary.txt"]["format"] == "png"
    assert manifest["link.txt"]["reason"].startswith("unreadable")
    for name in ("empty.txt", "binary.txt", "link.txt"):
        assert manifest[name]["status"] == "rejected" and manifest[name]["id"] is None
    assert result.counts["rejected"] == 4


def test_same_file_twice_is_one_document_and_one_duplicate(tmp_path: Path, seeds_dir) -> None:
    seed = seeds_dir / "001_ecb54deb915a48a6.txt"
    out = tmp_path / "out"
    build([seed, seed], out, workers=1)
    manifest = _rows(out, "manifest")
    assert [r["status"] for r in manifest] == ["kept", "duplicate"]
    assert manifest[1]["duplicate_of"] == manifest[0]["id"]
    assert manifest[1]["reason"] == "exact"
    (doc,) = _rows(out, "data")
    assert doc["duplicates"] == [seed.name]


def test_jsonl_records_are_inputs_with_url_sources(tmp_path: Path, seed_texts) -> None:
    texts = list(seed_texts.values())
    path = tmp_path / "records.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"text": texts[0], "url": "https://example.gov.cn/a.html"}) + "\n")
        fh.write("not json\n")
        fh.write(json.dumps({"text": texts[1], "id": "r2"}) + "\n")
        fh.write(json.dumps({"no_text": 1}) + "\n")
        fh.write(json.dumps({"text": 12}) + "\n")
        fh.write(json.dumps(["text"]) + "\n")
    out = tmp_path / "out"
    build([path], out, workers=1)
    manifest = _rows(out, "manifest")
    assert [r["source"] for r in manifest] == [
        "https://example.gov.cn/a.html",
        "records.jsonl.gz#L2",
        "records.jsonl.gz#r2",
        "records.jsonl.gz#L4",
        "records.jsonl.gz#L5",
        "records.jsonl.gz#L6",
    ]
    assert [r["status"] for r in manifest] == ["kept", "rejected", "kept"] + ["rejected"] * 3
    # a rejected record says why, so a user can fix the crawl
    assert [r["reason"] for r in manifest if r["status"] == "rejected"] == [
        "bad_record:invalid_json",
        "bad_record:no_text",
        "bad_record:text_not_string",
        "bad_record:not_an_object",
    ]
    data = _rows(out, "data")
    assert data[0]["raw_sha256"] == __import__("hashlib").sha256(texts[0].encode()).hexdigest()


def test_rows_identical_for_one_and_two_workers(tmp_path: Path, seeds_dir: Path) -> None:
    src = tmp_path / "in"
    shutil.copytree(seeds_dir, src)
    for i in range(40):  # enough to spread over several batches and both workers
        (src / f"copy{i:02d}.txt").write_bytes(
            (seeds_dir / "002_deec5caec2a6a417.txt").read_bytes() + f"\n第{i}份".encode()
        )
    a, b = tmp_path / "a", tmp_path / "b"
    build([src], a, workers=1)
    from lawrpt_corpus import LocalEngine

    build([src], b, engine=LocalEngine(2, batch_size=3, in_flight=2))
    for sub in ("data", "manifest"):
        assert _rows(a, sub) == _rows(b, sub)


def test_existing_output_needs_overwrite_and_is_replaced_whole(tmp_path: Path, seeds_dir) -> None:
    out = tmp_path / "out"
    build([seeds_dir], out, workers=1)
    with pytest.raises(BuildError, match="--overwrite"):
        build([seeds_dir], out, workers=1)
    (out / "stale.txt").write_text("old")
    build([seeds_dir / "000_42b881255f21474b.txt"], out, workers=1, overwrite=True)
    assert not (out / "stale.txt").exists()
    assert len(_rows(out, "manifest")) == 1
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert not (out / "lock").exists() and not (out / "pid").exists()


def test_missing_input_is_a_build_error(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="does not exist"):
        build([tmp_path / "nope"], tmp_path / "out")


def test_output_folder_inside_input_tree_is_not_read_back(tmp_path: Path, seeds_dir) -> None:
    src = tmp_path / "in"
    shutil.copytree(seeds_dir, src)
    build([src], src / "out", workers=1)
    build([src], src / "out", workers=1, overwrite=True)
    assert len(_rows(src / "out", "manifest")) == 5


def test_a_step_that_raises_costs_only_its_document(tmp_path: Path, seeds_dir) -> None:
    from lawrpt_corpus import DocumentStep, Pipeline, default_pipeline

    class Boom(DocumentStep):
        name = "boom"

        def __call__(self, doc):
            if "002_" in doc.source:
                raise RuntimeError("bug")
            return doc

    pipe = Pipeline([*default_pipeline().steps[:1], Boom(), *default_pipeline().steps[1:]])
    out = tmp_path / "out"
    build([seeds_dir], out, pipeline=pipe, workers=2)
    manifest = {r["source"]: r for r in _rows(out, "manifest")}
    assert manifest["002_deec5caec2a6a417.txt"]["reason"] == "error:boom"
    assert sum(r["status"] == "kept" for r in manifest.values()) == 4


def test_shards_have_page_index_and_content_defined_chunking(tmp_path: Path, seeds_dir) -> None:
    """As datasets writes parquet: page indexes always; CDC where pyarrow supports it, so a
    re-pushed rebuild uploads only changed chunks to Xet storage."""
    import pyarrow as pa

    from lawrpt_corpus.publish.writer import CDC_OPTIONS, parquet_options

    out = tmp_path / "out"
    build([seeds_dir], out, workers=1)
    cdc = int(pa.__version__.split(".")[0]) >= 21
    assert ("use_content_defined_chunking" in parquet_options()) == cdc
    for shard in [*(out / "data").glob("*.parquet"), *(out / "manifest").glob("*.parquet")]:
        meta = pq.ParquetFile(shard).metadata
        col = meta.row_group(0).column(0)
        assert col.has_offset_index and col.has_column_index, shard
        stored = (meta.metadata or {}).get(b"content_defined_chunking")
        assert (json.loads(stored) == CDC_OPTIONS) if cdc else stored is None
