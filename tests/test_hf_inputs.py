"""HF-native use: a ``Dataset.map`` function, parquet and Hub datasets as build inputs (#20.3)."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lawrpt_corpus import CleanBatch, build, default_pipeline
from lawrpt_corpus.cli import main

from .fakehub import FakeHub, Repo

ROOT = Path(__file__).resolve().parent.parent


def _rows(out: Path, folder: str) -> list[dict]:
    rows: list[dict] = []
    for f in sorted((out / folder).glob("*.parquet")):
        rows.extend(pq.read_table(f).to_pylist())
    return rows


# -- Dataset.map -----------------------------------------------------------------------------
def test_clean_batch_maps_text_and_bytes_with_audit_columns(seed_texts) -> None:
    texts = list(seed_texts.values())
    raw = [texts[0], texts[4], None, "\x00\x01binary"]
    ds = datasets.Dataset.from_dict({"content": raw, "n": [0, 1, 2, 3]})
    clean = CleanBatch(text_column="content")
    out = ds.map(clean, batched=True, batch_size=3, features=clean.features(ds.features))
    assert out["n"] == [0, 1, 2, 3]  # other columns kept, order kept
    assert out["status"] == ["kept", "kept", "rejected", "rejected"]
    assert out["reason"][2:] == ["bad_record:text_not_string", "binary"]
    pipe = default_pipeline()
    for i in (0, 1):
        expected = pipe.process_bytes("", raw[i].encode())
        assert out["text"][i] == expected.text
        assert out["removed"][i] == [{"rule": r.rule, "text": r.text} for r in expected.removed]
        assert out["year"][i] == expected.meta.get("year")
    assert out["removed"][1]  # seed 004 carries advertising: the audit trail is there
    assert out["text"][2] is None and out["removed"][3] == []
    # bytes are decoded by the pipeline (a GB18030 file, as scraped)
    gb = datasets.Dataset.from_dict({"text": [texts[0].encode("gb18030")]})
    row = gb.map(CleanBatch(), batched=True, features=CleanBatch().features())[0]
    assert row["encoding"] == "gb18030" and row["text"] == out["text"][0]


def test_clean_batch_pickles_for_num_proc() -> None:
    clean = pickle.loads(pickle.dumps(CleanBatch(text_column="body")))
    batch = clean(
        {"body": ["2024年法治政府建设工作报告。我局认真贯彻落实法治政府建设实施纲要。" * 3]}
    )
    assert batch["status"] == ["kept"]
    with pytest.raises(KeyError, match="no column 'body'"):
        clean({"text": ["x"]})


# -- parquet inputs --------------------------------------------------------------------------
def _raw_table(texts: list[str]) -> pa.Table:
    return pa.table(
        {
            "body": [texts[0], texts[1], None, texts[0], texts[2]],
            "url": ["https://a.gov.cn/1.html", None, None, None, ""],
            "id": [None, "r2", None, None, "7"],
        }
    )


def test_parquet_file_and_folder_are_record_inputs_with_corpus_steps(tmp_path, seed_texts):
    texts = list(seed_texts.values())
    folder = tmp_path / "raw"
    folder.mkdir()
    pq.write_table(_raw_table(texts), folder / "part-0.parquet", row_group_size=2)
    (folder / "note.txt").write_text(texts[3], encoding="utf-8")
    out = tmp_path / "out"
    build([folder], out, workers=1, text_column="body")
    manifest = {r["source"]: r for r in _rows(out, "manifest")}
    assert list(manifest) == [
        "note.txt",
        "https://a.gov.cn/1.html",
        "part-0.parquet#r2",
        "part-0.parquet#2",
        "part-0.parquet#3",
        "part-0.parquet#7",
    ]
    assert manifest["part-0.parquet#2"]["reason"] == "bad_record:text_not_string"
    assert {r["format"] for s, r in manifest.items() if s != "note.txt"} == {"parquet-record"}
    # the dedup corpus step ran over the rows: row 3 repeats row 0
    assert manifest["part-0.parquet#3"]["status"] == "duplicate"
    assert manifest["part-0.parquet#3"]["duplicate_of"] == manifest["https://a.gov.cn/1.html"]["id"]
    assert len(_rows(out, "data")) == 4
    # the file given directly reads the same rows
    out2 = tmp_path / "out2"
    assert main(["build", str(folder / "part-0.parquet"), "--out", str(out2), "-q",
                 "--text-column", "body", "-w", "1"]) == 0  # fmt: skip
    assert len(_rows(out2, "manifest")) == 5


def test_parquet_without_the_text_column_says_so(tmp_path, seed_texts) -> None:
    path = tmp_path / "raw.parquet"
    pq.write_table(_raw_table(list(seed_texts.values())), path)
    out = tmp_path / "out"
    build([path], out, workers=1)  # default text column "text" is not there
    assert {r["reason"] for r in _rows(out, "manifest")} == {"bad_record:no_text"}


# -- Hub datasets (the fake Hub on 127.0.0.1) ------------------------------------------------
def _hub_env(hub: FakeHub, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update(
        HF_ENDPOINT=hub.url,
        HF_TOKEN=hub.token,
        HF_HOME=str(tmp_path / "hf-home"),
        HF_HUB_DISABLE_XET="1",
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        HF_DATASETS_DISABLE_PROGRESS_BARS="1",
        PYTHONPATH=str(ROOT / "src"),
    )
    return env


def _build(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lawrpt_corpus", "build", *args, "-q", "-w", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_hub_dataset_is_streamed_as_inputs(tmp_path: Path, seed_texts) -> None:
    sink = pa.BufferOutputStream()
    pq.write_table(_raw_table(list(seed_texts.values())), sink, row_group_size=2)
    with FakeHub() as hub:
        hub.repos["me/raw"] = Repo()
        hub.repos["me/raw"].branches["main"]["data/train-00000-of-00001.parquet"] = (
            sink.getvalue().to_pybytes()
        )
        env = _hub_env(hub, tmp_path)
        out = tmp_path / "out"
        r = _build(env, "--hf-dataset", "me/raw", "--text-column", "body", "--out", str(out))
        assert r.returncode == 0, r.stderr
        out2 = tmp_path / "out2"
        r2 = _build(env, "hf://datasets/me/raw", "--text-column", "body", "--out", str(out2))
        assert r2.returncode == 0, r2.stderr
        missing = _build(env, "--hf-dataset", "me/nothing-here", "--out", str(tmp_path / "o3"))
    manifest = _rows(out, "manifest")
    assert [r["source"] for r in manifest] == [
        "https://a.gov.cn/1.html",
        "hf://datasets/me/raw#r2",
        "hf://datasets/me/raw#2",
        "hf://datasets/me/raw#3",
        "hf://datasets/me/raw#7",
    ]
    assert [r["status"] for r in manifest] == ["kept", "kept", "rejected", "duplicate", "kept"]
    assert _rows(out2, "manifest") == manifest
    assert {r["format"] for r in manifest} == {"hf-record"}
    assert missing.returncode == 2
    lines = missing.stderr.strip().splitlines()
    assert len(lines) == 1 and "hf://datasets/me/nothing-here" in lines[0], missing.stderr
    assert not (tmp_path / "o3").exists()
