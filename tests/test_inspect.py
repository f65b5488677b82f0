"""``inspect``: one input traced step by step, and one built document looked up."""

from __future__ import annotations

import gzip
import json
import shutil
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawrpt_corpus import DecodeStep, Document, Pipeline, build
from lawrpt_corpus.cli import main
from lawrpt_corpus.inspect import (
    SCHEMA_VERSION,
    InspectError,
    lookup_dataset,
    read_input,
    trace_input,
)

from .demo_steps import demo_pipeline, make_corpus

#: The top-level keys of ``inspect --json`` (docs/inspect.md); changing them is a new schema.
TRACE_KEYS = {
    "schema_version", "input", "source", "id", "raw_sha256", "n_bytes", "status", "reason",
    "rejected_by", "error", "would_be_kept", "decode", "extraction", "width_profile", "script",
    "metadata",
    "sections", "flags", "steps", "removals", "removals_by_rule", "edits", "segments", "text",
    "n_chars", "trace_consistent", "corpus_applied",
}  # fmt: skip
STEP_KEYS = {
    "name", "version", "kind", "status", "reason", "chars_before", "chars_after",
    "changed_text", "removals", "edits", "flags_added",
}  # fmt: skip
LOOKUP_KEYS = {
    "schema_version", "dataset", "key", "matched", "id", "row", "cluster", "removals",
    "removals_by_rule",
}  # fmt: skip


def _rows(folder: Path, sub: str) -> list[dict]:
    out: list[dict] = []
    for f in sorted((folder / sub).glob("*.parquet")):
        out.extend(pq.read_table(f).to_pylist())
    return out


