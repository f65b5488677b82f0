"""The Ray engine builds the same dataset, row for row, as the local engine.

One local Ray instance (2 CPUs) serves the whole session: starting Ray costs seconds.
The tests that do not need Ray (the core never imports it; helpful CLI errors) run without it.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from lawrpt_corpus import (
    CorpusStep,
    DecodeStep,
    Dedup,
    Document,
    DocumentStep,
    ExactDedup,
    Pipeline,
    RepeatedLines,
    SiteRepeat,
    Templates,
)
from lawrpt_corpus import build as build_dataset
from lawrpt_corpus.cli import main
from lawrpt_corpus.engines.local import LocalEngine

ROOT = Path(__file__).resolve().parents[2]


def _rows(folder: Path, sub: str) -> list[dict]:
    rows: list[dict] = []
    for f in sorted((folder / sub).glob("*.parquet")):
        rows.extend(pq.read_table(f).to_pylist())
    return rows


def _assert_same_dataset(a: Path, b: Path) -> None:
    for sub in ("data", "manifest"):
        rows_a, rows_b = _rows(a, sub), _rows(b, sub)
        assert len(rows_a) == len(rows_b), sub
        for i, (ra, rb) in enumerate(zip(rows_a, rows_b, strict=True)):
            assert ra == rb, f"{sub} row {i} differs"


@pytest.fixture(scope="session")
def ray_session() -> Iterator[Any]:
    ray = pytest.importorskip("ray")
    # workers inherit the environment: make them import this checkout's package
    src = str(ROOT / "src")
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (src, old) if p)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    # test-module classes (the custom steps below) travel to the workers by value
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield ray
    ray.shutdown()
    if old is None:
        os.environ.pop("PYTHONPATH", None)
    else:
        os.environ["PYTHONPATH"] = old


def _package_file() -> str:
    import lawrpt_corpus

    return str(lawrpt_corpus.__file__)


def _engine(**kwargs: Any) -> Any:
    from lawrpt_corpus.engines.ray_engine import RayEngine

    return RayEngine(**kwargs)


# -- a synthetic corpus of a few thousand documents, grown from the seeds ----------------
_YEAR = re.compile(r"20[12]\d")
_NUM = re.compile(r"(?<![0-9])[1-9][0-9]{0,3}(?![0-9年])")


def _variant(text: str, rng: random.Random) -> str:
    year = rng.randint(2015, 2025)
    text = _YEAR.sub(lambda m: str(year + (int(m.group()) - 2024)), text)
    return _NUM.sub(lambda m: str(int(m.group()) * rng.randint(1, 9) + rng.randint(0, 99)), text)


def _synthetic_corpus(folder: Path, seed_texts: dict[str, str], n: int) -> list[Path]:
    """``n`` JSONL records (variants; exact, re-spaced and truncated copies; bad records) and
    a folder of files."""
    rng = random.Random(9)
    texts = list(seed_texts.values())
    made: list[str] = []
    records: list[str] = []
    for i in range(n):
        roll = rng.random()
        if made and roll < 0.12:  # an exact copy of an earlier record
            records.append(json.dumps({"text": rng.choice(made), "id": f"r{i}"}))
        elif roll < 0.14:
            records.append("{not json" if roll < 0.13 else json.dumps({"text": ""}))
        elif made and roll < 0.16:  # the same text, spaced differently: equal comparison key
            records.append(json.dumps({"text": rng.choice(made).replace("\n", "\n\n  ")}))
        elif made and roll < 0.19:  # the first half to three quarters: contained
            text = rng.choice(made)
            records.append(json.dumps({"text": text[: int(len(text) * rng.uniform(0.5, 0.75))]}))
        else:
            text = _variant(rng.choice(texts), rng)
            made.append(text)
            records.append(json.dumps({"text": text, "url": f"https://example.gov.cn/{i}.html"}))
    jsonl = folder / "records.jsonl.gz"
    with gzip.open(jsonl, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(records) + "\n")
    files = folder / "files"
    files.mkdir()
    for name, text in seed_texts.items():
        (files / name).write_text(text, encoding="utf-8")
        (files / f"copy-{name}").write_text(text, encoding="utf-8")
    (files / "empty.txt").write_bytes(b"")
    (files / "binary.txt").write_bytes(b"\x00\x01PK" * 50)
    (files / "gone.txt").symlink_to(files / "missing")
    return [files, jsonl]


@pytest.mark.ray
@pytest.mark.slow
def test_seed_build_on_ray_has_the_local_engine_rows(
    ray_session: Any, tmp_path: Path, seeds_dir: Path
) -> None:
    where = ray_session.get(ray_session.remote(_package_file).remote())
    assert where == str(ROOT / "src" / "lawrpt_corpus" / "__init__.py")  # this checkout's code
    engine = _engine()
    build_dataset([seeds_dir], tmp_path / "ray", engine=engine)
    build_dataset([seeds_dir], tmp_path / "local", workers=1)
    _assert_same_dataset(tmp_path / "ray", tmp_path / "local")
    summary = json.loads((tmp_path / "ray" / "build.json").read_text(encoding="utf-8"))
    assert summary["engine"] == "ray" and summary["counts"]["kept"] == 5
    # 5 documents: no shuffle for that; the default corpus steps fit in the driver (Templates
    # has no cluster fit at all: docs/scaling.md)
    assert engine.fit_modes == {
        "repeated-lines": "driver",
        "templates": "driver",
        "site-repeat": "driver",
        "dedup": "driver",
    }


@pytest.mark.ray
@pytest.mark.slow
def test_default_build_with_cluster_fits_builds_no_ray_dataset_and_runs_no_ray_data_map(
    ray_session: Any, tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The per-document stage, the default corpus steps' cluster fits and the final pass are
    plain Ray tasks: a Ray Data ``map_batches`` (whose executor polls in the driver) is never
    started, not even a Ray Dataset is built (the fits' ``docs`` is built on first use, and
    no built-in fit uses it), and the rows are the local engine's."""
    import ray.data

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a Ray Data map ran in the driver")

    def no_dataset(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a Ray Dataset was built")

    build_dataset([seeds_dir], tmp_path / "local", workers=1)
    monkeypatch.setattr(ray.data.Dataset, "map_batches", refused)
    monkeypatch.setattr(ray.data, "from_arrow_refs", no_dataset)
    engine = _engine(cluster_fit=True, block_rows=2, in_flight=1)
    build_dataset([seeds_dir], tmp_path / "ray", engine=engine)
    assert set(engine.fit_modes.values()) == {"cluster"}
    _assert_same_dataset(tmp_path / "ray", tmp_path / "local")


@pytest.mark.ray
@pytest.mark.slow
def test_every_input_format_on_ray_has_the_local_engine_rows(
    ray_session: Any, tmp_path: Path
) -> None:
    from ..helpers.formats_fixtures import (
        portal_page,
        portal_warc,
        report_docx,
        report_ofd,
        report_pdf,
    )

    src = tmp_path / "in"
    src.mkdir()
    (src / "page.html").write_bytes(portal_page())
    (src / "report.pdf").write_bytes(report_pdf())
    (src / "report.docx").write_bytes(report_docx())
    (src / "report.ofd").write_bytes(report_ofd())
    (src / "crawl.warc.gz").write_bytes(portal_warc())
    (src / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 32)
    build_dataset([src], tmp_path / "ray", engine=_engine())
    build_dataset([src], tmp_path / "local", workers=1)
    _assert_same_dataset(tmp_path / "ray", tmp_path / "local")


@pytest.mark.ray
@pytest.mark.slow
def test_pdf_winning_over_its_page_carries_the_page_fields_on_the_cluster_fit(
    ray_session: Any, tmp_path: Path
) -> None:
    from ..helpers.formats_fixtures import portal_warc, report_docx, report_pdf

    src = tmp_path / "in"
    src.mkdir()
    (src / "crawl.warc.gz").write_bytes(portal_warc())
    (src / "report.pdf").write_bytes(report_pdf())
    (src / "report.docx").write_bytes(report_docx())
    engine = _engine(cluster_fit=True)  # the dedup columns come from ray_fits, not the driver
    build_dataset([src], tmp_path / "ray", engine=engine)
    build_dataset([src], tmp_path / "local", workers=1)
    assert engine.fit_modes["dedup"] == "cluster"
    _assert_same_dataset(tmp_path / "ray", tmp_path / "local")
    (row,) = _rows(tmp_path / "ray", "data")
    assert row["format"] != "html" and row["published"] == "2024-01-20"
    assert row["url"].startswith("http://www.example.gov.cn/") and row["attachments"]


@pytest.mark.ray
@pytest.mark.slow
def test_thousands_of_documents_fitted_on_the_cluster_identical_to_local(
    ray_session: Any, tmp_path: Path, seed_texts: dict[str, str]
) -> None:
    inputs = _synthetic_corpus(tmp_path, seed_texts, 2000)

    def pipeline() -> Pipeline:
        # the corpus steps of the default pipeline, after decoding only: the per-document steps
        # are the same code on every engine (the seed test runs them all); this keeps CI short
        return Pipeline([DecodeStep(), RepeatedLines(), Dedup()])

    engine = _engine(cluster_fit=True, window=800)  # 3 windows: order kept across them
    build_dataset(inputs, tmp_path / "ray", pipeline=pipeline(), engine=engine)
    local = LocalEngine(2, batch_size=50)
    build_dataset(inputs, tmp_path / "local", pipeline=pipeline(), engine=local)
    _assert_same_dataset(tmp_path / "ray", tmp_path / "local")
    # the default corpus steps were fitted by shuffles on the cluster, to the driver fit's state
    assert engine.fit_modes == {"repeated-lines": "cluster", "dedup": "cluster"}
    ray_stats = json.loads((tmp_path / "ray" / "build.json").read_text(encoding="utf-8"))
    local_stats = json.loads((tmp_path / "local" / "build.json").read_text(encoding="utf-8"))
    # "passes" counts different things (docs/scaling.md): rounds on the cluster, passes over
    # the spill in the driver (whose star rounds reuse the cached sets)
    assert ray_stats["corpus"]["dedup"].pop("passes") >= local_stats["corpus"]["dedup"].pop(
        "passes"
    )
    assert ray_stats["corpus"] == local_stats["corpus"]
    dedup, lines = ray_stats["corpus"]["dedup"], ray_stats["corpus"]["repeated-lines"]
    assert dedup["exact"] >= 1 and dedup["near"] > 1000 and dedup["contained"] >= 1
    assert dedup["verified_pairs"] > dedup["lsh_candidate_pairs"] > 10_000  # star edges too
    assert lines["candidates_total"] > 0 and lines["distinct_documents"] < lines["documents"]
    status = Counter(r["status"] for r in _rows(tmp_path / "ray", "manifest"))
    # variants of five seeds: near-dedup folds most of them into few clusters
    assert status["kept"] >= 5 and status["duplicate"] > 1000 and status["rejected"] > 30
    assert sum(status.values()) == len(_rows(tmp_path / "local", "manifest"))
    data = _rows(tmp_path / "ray", "data")
    assert sum(len(r["duplicates"]) for r in data) == status["duplicate"]


@pytest.mark.ray
@pytest.mark.slow
def test_site_repeat_fitted_on_the_cluster_removes_what_the_local_build_removes(
    ray_session: Any, tmp_path: Path, seed_texts: dict[str, str]
) -> None:
    # pages of two hosts, each with its own line on every page (no rule names them), and
    # copies of one report on a third host: the coordinating task runs SiteRepeat's fit()
    src = tmp_path / "pages.jsonl"
    texts = list(seed_texts.values())
    with src.open("w", encoding="utf-8") as fh:
        for i in range(12):
            host = ("a.example.cn", "b.example.cn", "c.example.cn")[i % 3]
            own = {
                "a.example.cn": "专题栏目 | 政务公开 | 互动交流",
                "b.example.cn": "本栏目文章由县司法局法制股负责维护",
            }
            body = texts[0] if host == "c.example.cn" else texts[i % len(texts)]
            lines = [own.get(host, "本页为转载内容汇总页面"), body, f"第{i}号页面尾注栏目"]
            rec = {"text": "\n".join(lines), "url": f"https://{host}/{i}.html"}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")

    def pipeline() -> Pipeline:
        return Pipeline([DecodeStep(), SiteRepeat()])

    engine = _engine(cluster_fit=True, block_rows=3)
    build_dataset([src], tmp_path / "ray", pipeline=pipeline(), engine=engine)
    build_dataset([src], tmp_path / "local", pipeline=pipeline(), workers=1)
    _assert_same_dataset(tmp_path / "ray", tmp_path / "local")
    assert engine.fit_modes == {"site-repeat": "cluster"}
    ray_stats = json.loads((tmp_path / "ray" / "build.json").read_text(encoding="utf-8"))
    local_stats = json.loads((tmp_path / "local" / "build.json").read_text(encoding="utf-8"))
    assert ray_stats["corpus"] == local_stats["corpus"]
    rules = [x["rule"] for r in _rows(tmp_path / "ray", "data") for x in r["removed"]]
    assert rules.count("site-repeat") >= 8  # the two hosts' own lines, on every page


@pytest.mark.ray
@pytest.mark.slow
def test_only_bad_inputs_give_an_empty_dataset_and_every_manifest_row(
    ray_session: Any, tmp_path: Path
) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_bytes(b"")
    (src / "b.txt").write_bytes(b"\x00\x00\x00binary")
    result = build_dataset([src], tmp_path / "o", engine=_engine(cluster_fit=True))
    assert _rows(tmp_path / "o", "data") == []
    assert [r["reason"] for r in _rows(tmp_path / "o", "manifest")] == ["empty", "binary"]
    assert result.counts["rejected"] == 2


# -- the cluster fits of the default corpus steps, step by step ---------------------------
def _docs_dataset(ray: Any, docs: list[Document]) -> Any:
    import pickle

    import pyarrow as pa

    table = pa.table(
        {
            "seq": pa.array([d.seq for d in docs], pa.int64()),
            "doc": pa.array([pickle.dumps(d) for d in docs], pa.binary()),
        }
    )
    return ray.data.from_arrow([table.slice(i, 7) for i in range(0, max(1, len(docs)), 7)])


def _assert_same_verdicts(driver: Any, cluster: Any, docs: list[Document]) -> None:
    """The driver-fitted and the cluster-fitted dedup step give every document (a copy
    each) the same status, duplicate_of, reason and duplicates."""
    import copy

    def verdicts(step: Any) -> list[tuple[Any, ...]]:
        done = [step.apply(d) for d in copy.deepcopy(docs)]
        return [(d.status, d.duplicate_of, d.reason, d.duplicates) for d in done]

    assert verdicts(cluster) == verdicts(driver)


def _fit_both(ray: Any, make: Any, docs: list[Document], blocks: bool = False) -> tuple[Any, Any]:
    """``make()`` fitted in the driver and by its registered cluster fit on ``docs``
    (``blocks``: given the blocks' references too, as the engine gives them)."""
    import copy

    from lawrpt_corpus.engines import ray_engine  # noqa: F401  (registers the built-in fits)
    from lawrpt_corpus.engines.fits import RayContext, distributed_fit_of

    driver, cluster = make(), make()
    for doc in docs:
        driver.prepare(doc)
    driver.fit(copy.deepcopy(docs))
    fit = distributed_fit_of(cluster)
    assert fit is not None
    ds = _docs_dataset(ray, docs)
    refs = tuple(ds.to_arrow_refs()) if blocks else None
    state = fit(ds, RayContext(workers=2, block_rows=7, blocks=refs))
    assert state is not None and type(state) is type(driver.state)  # a state, not a mutation
    cluster.set_state(state)
    return driver, cluster


def _small_window(monkeypatch: pytest.MonkeyPatch, blocks: bool | str) -> None:
    """``blocks == "window"``: the shuffles in a window of 4 (rounds of 2 map tasks, merged
    per round and across rounds), coordinated in this process so that the window applies;
    the fits' map tasks of 4 input blocks each (the last one shorter), ≤ 2 of them (and of
    the gathered calls) at a time."""
    if blocks == "window":
        from lawrpt_corpus.engines import ray_fits

        monkeypatch.setattr(ray_fits, "_window", lambda workers: 4)
        monkeypatch.setattr(ray_fits, "_fit_blocks", lambda blocks, ctx: 4)
        monkeypatch.setattr(ray_fits, "_task_window", lambda workers: 2)
        monkeypatch.setattr(ray_fits, "COORDINATE_ON_CLUSTER", False)


def _small_corpus(seed_texts: dict[str, str]) -> list[Document]:
    """Every kind of duplicate of each seed, and a site footer line on 24 documents."""
    rng = random.Random(4)
    texts: list[str] = []
    for text in seed_texts.values():
        variant = _variant(text, rng)
        texts += [
            text,
            text,  # exact
            text.replace("\n", "\n \n"),  # exact after the comparison key
            variant,  # near (or exact when no number changed)
            text[: len(text) * 2 // 3],  # contained
            "短文本" * 5,  # too short for LSH: exact merges only
        ]
    footer = "\n本站由某市司法局主办 联系电话：0000-0000000\n"
    texts = [t + footer if i % 3 else t for i, t in enumerate(texts)][:40]
    docs = []
    for seq, text in enumerate(texts):
        doc = Document(f"doc{seq}.txt", format(seq, "016x"), len(text))
        doc.text, doc.seq = text, seq
        docs.append(doc)
    return docs


@pytest.mark.ray
@pytest.mark.slow
@pytest.mark.parametrize(
    "blocks", [False, True, "window"], ids=["ray-data", "blocks-coordinator-task", "window-of-4"]
)
def test_cluster_fits_of_repeated_lines_and_dedup_equal_the_driver_fits(
    ray_session: Any,
    seed_texts: dict[str, str],
    blocks: bool | str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the blocks (the engine's case) each fit is coordinated by a task on the
    cluster."""
    _small_window(monkeypatch, blocks)
    docs = _small_corpus(seed_texts)
    make = lambda: RepeatedLines(remove_min_docs=5)  # noqa: E731
    driver, cluster = _fit_both(ray_session, make, docs, blocks)
    assert cluster.stats() == driver.stats() and driver.stats()["removed_lines_total"] >= 1
    import copy

    docs = [driver.apply(d) for d in docs]
    assert [d.text for d in docs] == [cluster.apply(d).text for d in copy.deepcopy(docs)]
    driver, cluster = _fit_both(ray_session, lambda: Dedup(min_shingles=20), docs, blocks)
    stats = driver.stats()
    assert cluster.stats() == stats
    assert stats["exact"] >= 10 and stats["near"] + stats["contained"] >= 5
    _assert_same_verdicts(driver, cluster, docs)


def _drifting_copies(seed_texts: dict[str, str]) -> list[Document]:
    """Per seed (years removed, so the year guard never decides): 14 copies, each with ~1 %
    of its characters replaced at random — all near one another, so one component each —
    and an exact copy of every fifth."""
    rng = random.Random(11)
    texts: list[str] = []
    for text in list(seed_texts.values())[:3]:
        base = list(_YEAR.sub("", text))
        for k in range(14):
            copy = base[:]
            for pos in rng.sample(range(len(copy)), len(copy) // 100):
                copy[pos] = rng.choice(base)
            texts.append("".join(copy))
            if k % 5 == 0:
                texts.append(texts[-1])
    docs = []
    for seq, text in enumerate(texts):
        doc = Document(f"drift{seq}.txt", format(seq, "016x"), len(text))
        doc.text, doc.seq = text, seq
        docs.append(doc)
    return docs


@pytest.mark.ray
@pytest.mark.slow
@pytest.mark.parametrize("blocks", [False, True], ids=["ray-data", "blocks-coordinator-task"])
def test_dedup_stars_split_per_group_of_components_equal_the_driver_fit(
    ray_session: Any,
    seed_texts: dict[str, str],
    blocks: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One large component per seed whose star centers LSH paired with few of their
    members (``bucket_window=1``: only neighbours in a bucket), so the star split asks for
    the missing pairs over several rounds, verified in the group tasks; groups of ≤ 2
    documents aimed at (each component a group of its own): the same state as the driver
    fit over every document — the same verdicts, the same stats but ``passes`` (the driver
    counts passes over the documents, the cluster verification rounds)."""
    from lawrpt_corpus.engines import ray_fits

    monkeypatch.setattr(ray_fits, "_GROUP_DOCS", 2)
    docs = _drifting_copies(seed_texts)
    make = lambda: Dedup(min_shingles=20, bucket_window=1, bands=8, rows=4)  # noqa: E731
    driver, cluster = _fit_both(ray_session, make, docs, blocks)
    want, got = driver.stats(), cluster.stats()
    assert got.pop("passes") >= 3  # the candidates' pass, then ≥ 1 star round
    want.pop("passes")
    assert got == want and want["near"] + want["contained"] >= 30 and want["exact"] >= 1
    assert want["clusters"] >= 3
    _assert_same_verdicts(driver, cluster, docs)


def _mod3(block: Any, parts: int) -> Any:
    import pyarrow as pa

    v = block.column("v").to_numpy()
    return pa.table({"part": v % parts, "v": v})


@pytest.mark.ray
@pytest.mark.slow
def test_shuffle_pieces_are_put_by_the_map_tasks_and_only_references_come_back(
    ray_session: Any,
) -> None:
    """The submitter of a shuffle's map tasks (the fit's coordinator) gets a reference per
    non-empty piece, never the piece (Ray would inline a small one into its heap); the
    reducers' ``_concat`` reads them back in task order."""
    import numpy as np
    import pyarrow as pa

    from lawrpt_corpus.engines import ray_fits

    ray = ray_session
    values = [[0, 3, 6], [1, 4], [9, 12, 7]]  # part 2 gets nothing
    blocks = [ray.put(pa.table({"v": np.array(v, np.int64)})) for v in values]
    pieces = ray_fits._shuffle_map(blocks, _mod3, (3,), 3, 1)
    assert pieces.cuts == [0, 1, 2, 3]  # a group per part: 3 parts < the window
    got = [ray.get(group) for group in pieces.merged]
    assert all(isinstance(g, ray.ObjectRef) for group in got[:2] for g in group if g is not None)
    assert got[2] == [None, None, None]
    merged = [ray_fits._merged_pieces(*group) for group in got]
    assert merged[0][0].column("v").to_pylist() == [0, 3, 6, 9, 12]
    assert merged[1][0].column("v").to_pylist() == [1, 4, 7]
    assert merged[2] is None


def _tagged_rows(group: Any, tag: str) -> Any:
    return group.append_column("tag", [[tag] * group.num_rows])


@pytest.mark.ray
@pytest.mark.slow
def test_windowed_shuffle_holds_at_most_the_window_and_gives_each_part_its_rows_in_order(
    ray_session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shuffle of 120 map tasks into 16 parts with a window of 8: at most 8 map tasks
    unmerged and ≤ W × G + G × (R − 1) × levels objects referenced at once (counted by the
    shuffle's watch hook, not timed; all at once would be 120 tasks, 120 × 16 objects),
    and each part's rows are those a per-(map task, part) shuffle gives: every row of the
    part, in block order, through merges of 30 rounds on 3 levels."""
    import math

    import numpy as np
    import pyarrow as pa

    from lawrpt_corpus.engines import ray_fits

    ray = ray_session
    monkeypatch.setattr(ray_fits, "_MAP_WINDOW", 8)
    rng = np.random.default_rng(7)
    values = [rng.integers(0, 1000, int(rng.integers(0, 6))) for _ in range(120)]
    blocks = [ray.put(pa.table({"v": pa.array(v, pa.int64())})) for v in values]
    seen: list[tuple[int, int]] = []
    monkeypatch.setattr(ray_fits, "_watch", lambda maps, objs: seen.append((maps, objs)))
    parts, window = 16, 8
    pieces = ray_fits._shuffle_map(blocks, _mod3, (parts,), parts, 1, workers=1)
    groups, size = window // 4, window // 2
    assert pieces.cuts == [0, 8, 16]
    levels = math.floor(math.log(120 / size, size)) + 1  # 30 rounds: 3 levels
    assert seen and max(m for m, _ in seen) <= window
    assert max(o for _, o in seen) <= window * groups + groups * (size - 1) * levels
    assert max(len(m) for m in pieces.merged) <= (size - 1) * levels
    got = ray_fits._reduced(pieces, _tagged_rows, ("x",))
    assert len(got) == parts
    every = np.concatenate(values)
    for p, table in enumerate(got):
        want = every[every % parts == p].tolist()
        assert (table.column("v").to_pylist() if table is not None else []) == want
        assert table is None or set(table.column("tag").to_pylist()) == {"x"}
    # the same tables through _shuffled (non-empty parts, in part order)
    tables = ray_fits._shuffled(blocks, _mod3, (parts,), parts, _tagged_rows, ("x",), 1)
    assert [t.column("v").to_pylist() for t in tables] == [
        t.column("v").to_pylist() for t in got if t is not None
    ]


def _crash_once(marker: str) -> int:
    """Ray task: its worker dies (as on a lost node) the first time, then it returns 7."""
    if not os.path.exists(marker):
        Path(marker).touch()
        os._exit(1)
    return 7


def _fit_whose_task_dies(marker: str, docs: Any, ctx: Any) -> int:
    """A cluster fit (``step`` = a marker path) whose task dies beyond its retries (none)
    on the first attempt: the coordinator sees ``WorkerCrashedError``."""
    import ray

    return int(ray.get(ray.remote(max_retries=0)(_crash_once).remote(marker)))


def _fit_with_a_bug(log: str, docs: Any, ctx: Any) -> int:
    with open(log, "a") as fh:
        fh.write("attempt\n")
    raise KeyError("a bug")


@pytest.mark.ray
@pytest.mark.slow
def test_a_coordinated_fit_is_started_again_when_its_task_dies_but_not_on_a_bug(
    ray_session: Any, tmp_path: Path
) -> None:
    """A task of a fit that died beyond its retries (a worker or node lost) reaches the
    coordinator as ``WorkerCrashedError``, an exception of the fit's code for Ray: only
    ``coordinated``'s ``retry_exceptions`` restarts the fit (with ``ObjectLostError`` alone
    listed, the fit failed). A bug fails at once, without a second attempt."""
    from lawrpt_corpus.engines import ray_fits
    from lawrpt_corpus.engines.fits import RayContext

    ctx = RayContext(2, 64, blocks=())  # blocks given: coordinated by a task on the cluster
    marker = tmp_path / "died"
    assert ray_fits.coordinated(_fit_whose_task_dies)(str(marker), None, ctx) == 7
    assert marker.exists()  # the first attempt's task did die
    log = tmp_path / "attempts"
    with pytest.raises(KeyError):
        ray_fits.coordinated(_fit_with_a_bug)(str(log), None, ctx)
    assert log.read_text().splitlines() == ["attempt"]


def _kept_seqs(step: Any, docs: Any, ctx: Any) -> list[list[int]]:
    """A fit that reads its blocks: the ``seq`` of each kept block, and who made them."""
    import os

    import ray

    made = ctx.blocks.made
    tables = ray.get(list(ctx.blocks))
    return [[os.getpid(), int(made)], *[t.column("seq").to_pylist() for t in tables]]


@pytest.mark.ray
@pytest.mark.slow
def test_a_coordinated_fits_kept_blocks_are_made_by_its_task_not_the_driver(
    ray_session: Any,
) -> None:
    """The engine hands a cluster fit ``KeptBlocks`` (session 25): the kept documents of
    each processed block, made when first read, by the process that reads them. A fit
    coordinated by a task gets a copy that never carries references made elsewhere and
    makes them itself: the driver submits no task per block for the fit, and its own copy
    stays unmade; ``len`` makes nothing. The blocks are those the driver would make, in
    input order (rejected documents left out)."""
    import os
    import pickle

    import pyarrow as pa

    from lawrpt_corpus.document import Document
    from lawrpt_corpus.engines import ray_fits
    from lawrpt_corpus.engines.fits import RayContext
    from lawrpt_corpus.engines.ray_engine import KeptBlocks

    ray = ray_session

    def block(seqs: list[int]) -> Any:
        docs = [Document(f"d{q}", "0" * 64, 1, seq=q) for q in seqs]
        for d in docs:
            if d.seq % 3 == 0:
                d.reject("empty")
        return pa.table(
            {
                "seq": pa.array(seqs, pa.int64()),
                "kept": pa.array([d.kept for d in docs], pa.bool_()),
                "doc": pa.array([pickle.dumps(d) for d in docs], pa.binary()),
            }
        )

    processed = tuple(ray.put(block(s)) for s in ([0, 1, 2], [3, 4], [], [5, 6, 7, 8]))
    kept = KeptBlocks(processed, ray.put([]), 2)
    ctx = RayContext(2, 64, blocks=kept)
    assert len(kept) == 4 and not kept.made
    (pid, made), *seqs = ray_fits.coordinated(_kept_seqs)(None, None, ctx)
    assert pid != os.getpid() and made == 0  # the coordinator's copy, unmade when it came
    assert seqs == [[1, 2], [4], [], [5, 7, 8]]
    assert not kept.made  # the driver submitted nothing
    assert [t.column("seq").to_pylist() for t in ray.get(list(kept))] == seqs
    copy = pickle.loads(pickle.dumps(kept))  # a task's copy: its own tasks, not retried
    assert kept.made and not copy.made and (kept.retries, copy.retries) == (2, 0)


def _doubled(block: Any) -> Any:
    import pyarrow as pa

    return pa.table({"v": [2 * v for v in block.column("v").to_pylist()]})


@pytest.mark.ray
@pytest.mark.slow
def test_block_maps_run_in_a_window_and_keep_input_order_counts_and_tables(
    ray_session: Any,
) -> None:
    """``_Mapped`` with a window of 2 over 7 blocks (one empty): every block's table, put by
    its task, in input order, and the row count; ``_gathered`` keeps the calls' order."""
    import pyarrow as pa

    from lawrpt_corpus.engines import ray_fits

    ray = ray_session
    values = [[1, 2], [3], [], [4, 5, 6], [7], [8, 9], [10]]
    blocks = tuple(ray.put(pa.table({"v": pa.array(v, pa.int64())})) for v in values)
    mapped = ray_fits._Mapped(blocks, _doubled, (), 2)
    assert mapped.count() == 10
    refs = mapped.to_arrow_refs()
    assert all(isinstance(r, ray.ObjectRef) for r in refs)
    got = [t.column("v").to_pylist() for t in ray.get(refs)]
    assert got == [[2 * v for v in vs] for vs in values]
    task = ray.remote(lambda x: x * 3)
    assert ray_fits._gathered(task, [(i,) for i in range(150)]) == [3 * i for i in range(150)]


def _seq_doubled(block: Any) -> Any:
    import pyarrow as pa

    return pa.table({"seq": pa.array(block.column("v").to_pylist(), pa.int64())})


@pytest.mark.ray
@pytest.mark.slow
def test_block_maps_of_several_blocks_per_task_concatenate_them_and_return_their_seq_bounds(
    ray_session: Any,
) -> None:
    """``_Mapped`` with 3 input blocks per task (7 blocks: 3 tasks, the last of one block;
    an output block of empty inputs only): one table per task, its inputs' outputs in input
    order, and each output block's (rows, first ``seq``, last ``seq``) returned with it —
    the bounds ``Dedup``'s block map needs, without a task round of their own."""
    import pyarrow as pa

    from lawrpt_corpus.engines import ray_fits

    ray = ray_session
    values = [[1, 2], [3], [5], [], [], [], [9, 12]]
    blocks = tuple(ray.put(pa.table({"v": pa.array(v, pa.int64())})) for v in values)
    mapped = ray_fits._Mapped(blocks, _seq_doubled, (), 2, per_task=3, bounds=True)
    assert mapped.counts == [4, 0, 2] and mapped.count() == 6
    got = [t.column("seq").to_pylist() for t in ray.get(mapped.to_arrow_refs())]
    assert got == [[1, 2, 3, 5], [], [9, 12]]
    assert mapped.bounds == [(4, 1, 5), (0, 0, -1), (2, 9, 12)]
    assert ray_fits._Mapped(blocks, _seq_doubled, (), 2).bounds is None


@pytest.mark.ray
@pytest.mark.slow
def test_exact_dedup_cluster_fit_gives_the_driver_fits_state_with_or_without_ray_data(
    ray_session: Any, seed_texts: dict[str, str]
) -> None:
    """The plain-task shuffle on the text hash gives the ``ExactDedupState`` of ``fit()``
    (every later copy → the first copy's id; each first copy → its copies' sources in input
    order), both over the engine's blocks (``ctx.blocks``: the dataset is never touched) and
    over a Ray Dataset (a caller without blocks)."""

    import pyarrow as pa

    from lawrpt_corpus.engines.fits import RayContext, distributed_fit_of

    docs = _small_corpus(seed_texts)
    for k in range(12):  # later exact copies of the first twelve, some twice
        copy_ = Document(f"copy{k}.txt", format(100 + k, "016x"), 0)
        copy_.text, copy_.seq = docs[k % 7].text, len(docs)
        docs.append(copy_)
    driver, cluster = _fit_both(ray_session, ExactDedup, docs)
    assert driver.state is not None and len(driver.state.rep) >= 16
    assert len(driver.state.members) >= 6
    assert cluster.state == driver.state
    assert list(cluster.state.rep) == sorted(cluster.state.rep)  # input order

    class Untouchable:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"the dataset was used ({name})")

    import pickle

    table = pa.table(
        {
            "seq": pa.array([d.seq for d in docs], pa.int64()),
            "doc": pa.array([pickle.dumps(d) for d in docs], pa.binary()),
        }
    )
    blocks = tuple(ray_session.put(table.slice(i, 5)) for i in range(0, len(docs), 5))
    fit = distributed_fit_of(ExactDedup())
    assert fit is not None
    state = fit(Untouchable(), RayContext(workers=2, block_rows=5, blocks=blocks))
    assert state == driver.state
    _assert_same_verdicts(driver, cluster, docs)


@pytest.mark.ray
@pytest.mark.slow
@pytest.mark.parametrize(
    "blocks", [False, True, "window"], ids=["ray-data", "blocks-coordinator-task", "window-of-4"]
)
def test_templates_cluster_fit_equals_the_driver_fit(
    ray_session: Any,
    seed_texts: dict[str, str],
    blocks: bool | str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Same candidates, unrelated-holder counts, samples and report; same removals. With
    the blocks (the engine's case) the fit is coordinated by a task on the cluster."""
    _small_window(monkeypatch, blocks)
    import copy

    docs = _small_corpus(seed_texts)
    for k, doc in enumerate(docs):  # a templated line (numbers vary) on unrelated reports
        line = f"【本网讯】记者{k % 7 + 1}月{k % 28 + 1}日从市政府获悉，点击查看原文"
        doc.text = f"{doc.text}\n{line}"
    make = lambda: Templates(min_reports=3)  # noqa: E731
    driver, cluster = _fit_both(ray_session, make, docs, blocks)
    stats = driver.stats()
    assert cluster.stats() == stats
    assert stats["templates_removed"] >= 1 and stats["documents"] == len(docs)
    got = [cluster.apply(d) for d in copy.deepcopy(docs)]
    want = [driver.apply(d) for d in copy.deepcopy(docs)]
    assert [(d.text, d.removed, d.status) for d in got] == [
        (d.text, d.removed, d.status) for d in want
    ]


@pytest.mark.ray
@pytest.mark.slow
@pytest.mark.parametrize(
    "blocks", [False, True, "window"], ids=["ray-data", "blocks-coordinator-task", "window-of-4"]
)
def test_templates_cluster_fit_finds_the_bare_names_the_driver_fit_finds(
    ray_session: Any,
    blocks: bool | str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The bare-name layer (``span.bare``) on the cluster: the same ``TemplatesState`` as
    ``fit()`` (strict bare names, report rows) and the same cuts, on unrelated reports with
    a name glued in (recall3's corpus) plus later exact copies of some of them (counted
    once, as ``fit()`` counts distinct texts) and a name in too few reports."""
    _small_window(monkeypatch, blocks)
    import copy

    from ..boilerplate.test_boilerplate_templates import _bare_glued

    name = "蓝鲸小酱ovix"
    _, docs = _bare_glued(24, name, seed=61)
    _, few = _bare_glued(4, "夜雨听风阁", seed=62)  # in fewer than bare_min_reports
    docs += few
    for k in range(6):  # later exact copies
        later = copy.deepcopy(docs[k * 3])
        later.source = f"copy{k}/r.txt"
        docs.append(later)
    for seq, doc in enumerate(docs):
        doc.seq = seq
    driver, cluster = _fit_both(ray_session, Templates, docs, blocks)
    assert driver.state is not None and name in driver.state.bare
    assert "夜雨听风阁" not in driver.state.bare
    assert cluster.state == driver.state
    assert cluster.stats() == driver.stats()
    got = [cluster.apply(d) for d in copy.deepcopy(docs)]
    want = [driver.apply(d) for d in copy.deepcopy(docs)]
    assert [(d.text, d.removed) for d in got] == [(d.text, d.removed) for d in want]
    assert sum(name in d.text for d in got) == 0


@pytest.mark.ray
@pytest.mark.slow
def test_bare_names_cut_by_a_ray_build_with_the_cluster_fit_are_the_local_builds(
    ray_session: Any, tmp_path: Path
) -> None:
    """End to end: a build on Ray fitting ``Templates`` on the cluster writes the local
    build's rows on a corpus where ``span.bare`` fires (the name is gone from every text)."""
    from ..boilerplate.test_boilerplate_templates import _bare_glued

    name = "蓝鲸小酱ovix"
    _, docs = _bare_glued(24, name, seed=61)
    src = tmp_path / "in"
    src.mkdir()
    for i, doc in enumerate(docs):
        (src / f"r{i:02d}.txt").write_text(doc.text, encoding="utf-8")
    (src / "copy.txt").write_text(docs[0].text, encoding="utf-8")

    def pipeline() -> Pipeline:
        return Pipeline([DecodeStep(), Templates()])

    engine = _engine(cluster_fit=True, block_rows=5)
    build_dataset([src], tmp_path / "ray", pipeline=pipeline(), engine=engine)
    build_dataset([src], tmp_path / "local", pipeline=pipeline(), workers=1)
    assert engine.fit_modes == {"templates": "cluster"}
    _assert_same_dataset(tmp_path / "ray", tmp_path / "local")
    rows = _rows(tmp_path / "ray", "data")
    assert len(rows) == 25 and not any(name in r["text"] for r in rows)


@pytest.mark.ray
@pytest.mark.slow
def test_dedup_cluster_state_holds_only_documents_of_a_merge_decision(
    ray_session: Any, seed_texts: dict[str, str]
) -> None:
    """Documents in no exact group and no LSH candidate pair never reach the driver: the
    cluster fit's state covers the rest only, with the same stats and the same output."""

    docs = _small_corpus(seed_texts)
    rng = random.Random(7)
    common = "".join(sorted(set("".join(seed_texts.values())) - set("\n \t")))
    for k in range(25):  # unrelated documents: no shared shingles with anything
        text = "".join(rng.choice(common) for _ in range(600))
        doc = Document(f"lone{k}.txt", format(1000 + k, "016x"), len(text))
        doc.text, doc.seq = text, len(docs)
        docs.append(doc)
    driver, cluster = _fit_both(ray_session, lambda: Dedup(min_shingles=20), docs)
    assert cluster.stats() == driver.stats() and driver.stats()["documents"] == len(docs)
    # both hold only the documents of a merge (Dedup keeps no state for the others)
    assert driver.state.seq.size <= len(docs) - 25
    assert cluster.state.seq.size <= len(docs) - 25
    _assert_same_verdicts(driver, cluster, docs)


@pytest.mark.ray
@pytest.mark.slow
def test_cluster_fits_of_an_empty_corpus_leave_every_document_untouched(
    ray_session: Any, seed_texts: dict[str, str]
) -> None:
    for make in (RepeatedLines, Templates, Dedup):
        driver, cluster = _fit_both(ray_session, make, [])
        assert cluster.stats() == driver.stats()
        doc = _small_corpus(seed_texts)[0]
        assert cluster.apply(doc).status == "kept" and not doc.duplicates


# -- custom corpus steps: one fitted in the driver, one through the cluster hook -----------
@dataclass
class MarkCrossDocLines(CorpusStep):
    """Flags documents holding a line that at least ``min_docs`` kept documents share."""

    name = "mark-cross-doc-lines"
    min_docs: int = 3
    _common: set[str] = field(default_factory=set, repr=False)

    def prepare(self, doc: Document) -> None:
        doc.features["lines"] = sorted({ln for ln in doc.text.splitlines() if len(ln) > 8})

    def fit(self, docs: Iterable[Document]) -> None:
        counts: Counter[str] = Counter()
        for doc in docs:
            counts.update(doc.features["lines"])
        self._common = {ln for ln, c in counts.items() if c >= self.min_docs}

    def apply(self, doc: Document) -> Document:
        if self._common.intersection(doc.features["lines"]):
            doc.flag("cross_doc_line")
        return doc


@dataclass
class RecordKeptOrder(CorpusStep):
    """Writes, into each kept document, its rank among the kept documents it was fitted on."""

    name = "record-kept-order"
    calls: list[str] = field(default_factory=list, repr=False)
    _rank: dict[int, int] = field(default_factory=dict, repr=False)

    def fit(self, docs: Iterable[Document]) -> None:
        self.calls.append("fit")
        self._rank = {d.seq: i for i, d in enumerate(docs)}

    def fit_distributed(self, docs: Any, ctx: Any) -> None:
        self.calls.append("fit_distributed")
        seqs = docs.map_batches(_seqs, batch_size=None, batch_format="pyarrow")
        ordered = [s for b in seqs.iter_batches(batch_format="pyarrow") for s in b["s"].to_pylist()]
        self._rank = {s: i for i, s in enumerate(ordered)}

    def apply(self, doc: Document) -> Document:
        doc.meta["title"] = f"rank {self._rank[doc.seq]}"
        return doc


def _seqs(batch: Any) -> Any:
    import pyarrow as pa

    from lawrpt_corpus.engines.fits import RayContext

    docs = RayContext.documents(batch)
    assert all(d.kept for d in docs)
    return pa.table({"s": [d.seq for d in docs]})


@pytest.mark.ray
@pytest.mark.slow
def test_custom_corpus_steps_fitted_in_driver_and_by_hook_match_local(
    ray_session: Any, tmp_path: Path, seeds_dir: Path, seed_texts: dict[str, str]
) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for i, (name, text) in enumerate(seed_texts.items()):
        (src / name).write_text(text, encoding="utf-8")
        (src / f"dup{i}.txt").write_text(text, encoding="utf-8")
        (src / f"var{i}.txt").write_text(text + f"\n第{i}号附件", encoding="utf-8")

    def pipeline() -> Pipeline:
        return Pipeline(
            [DecodeStep(), ExactDedup(), MarkCrossDocLines(min_docs=2), RecordKeptOrder()]
        )

    ray_pipe = pipeline()
    engine = _engine(cluster_fit=True, block_rows=2)
    build_dataset([src], tmp_path / "ray", pipeline=ray_pipe, engine=engine)
    build_dataset([src], tmp_path / "local", pipeline=pipeline(), workers=1)
    _assert_same_dataset(tmp_path / "ray", tmp_path / "local")
    assert engine.fit_modes == {
        "exact-dedup": "cluster",
        "mark-cross-doc-lines": "driver",
        "record-kept-order": "cluster",
    }
    assert ray_pipe.steps[-1].calls == ["fit_distributed"]
    data = _rows(tmp_path / "ray", "data")
    assert [r["title"] for r in data] == [f"rank {i}" for i in range(10)]  # duplicates dropped
    assert all("cross_doc_line" in r["flags"] for r in data)


@dataclass
class CrashOnMarker(DocumentStep):
    """Kills its worker process (as a segfault would) on a document holding the marker."""

    name = "crash-on-marker"

    def __call__(self, doc: Document) -> Document:
        if "KILL-THE-WORKER" in doc.text:
            os._exit(1)
        return doc


@pytest.mark.ray
@pytest.mark.slow
def test_document_that_kills_its_worker_is_the_only_one_rejected(
    ray_session: Any, tmp_path: Path, seed_texts: dict[str, str]
) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for name, text in seed_texts.items():
        (src / name).write_text(text, encoding="utf-8")
    (src / "001_zz_bad.txt").write_text("KILL-THE-WORKER 法治政府建设年度报告", encoding="utf-8")
    pipe = Pipeline([DecodeStep(), CrashOnMarker(), ExactDedup()])
    build_dataset(
        [src], tmp_path / "ray", pipeline=pipe, engine=_engine(block_rows=2, task_retries=0)
    )
    manifest = {r["source"]: r for r in _rows(tmp_path / "ray", "manifest")}
    assert manifest["001_zz_bad.txt"]["reason"] == "error:worker_died"
    assert [r["status"] for s, r in manifest.items() if s != "001_zz_bad.txt"] == ["kept"] * 5


def _listed(first: int, n: int, size: int = 10_000) -> list[tuple[int, bytes, int, int]]:
    """A window's rows as ``RayEngine._windows`` makes them: ``n`` listed files from ``first``."""
    import pickle

    from lawrpt_corpus.io.item import InputItem

    rows = []
    for seq in range(first, first + n):
        path = f"/data/reports/province-{seq % 31:02d}/2024/report-{seq:08d}.html"
        item = InputItem(path, path=path, n_bytes=size)
        rows.append((seq, pickle.dumps(item, pickle.HIGHEST_PROTOCOL), 1, size))
    return rows


@pytest.mark.ray
def test_default_blocks_grow_with_the_documents_listed_up_to_the_rows_and_bytes_caps() -> None:
    pytest.importorskip("ray")
    from lawrpt_corpus.engines import ray_engine

    engine = _engine(workers=2)  # not started: the CPU count given
    assert engine.block_rows is None
    sizes = [sum(r[2] for r in b) for b in engine._blocks(_listed(0, 1000))]
    # a small corpus: 4 blocks per CPU, as balanced as before
    assert sizes == [125] * 8
    # a later window of a large corpus: blocks of the cap, whatever the window's size
    later = engine._blocks(_listed(100_000, 16_384))
    assert [sum(r[2] for r in b) for b in later] == [ray_engine.AUTO_BLOCK_ROWS] * 8
    # large files: a block is cut at the bytes cap
    big = engine._blocks(_listed(100_000, 300, size=1 << 20))
    assert [len(b) for b in big] == [64] * 4 + [44]
    assert sum(r[3] for r in big[0]) == ray_engine.AUTO_BLOCK_BYTES
    # an explicit block_rows: as before session 26 (2 blocks per CPU of the window at most)
    explicit = _engine(workers=2, block_rows=64)
    assert [len(b) for b in explicit._blocks(_listed(100_000, 1000))] == [64] * 15 + [40]
    assert [len(b) for b in explicit._blocks(_listed(0, 100))] == [25] * 4


@pytest.mark.ray
def test_a_blocks_inputs_travel_packed_in_a_few_bytes_per_listed_file() -> None:
    pytest.importorskip("ray")
    from lawrpt_corpus.engines.ray_engine import _pack, _unpack

    rows = _listed(5_000, 2048)
    packed = _pack(rows)
    assert _unpack(packed) == [(seq, blob) for seq, blob, _, _ in rows]
    # what Ray keeps in the driver for the block's lineage: ~120 B of pickled input each
    # unpacked (an Arrow table of them before session 26), a few tens packed
    assert sum(len(blob) for _, blob, _, _ in rows) / len(rows) > 100
    assert len(packed) / len(rows) < 30


@pytest.mark.ray
def test_a_failed_blocks_packed_inputs_are_redone_one_document_each() -> None:
    pytest.importorskip("ray")
    import pickle

    from lawrpt_corpus.engines.ray_engine import _one_per_document, _pack, _unpack
    from lawrpt_corpus.io.containers import ContainerSlice
    from lawrpt_corpus.io.item import ContainerItem

    box = ContainerItem("box.jsonl", "/data/box.jsonl", 1 << 20)
    piece = ContainerSlice(box, 10, 13, at=(400, 10))
    rows = [*_listed(7, 2), (9, pickle.dumps(piece, pickle.HIGHEST_PROTOCOL), 3, 0)]
    ones = [one for seq, blob in _unpack(_pack(rows)) for one in _one_per_document(seq, blob)]
    assert [seq for seq, _ in ones] == [7, 8, 9, 10, 11]
    assert ones[:2] == [(seq, blob) for seq, blob, _, _ in rows[:2]]  # files as they were
    records = [pickle.loads(blob) for _, blob in ones[2:]]
    # the slice's records one by one, read from the container's start (no resume point)
    assert [(r.start, r.stop, r.at) for r in records] == [
        (10, 11, None),
        (11, 12, None),
        (12, 13, None),
    ]


@pytest.mark.ray
@pytest.mark.slow
def test_cli_engine_ray_builds_the_seeds(ray_session: Any, tmp_path: Path, seeds_dir) -> None:
    out = tmp_path / "o"
    assert main(["build", str(seeds_dir), "--engine", "ray", "--out", str(out), "-q"]) == 0
    assert json.loads((out / "build.json").read_text(encoding="utf-8"))["engine"] == "ray"


@pytest.mark.ray
@pytest.mark.slow
@pytest.mark.parametrize("blind_to", ["input", "output folder"])
def test_cli_build_on_a_cluster_whose_node_cannot_see_a_path_is_one_line_naming_it(
    ray_session: Any, tmp_path: Path, seeds_dir: Path, capsys, monkeypatch, blind_to: str
) -> None:
    """A node whose workers cannot see the first input (or the output's staging folder)
    stops the build before any processing: status 2 (a user error), one line naming that
    node and the path, no traceback, nothing written. The per-node probe is faked at its
    seam (every node of a one-machine cluster sees the same files); that it runs on every
    node is tested on a real two-raylet cluster (test_ray_cluster_io.py)."""
    from lawrpt_corpus.engines import ray_engine

    seeds = str(seeds_dir.resolve())
    asked: list[str] = []

    def on_every_node(self: Any, fn: Any, arg: str) -> list[tuple[str, Any]]:
        asked.append(arg)
        blind = arg.startswith(seeds) if blind_to == "input" else not arg.startswith(seeds)
        return [("10.0.0.7 (ab12cd34)", not blind), ("10.0.0.8 (ef56ab78)", True)]

    monkeypatch.setattr(ray_engine.RayEngine, "_on_every_node", on_every_node)
    out = tmp_path / "o"
    args = ["build", seeds, "--engine", "ray", "--ray-address", "auto", "--out", str(out), "-q"]
    assert main(args) == 2  # Ray is initialised (the session's): the address is not dialled
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(err) == 1, err
    assert err[0].startswith(
        f"error: the Ray workers on node 10.0.0.7 (ab12cd34) cannot see the {blind_to} "
    )
    assert "10.0.0.8" not in err[0]
    assert ("read_in_driver=True" if blind_to == "input" else "write_in_workers=False") in err[0]
    assert asked and not out.exists()


# -- without Ray ---------------------------------------------------------------------------
def test_ray_address_without_ray_engine_exits_2(tmp_path: Path, capsys) -> None:
    assert main(["build", "--ray-address", "auto", "--out", str(tmp_path / "o")]) == 2
    assert "--engine ray" in capsys.readouterr().err


def test_ray_engine_without_ray_installed_exits_2_with_install_hint(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now fails as if absent
    monkeypatch.setitem(sys.modules, "ray.data", None)
    assert main(["build", "--engine", "ray", "--out", str(tmp_path / "o"), "-q"]) == 2
    assert 'pip install "lawrpt_corpus[ray]"' in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_ray_cluster_failure_mid_build_is_one_line_and_writes_nothing(
    tmp_path: Path, capsys, monkeypatch, seeds_dir: Path
) -> None:
    """An error Ray raises when it gives up (here: a stand-in of its class, raised from the
    engine) ends the CLI with status 1 and one line; the dataset folder never appears."""
    pytest.importorskip("ray")
    from lawrpt_corpus.engines import ray_engine

    lost = type("ObjectLostError", (Exception,), {"__module__": "ray.exceptions"})

    def write_dataset(self: Any, *a: Any, **k: Any) -> Any:
        raise lost("Failed to retrieve object 00ff.\nAll copies of 00ff have been lost")

    # the build enters the engine through write_dataset (workers write the shards)
    monkeypatch.setattr(ray_engine.RayEngine, "write_dataset", write_dataset)
    out = tmp_path / "o"
    assert main(["build", str(seeds_dir), "--engine", "ray", "--out", str(out), "-q"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: the Ray cluster failed mid-build")
    assert "ObjectLostError: Failed to retrieve object 00ff." in err[0]
    assert not out.exists()


def test_a_node_lost_under_a_fit_task_is_one_line_naming_rays_error(
    tmp_path: Path, monkeypatch, capsys, seeds_dir
) -> None:
    """A fit's coordinator that got ``OwnerDiedError`` from one of its tasks (a worker node
    lost beyond the fit's retries) reaches the driver wrapped in a ``RayTaskError``: the one
    line names the Ray error, not the wrapper's traceback."""
    ray = pytest.importorskip("ray")
    from lawrpt_corpus.engines import ray_engine

    lost = ray.exceptions.OwnerDiedError("00ff", b"", "")

    def write_dataset(self: Any, *a: Any, **k: Any) -> Any:
        inner = ray.exceptions.RayTaskError("_storing", "Traceback: …", lost)
        inner = inner.as_instanceof_cause()  # RayTaskError(OwnerDiedError), as Ray raises it
        raise ray.exceptions.RayTaskError("fit_templates", "Traceback: …", inner)

    monkeypatch.setattr(ray_engine.RayEngine, "write_dataset", write_dataset)
    out = tmp_path / "o"
    assert main(["build", str(seeds_dir), "--engine", "ray", "--out", str(out), "-q"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("error: the Ray cluster failed mid-build (OwnerDiedError: ")
    assert "Failed to retrieve object 00ff." in err[0] and "run the same command" in err[0]
    assert "Traceback" not in err[0] and not out.exists()


def test_a_bug_raised_inside_a_ray_task_keeps_its_traceback(
    tmp_path: Path, monkeypatch, seeds_dir
) -> None:
    """Our exception raised in a Ray task arrives as ``RayTaskError(KeyError)``, a class of
    ``ray.exceptions``: still a bug (traceback), not "the cluster failed, run it again"."""
    ray = pytest.importorskip("ray")
    from lawrpt_corpus.engines import ray_engine

    def write_dataset(self: Any, *a: Any, **k: Any) -> Any:
        bug = ray.exceptions.RayTaskError("fit_dedup", "Traceback: …", KeyError("a bug"))
        raise bug.as_instanceof_cause()

    monkeypatch.setattr(ray_engine.RayEngine, "write_dataset", write_dataset)
    with pytest.raises(KeyError):
        main(["build", str(seeds_dir), "--engine", "ray", "--out", str(tmp_path / "o"), "-q"])


def test_a_bug_under_the_ray_engine_still_raises(tmp_path: Path, monkeypatch, seeds_dir) -> None:
    pytest.importorskip("ray")
    from lawrpt_corpus.engines import ray_engine

    def write_dataset(self: Any, *a: Any, **k: Any) -> Any:
        raise KeyError("a bug")

    monkeypatch.setattr(ray_engine.RayEngine, "write_dataset", write_dataset)
    with pytest.raises(KeyError):
        main(["build", str(seeds_dir), "--engine", "ray", "--out", str(tmp_path / "o"), "-q"])


@pytest.mark.slow
def test_core_build_never_imports_ray(tmp_path: Path, seeds_dir: Path) -> None:
    code = (
        "import sys, lawrpt_corpus\n"
        "import lawrpt_corpus.engines.ray_engine\n"
        f"lawrpt_corpus.build([{str(seeds_dir)!r}], {str(tmp_path / 'o')!r}, workers=1)\n"
        "print(sorted(m for m in sys.modules if m == 'ray' or m.startswith('ray.')))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "[]"
