"""``--resume`` reuses checkpointed documents only when nothing that changes them changed:
the fingerprint holds every step's parameters and the content digest of every rule pack and
data file the steps load."""

from __future__ import annotations

from pathlib import Path

import pytest

from lawrpt_corpus import LocalEngine, default_pipeline
from lawrpt_corpus.document import Document
from lawrpt_corpus.io.readers import iter_inputs
from lawrpt_corpus.pipeline import Pipeline

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "lawrpt_corpus"

PACK = """category = "site"

[[rule]]
id = "site.slogan"
zone = "line"
pattern = '^{slogan}$'
description = "A mirror site's slogan line."
"""
BODY = "一、主要工作\n我局坚持依法行政，全面推进法治政府建设，取得明显成效。\n"


def test_every_packaged_data_file_is_part_of_the_fingerprint() -> None:
    """A data file a step loads but does not declare would let --resume reuse documents
    cleaned with its old content: every file under a stage's data/ or rules/ is declared."""
    pipe = default_pipeline()
    declared = {
        (PACKAGE / pkg.split(".", 1)[1].replace(".", "/") / path).resolve()
        for step in pipe.steps
        for pkg, path in step.data_files
    }
    declared |= {p.resolve() for p in (PACKAGE / "boilerplate" / "rules").glob("*.toml")}
    shipped = {
        p.resolve()
        for d in ("data", "rules")
        for p in PACKAGE.glob(f"*/{d}/*")
        if p.is_file() and p.suffix not in (".py", ".pyc")
    }
    assert shipped, "no data files found"
    assert shipped <= declared, sorted(str(p) for p in shipped - declared)
    boiler = next(s for s in pipe.steps if s.name == "boilerplate").params()
    assert set(boiler["packs"]) >= {
        p.name for p in (PACKAGE / "boilerplate" / "rules").glob("*.toml")
    }


def _run(
    pipe: Pipeline, inputs: Path, spill: Path, *, stop_early: bool
) -> tuple[LocalEngine, list[Document]]:
    """A local run checkpointing every document in ``spill``; with ``stop_early`` it is
    abandoned after the first document (its checkpoint stays, as after a kill)."""
    engine = LocalEngine(1)
    run = engine.run(pipe, iter_inputs([inputs]), spill_dir=spill, resume=True, chunk_size=1)
    if stop_early:
        first = next(run)
        run.close()
        return engine, [first]
    return engine, list(run)


def test_editing_a_rule_in_place_makes_resume_reprocess(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in range(4):
        text = f"某某在线，服务到家\n某某网站，欢迎您\n{i}年度报告\n{BODY}"
        (inputs / f"r{i}.txt").write_text(text, encoding="utf-8")
    pack = tmp_path / "site.toml"
    pack.write_text(PACK.format(slogan="某某在线，服务到家"), encoding="utf-8")
    spill = tmp_path / "spill"

    _run(default_pipeline(rules=[pack]), inputs, spill, stop_early=True)
    engine, docs = _run(default_pipeline(rules=[pack]), inputs, spill, stop_early=True)
    assert engine.resumed == 4  # same rules: every checkpointed document is reused
    assert _by_pack(docs[0]) == ["某某在线，服务到家"]

    pack.write_text(PACK.format(slogan="某某网站，欢迎您"), encoding="utf-8")  # same path
    engine, docs = _run(default_pipeline(rules=[pack]), inputs, spill, stop_early=False)
    assert engine.resumed == 0  # the edited rule: nothing cleaned by the old one is reused
    assert all(_by_pack(d) == ["某某网站，欢迎您"] for d in docs)


def _by_pack(doc: Document) -> list[str]:
    """What the user pack's rule removed (the score layer may take the other slogan too)."""
    return [r.text.strip() for r in doc.removed if r.rule.startswith("site.")]


@pytest.fixture
def checkpointed(tmp_path: Path) -> tuple[Path, Path]:
    """Three reports (inputs folder) and a spill folder holding the first one's checkpoint,
    left by a run of the default pipeline that stopped after one document."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in range(3):
        (inputs / f"r{i}.txt").write_text(f"{i}年度报告\n{BODY}", encoding="utf-8")
    spill = tmp_path / "spill"
    _run(default_pipeline(), inputs, spill, stop_early=True)
    return inputs, spill


def test_a_changed_parameter_also_makes_resume_reprocess(checkpointed: tuple[Path, Path]) -> None:
    inputs, spill = checkpointed
    pipe = default_pipeline()
    pipe.steps[-1].bucket_window = 8  # type: ignore[attr-defined]  # a Dedup parameter
    engine, _ = _run(pipe, inputs, spill, stop_early=True)
    assert engine.resumed == 0


def test_a_changed_document_layout_makes_resume_reprocess(
    checkpointed: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The spill rebuilds documents from their fields by position: chunks written with
    another field layout (a field added by an upgrade) would shift values silently."""
    inputs, spill = checkpointed
    engine, _ = _run(default_pipeline(), inputs, spill, stop_early=True)
    assert engine.resumed == 3
    monkeypatch.setattr(Document, "__slots__", (*Document.__slots__, "added_field"))
    engine, _ = _run(default_pipeline(), inputs, spill, stop_early=True)
    assert engine.resumed == 0