def _json_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main(["inspect", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Path:
    return make_corpus(seeds_dir, tmp_path_factory.mktemp("in") / "raw")


@pytest.fixture(scope="module")
def demo_build(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Path:
    out = tmp_path_factory.mktemp("b") / "out"
    build([corpus], out, pipeline=demo_pipeline(), workers=1)
    return out


def _check_segments(result: dict) -> None:
    """Live segments spell the final text; removed segments are exactly the removals."""
    segs = result["segments"]
    live = "".join(s["text"] for s in segs if s["kind"] in ("text", "changed"))
    assert live == result["text"]
    shown: Counter[str] = Counter()
    for s in segs:
        if s["kind"] == "removed":
            shown[s["rule"]] += len(s["text"])
    expected: Counter[str] = Counter()
    for r in result["removals"]:
        expected[r["rule"]] += len(r["text"])
    assert shown == expected


def test_every_removal_of_the_build_shows_up_labelled_in_place(
    corpus: Path, demo_build: Path
) -> None:
    built = {r["source"]: r for r in _rows(demo_build, "data")}
    assert sum(len(r["removed"]) for r in built.values()) >= 15
    for source, row in built.items():
        result = trace_input(
            read_input(corpus / source), demo_pipeline(), corpus=[corpus], input_info={}
        )
        assert result["trace_consistent"] and result["corpus_applied"]
        assert [(r["rule"], r["text"]) for r in result["removals"]] == [
            (r["rule"], r["text"]) for r in row["removed"]
        ]
        assert result["text"] == row["text"]
        _check_segments(result)
        # each removed span sits between the kept text around it, as it did in the input
        segs = result["segments"]
        for i, s in enumerate(segs):
            if s["kind"] == "removed":
                before = "".join(x["text"] for x in segs[:i] if x["kind"] != "changed")
                assert before.endswith("\n") or before == "", (source, s)


def test_in_place_edits_are_highlighted_with_what_they_replaced(corpus: Path) -> None:
    result = trace_input(read_input(corpus / "000_42b881255f21474b.txt"), demo_pipeline())
    edits = {(e["step"], e["rule"]): e["count"] for e in result["edits"]}
    n = edits[("typography-demo", "comma-between-han")]
    changed = [s for s in result["segments"] if s["kind"] == "changed"]
    replaced = [s for s in result["segments"] if s["kind"] == "replaced"]
    assert "".join(s["text"] for s in changed) == "，" * n
    assert "".join(s["text"] for s in replaced) == "," * n
    assert {s["rule"] for s in changed} == {"typography-demo:comma-between-han"}
    assert result["width_profile"] is not None and result["script"] == "simplified"


def test_metadata_fields_show_evidence_or_why_null(corpus: Path) -> None:
    meta = trace_input(read_input(corpus / "000_42b881255f21474b.txt"), demo_pipeline())["metadata"]
    assert meta["year"]["value"] == 2024
    assert meta["year"]["rule"] == "year.first-mention"
    assert "2024年" in meta["year"]["line"] and meta["year"]["line_text"] == meta["year"]["line"]
    assert meta["province"]["value"] == "江西省" and "江西省" in meta["province"]["line"]
    meta = trace_input(read_input(corpus / "002_deec5caec2a6a417.txt"), demo_pipeline())["metadata"]
    assert meta["province"]["value"] is None
    assert meta["province"]["why_null"] == "no province name in the text"
    assert meta["title"]["why_null"]  # every null says why


def test_cli_on_a_seed_prints_codec_rule_and_labelled_removals(
    capsys: pytest.CaptureFixture[str], seeds_dir: Path
) -> None:
    assert main(["inspect", str(seeds_dir / "001_ecb54deb915a48a6.txt")]) == 0
    out = capsys.readouterr().out
    assert "codec" in out and "utf-8" in out and "strict-utf-8" in out
    assert "metadata" in out and "steps" in out
    assert "法治" in out


def test_cli_seed_removals_match_the_default_build(
    capsys: pytest.CaptureFixture[str], seeds_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    build([seeds_dir], out, workers=1)
    for row in _rows(out, "data"):
        result = _json_cli(capsys, str(seeds_dir / row["source"]), "--corpus", str(seeds_dir))
        assert result["text"] == row["text"]
        assert [(r["rule"], r["text"]) for r in result["removals"]] == [
            (r["rule"], r["text"]) for r in row["removed"]
        ]
        _check_segments(result)


def test_rejected_binary_file_shows_reason_and_exits_0(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    f = tmp_path / "scan.txt"
    f.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert main(["inspect", str(f)]) == 0
    out = capsys.readouterr().out
    assert "REJECTED" in out and "unsupported_format:png" in out and "extract" in out
    result = _json_cli(capsys, str(f))
    assert result["status"] == "rejected" and result["reason"] == "unsupported_format:png"
    assert result["rejected_by"] == "extract" and result["would_be_kept"] is False
    assert result["segments"] == [] and result["text"] == ""
    assert all(m["why_null"].startswith("input rejected") for m in result["metadata"].values())


def test_rejected_after_cleaning_keeps_the_steps_that_ran(corpus: Path) -> None:
    result = trace_input(read_input(corpus / "only-chrome.txt"), demo_pipeline())
    assert result["status"] == "rejected" and result["reason"] == "empty_after_cleaning"
    assert result["rejected_by"] == "strip-demo"
    assert {r["rule"] for r in result["removals"]} == {"chrome.breadcrumb", "ad.banner"}


def test_json_schema_is_stable(capsys: pytest.CaptureFixture[str], seeds_dir: Path) -> None:
    result = _json_cli(capsys, str(seeds_dir / "004_382bae0eb533b97b.txt"))
    assert result["schema_version"] == SCHEMA_VERSION == 1
    assert set(result) == TRACE_KEYS
    assert result["steps"] and all(set(s) == STEP_KEYS for s in result["steps"])
    assert set(result["decode"]) == {"encoding", "rule"}
    assert set(result["extraction"]) == {
        "format",
        "extractor",
        "units",
        "detail",
        "page",
        "dropped",
    }
    assert result["extraction"]["format"] == "txt" and result["extraction"]["extractor"] is None
    for m in result["metadata"].values():
        assert set(m) == {"value", "rule", "line", "line_text", "why_null"}
    for s in result["segments"]:
        assert s["kind"] in ("text", "removed", "replaced", "changed")
    assert result["input"] == {"path": str(seeds_dir / "004_382bae0eb533b97b.txt"), "record": None}


def test_jsonl_record_by_line_number(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    f = tmp_path / "crawl.jsonl.gz"
    lines = [
        json.dumps({"url": "https://a.example/1", "text": "2024年法治政府建设工作报告"}),
        "",
        "not json",
        json.dumps({"id": 7, "text": "第二份报告"}, ensure_ascii=False),
    ]
    with gzip.open(f, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    assert _json_cli(capsys, str(f), "--record", "1")["source"] == "https://a.example/1"
    bad = _json_cli(capsys, str(f), "--record", "3")
    assert bad["status"] == "rejected" and bad["reason"] == "bad_record:invalid_json"
    r4 = _json_cli(capsys, str(f), "--record", "4")
    assert r4["source"] == "crawl.jsonl.gz#7" and r4["text"] == "第二份报告"
    for argv in (["--record", "2"], ["--record", "9"], ["--record", "0"], []):
        assert main(["inspect", str(f), *argv]) == 2
        assert "error:" in capsys.readouterr().err


def test_missing_file_is_an_error_not_a_trace(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["inspect", str(tmp_path / "nope.txt")]) == 2
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(InspectError):
        read_input(tmp_path)


def test_dataset_lookup_by_id_source_and_merged_member(
    capsys: pytest.CaptureFixture[str], demo_build: Path
) -> None:
    data = {r["source"]: r for r in _rows(demo_build, "data")}
    kept = data["000_42b881255f21474b.txt"]
    by_id = lookup_dataset(demo_build, kept["id"])
    assert set(by_id) == LOOKUP_KEYS and by_id["schema_version"] == 1
    assert by_id["row"]["source"] == "000_42b881255f21474b.txt"
    cluster = {m["source"]: m for m in by_id["cluster"]}
    assert set(cluster) == {"000_42b881255f21474b.txt", "mirror-exact.txt"}
    assert cluster["mirror-exact.txt"]["merge"] == "exact"
    assert cluster["mirror-exact.txt"]["similarity"] == 1.0
    assert [(r["rule"], r["text"]) for r in by_id["removals"]] == [
        (r["rule"], r["text"]) for r in kept["removed"]
    ]
    # the near duplicate's source leads to the document it was merged into
    near = lookup_dataset(demo_build, "mirror-near.txt")
    assert near["row"]["source"] == "001_ecb54deb915a48a6.txt"
    member = next(m for m in near["cluster"] if m["source"] == "mirror-near.txt")
    assert member["merge"] == "near" and 0.8 <= member["similarity"] < 1.0
    # the CLI prints the same, and JSON for tools
    assert main(["inspect", "--dataset", str(demo_build), "mirror-near.txt"]) == 0
    out = capsys.readouterr().out
    assert "mirror-near.txt" in out and "near:" in out and "001_ecb54deb915a48a6.txt" in out
    res = _json_cli(capsys, "--dataset", str(demo_build), kept["source"])
    assert res["id"] == kept["id"]
    # a duplicate's own id (first 16 hex of its sha256) also leads to its document
    manifest = {r["source"]: r for r in _rows(demo_build, "manifest")}
    own_id = manifest["mirror-near.txt"]["raw_sha256"][:16]
    assert lookup_dataset(demo_build, own_id)["id"] == near["id"]


def test_dataset_lookup_of_rejected_and_unknown_inputs(
    capsys: pytest.CaptureFixture[str], demo_build: Path, tmp_path: Path
) -> None:
    res = lookup_dataset(demo_build, "image.txt")
    # the demo pipeline has no extract step: the decode step calls the PNG binary
    assert res["row"] is None and res["matched"][0]["reason"] == "binary"
    assert main(["inspect", "--dataset", str(demo_build), "image.txt"]) == 0
    assert "REJECTED" in capsys.readouterr().out
    assert main(["inspect", "--dataset", str(demo_build), "no-such-source"]) == 2
    assert "no input" in capsys.readouterr().err
    shutil.copytree(demo_build / "data", tmp_path / "data")
    assert main(["inspect", "--dataset", str(tmp_path), "x"]) == 2


def test_trace_matches_pipeline_process_for_synthetic_documents() -> None:
    texts = [
        "首页 > 通知\n2024年,我局坚持,依法行政。\n【广告】代写\n二、工作安排\n",
        "【广告】x\n【广告】y\n正文,正文\n",
        "正文没有任何噪声。\n",
        "分享到:微信\n" * 3 + "甲,乙\n丙,丁" * 50,
    ]
    for text in texts:
        doc = Document.from_bytes("s.txt", text.encode())
        result = trace_input(doc, demo_pipeline())
        assert result["trace_consistent"]
        _check_segments(result)


_LINES = st.sampled_from(
    [
        "首页 > 通知",
        "【广告】代写,材料",
        "分享到:微信",
        "甲,乙,丙",
        "正文。",
        ",,",
        "",
        "2024年,工作",
        "【广告】",
        "甲",
    ]
)


@settings(max_examples=80, deadline=None)
@given(st.lists(_LINES, min_size=1, max_size=12), st.booleans())
def test_in_place_view_accounts_for_every_character(lines: list[str], trailing: bool) -> None:
    text = "\n".join(lines) + ("\n" if trailing else "")
    if not text.strip():
        return
    result = trace_input(Document.from_bytes("p.txt", text.encode()), demo_pipeline())
    assert result["trace_consistent"]
    if result["status"] == "kept":
        _check_segments(result)
        # the view without the new text of changes is the decoded input, character for character
        original = "".join(s["text"] for s in result["segments"] if s["kind"] != "changed")
        assert original == text


class _RepairingDecode(DecodeStep):
    """Decode, then repair UTF-8-read-as-Latin-1 mojibake (as the decode cascade does)."""

    def __call__(self, doc: Document) -> Document:
        doc = super().__call__(doc)
        if doc.kept:
            lines = doc.text.split("\n")
            for i, line in enumerate(lines):
                try:
                    lines[i] = line.encode("latin-1").decode("utf-8")
                except (UnicodeEncodeError, UnicodeDecodeError):
                    continue
                if lines[i] != line:
                    doc.log_edit("decode", "mojibake-latin1", 1)
            doc.text = "\n".join(lines)
        return doc


def test_mojibake_repair_by_the_decode_step_is_shown_as_a_change() -> None:
    clean = "2024年法治政府建设工作报告\n正文。"
    line, body = clean.split("\n")
    raw = (line.encode("utf-8").decode("latin-1") + "\n" + body).encode("utf-8")
    pipe = Pipeline([_RepairingDecode(), *demo_pipeline().steps[1:]])
    result = trace_input(Document.from_bytes("m.txt", raw), pipe)
    assert result["text"] == clean
    changed = [s for s in result["segments"] if s["kind"] == "changed"]
    replaced = [s for s in result["segments"] if s["kind"] == "replaced"]
    assert {s["rule"] for s in changed} == {"decode:mojibake-latin1"}
    assert "法治" in "".join(s["text"] for s in changed)
    assert "æ" in "".join(s["text"] for s in replaced)
    assert "".join(s["text"] for s in result["segments"] if s["kind"] != "changed") == raw.decode()


def test_default_pipeline_metadata_evidence_points_at_lines_of_the_text(
    capsys: pytest.CaptureFixture[str], seeds_dir: Path
) -> None:
    found = 0
    for seed in sorted(seeds_dir.glob("*.txt")):
        result = _json_cli(capsys, str(seed))
        lines = result["text"].splitlines()
        for name, m in result["metadata"].items():
            if m["value"] is None:
                assert m["why_null"], (seed.name, name)
            elif isinstance(m["line"], int):
                found += 1
                assert m["rule"], (seed.name, name)
                assert m["line_text"] == lines[m["line"] - 1]
    if "metadata" in {s["name"] for s in result["steps"]}:
        assert found > 0
