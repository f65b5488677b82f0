"""The benchmark corpus generator and runner (benchmarks/), at a tiny size so they cannot rot."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
DUP_KINDS = {"exact", "reencoded", "repunctuated", "traditional", "light_edit", "truncated"}


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    return _load("generate")


@pytest.fixture(scope="module")
def corpus(gen: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus") / "c"
    gen.generate(300, out, seed=0)
    return out


def _truth(corpus: Path) -> list[dict]:
    with open(corpus / "truth.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def _decode(corpus: Path, rec: dict) -> str:
    codec = {"big5": "cp950"}.get(rec["encoding"], rec["encoding"])
    if rec["bom"]:
        codec = {"utf-8": "utf-8-sig", "utf-16-le": "utf-16"}[codec]
    return (corpus / rec["file"]).read_bytes().decode(codec)


def test_same_seed_writes_the_same_bytes_and_another_seed_does_not(
    gen: ModuleType, tmp_path: Path
) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    gen.generate(40, a, seed=3)
    gen.generate(40, b, seed=3)
    gen.generate(40, c, seed=4)
    assert (a / "truth.jsonl").read_bytes() == (b / "truth.jsonl").read_bytes()
    files = sorted(p.relative_to(a) for p in (a / "raw").rglob("*.txt"))
    assert len(files) == 40
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)
    assert any((a / f).read_bytes() != (c / f).read_bytes() for f in files)


def test_every_file_decodes_with_its_recorded_codec_and_holds_its_boilerplate(
    corpus: Path,
) -> None:
    recs = _truth(corpus)
    assert len(recs) == 300
    for rec in recs:
        text = _decode(corpus, rec)
        if rec["lossy_chars"] == 0:
            for b in rec["boilerplate"]:
                assert b["text"] in text, (rec["file"], b)
        if rec["encoding"] == "utf-16-le" and not rec["bom"]:
            assert not (corpus / rec["file"]).read_bytes().startswith(b"\xff\xfe")


def test_corpus_mixes_encodings_widths_scripts_boilerplate_and_every_duplicate_kind(
    corpus: Path,
) -> None:
    recs = _truth(corpus)
    kinds = Counter(r["kind"] for r in recs)
    assert set(kinds) == DUP_KINDS | {"original"}
    assert 0.12 <= 1 - kinds["original"] / len(recs) <= 0.28
    encodings = Counter(r["encoding"] for r in recs)
    assert {"utf-8", "gb18030", "big5", "utf-16-le"} <= set(encodings)
    assert encodings["utf-8"] > len(recs) / 2
    assert {r["bom"] for r in recs if r["encoding"] == "utf-16-le"} == {True, False}
    assert {"full", "half"} <= {r["width"] for r in recs}
    assert {r["script"] for r in recs if r["kind"] == "traditional"} == {"traditional"}
    cats = {b["cat"] for r in recs for b in r["boilerplate"]}
    assert {"breadcrumb", "byline", "widget", "mobile", "footer", "ad", "paywall"} <= cats
    # boilerplate wording varies: many distinct breadcrumbs and bylines, not one copied line
    assert len({b["text"] for r in recs for b in r["boilerplate"] if b["cat"] == "byline"}) > 20


def test_originals_are_report_sized_and_copies_relate_to_their_original(corpus: Path) -> None:
    recs = _truth(corpus)
    originals = {r["doc"]: r for r in recs if r["kind"] == "original"}
    sizes = [r["content_chars"] for r in originals.values()]
    assert min(sizes) >= 3000 and max(sizes) <= 6000
    for rec in recs:
        orig = originals[rec["doc"]]  # every copy's original is in the corpus
        if rec["kind"] == "exact":
            assert (corpus / rec["file"]).read_bytes() == (corpus / orig["file"]).read_bytes()
        elif rec["kind"] == "reencoded":
            assert rec["encoding"] != orig["encoding"] or rec["bom"] != orig["bom"]
            assert _decode(corpus, rec).lstrip("\ufeff") == _decode(corpus, orig).lstrip("\ufeff")
        elif rec["kind"] == "truncated":
            assert 0.55 <= rec["content_chars"] / orig["content_chars"] <= 0.85
        elif rec["kind"] == "traditional":
            assert "報告" in _decode(corpus, rec) or "報" in _decode(corpus, rec)


def test_generator_cli_refuses_a_non_positive_size(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(BENCH / "generate.py"), "--n", "0", "--out", str(tmp_path / "x")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "--n" in proc.stderr
    assert not (tmp_path / "x").exists()


def test_update_docs_rewrites_only_between_the_markers_and_refuses_a_doc_without_them(
    tmp_path: Path,
) -> None:
    run = _load("run")
    doc = tmp_path / "perf.md"
    doc.write_text(f"# Perf\nintro\n{run.MARK_START}\nold table\n{run.MARK_END}\nafter\n")
    run.update_docs("| new | table |\n", doc)
    assert doc.read_text() == (
        f"# Perf\nintro\n{run.MARK_START}\n| new | table |\n{run.MARK_END}\nafter\n"
    )
    bare = tmp_path / "bare.md"
    bare.write_text("no markers here\n")
    with pytest.raises(ValueError):
        run.update_docs("x", bare)
    assert bare.read_text() == "no markers here\n"


@pytest.mark.slow
def test_runner_measures_build_floor_and_every_pipeline_stage_at_tiny_size(
    tmp_path: Path,
) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [
            sys.executable,
            str(BENCH / "run.py"),
            "--sizes",
            "200",
            "--workers",
            "2",
            "--no-peers",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    r = results["sizes"]["200"]
    counts = r["build"]["result"]["counts"]
    assert counts["inputs"] == 200
    assert counts["kept"] + counts["duplicates"] + counts["rejected"] == 200
    assert r["build"]["returncode"] == 0 and r["build"]["peak_mem_bytes"] > 0
    assert r["floor"]["result"]["docs"] == 200 and r["floor"]["docs_per_s"] > 0
    sys.path.insert(0, str(ROOT / "src"))
    from lawrpt_corpus import default_pipeline

    stages = r["stages"]["per_stage"]
    pipe = default_pipeline()
    for step in pipe.document_steps:
        assert step.name in stages
    for cstep in pipe.corpus_steps:
        for part in ("prepare", "fit", "apply"):
            assert f"{cstep.name}.{part}" in stages
    assert {t["target"].split(" (")[0] for t in results["targets"]} >= {
        "build ≥ 2,000 docs/s",
        "build within 5× of the I/O floor",
    }
    assert "| 200 | full `build` |" in proc.stdout
    # quality against the truth file: byte-identical copies are always caught, never a
    # duplicate link between two different reports
    q = r["quality"]
    assert q["duplicates"]["caught_by_kind"]["exact"] == 1.0
    assert q["duplicates"]["false_links"] == 0
    assert q["decoded_by_codec"]["utf-8"] == 1.0
    assert set(q["boilerplate_left"]) >= {"breadcrumb", "byline", "footer"}
    # the saved results re-render to the same table without measuring anything again
    again = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--report-only", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert again.returncode == 0
    assert again.stdout.strip() == proc.stdout.strip()


_BURNER = r"""
import os, signal, sys, time
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # as a raylet: exited children reaped unseen
ready, go = sys.argv[1], sys.argv[2]
if os.fork() == 0:
    while time.process_time() < 0.4:  # a worker's CPU, then idle until told to exit
        pass
    open(ready, "w").close()
    while not os.path.exists(go):
        time.sleep(0.01)
    os._exit(0)
while True:
    time.sleep(0.05)
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_cluster_cpu_counts_a_worker_that_exited_unreaped_by_its_parent(tmp_path: Path) -> None:
    """The Ray harness's CPU sampler keeps the CPU of a child that exits while its parent
    ignores SIGCHLD (no ``cutime`` reaches the parent): the figure the old accounting lost."""
    from tests.helpers.ray_cluster import ClusterCpu, cpu_seconds

    ready, go = tmp_path / "ready", tmp_path / "go"
    parent = subprocess.Popen([sys.executable, "-c", _BURNER, str(ready), str(go)])
    try:

        def tree() -> list[int]:
            kids = Path(f"/proc/{parent.pid}/task/{parent.pid}/children").read_text().split()
            return [parent.pid, *map(int, kids)]

        sampler = ClusterCpu(tree, interval=3600.0).start()  # samples only when asked
        living0 = cpu_seconds(tree())
        while not ready.exists():  # the child burns its CPU
            time.sleep(0.01)
        sampler.sample()  # the child, idle: its CPU so far
        go.touch()
        while len(tree()) > 1:  # gone, reaped by the kernel
            time.sleep(0.01)
        assert sampler.stop() >= 0.3
        assert sampler.by_kind().keys() == {"other"}
        assert cpu_seconds(tree()) - living0 < 0.2  # exited unreaped: lost to /proc's cutime
    finally:
        parent.kill()
        parent.wait()


@pytest.mark.slow
def test_local_templates_fit_bench_gives_one_state_with_and_without_the_pool(
    tmp_path: Path,
) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    cmd = [sys.executable, str(BENCH / "bench_templates_local_fit.py"), "--docs", "40"]
    got = subprocess.run([*cmd, "--rounds", "1"], check=True, capture_output=True, env=env)
    runs = json.loads(got.stdout)["runs"]
    assert [r["revision"] for r in runs] == ["this, one worker", "this, pool of 2"]
    assert len({r["state_digest"] for r in runs}) == 1
    assert all(r["docs"] > 0 and r["driver_cpu_s"] >= 0 for r in runs)


@pytest.mark.slow
def test_final_pass_bench_reports_both_trees_for_every_round(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    seeds = str(ROOT / "seeds")
    cmd = [sys.executable, str(BENCH / "bench_final_pass.py"), seeds, "--rounds", "1"]
    got = subprocess.run(
        [*cmd, "--baseline", str(ROOT / "src")], check=True, capture_output=True, env=env
    ).stdout.decode()
    rows = [line.split() for line in got.splitlines() if line.startswith("1 ")]
    assert [r[1] for r in rows] == ["baseline", "this"]
    for r in rows:  # final wall (apply, with shards), final driver CPU, build wall, CPU ×2
        figures = [float(x) for x in r[-6:]]
        assert figures[3] > 0 and figures[4] > 0 and all(x >= 0 for x in figures)


def test_structure_bench_prepares_reports_and_times_the_layer_on_and_off(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bench = _load("bench_structure")
    docs = bench.prepared(6)
    assert docs and all(d.kept and d.text for d in docs)
    monkeypatch.setattr(sys, "argv", ["bench_structure.py", "-n", "6", "--rounds", "1"])
    bench.main()
    out = capsys.readouterr().out
    assert "layer on" in out and "outputs changed 0" in out


@pytest.mark.slow
def test_templates_step_bench_times_the_three_stages_and_compares_every_output(
    tmp_path: Path,
) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    cmd = [sys.executable, str(BENCH / "bench_templates_step.py"), str(ROOT / "seeds")]
    cmd += ["--docs-file", str(tmp_path / "docs.pkl"), "--rounds", "1"]
    got = subprocess.run(
        [*cmd, "--baseline", str(ROOT / "src")], check=True, capture_output=True, env=env
    ).stdout.decode()
    rows = {line.split()[0]: line.split()[1:3] for line in got.splitlines()[2:5]}
    assert list(rows) == ["prepare", "fit", "apply"]
    assert all(float(x) >= 0 for r in rows.values() for x in r)
    for key in ("features", "state", "output"):
        assert f"{key}: same" in got


@pytest.mark.slow
def test_doc_pickle_bench_reports_both_trees_for_every_round() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    cmd = [sys.executable, str(BENCH / "bench_doc_pickle.py"), str(ROOT / "seeds"), "-n", "4"]
    cmd += ["--rounds", "1", "--repeat", "1", "--baseline", str(ROOT / "src")]
    got = subprocess.run(cmd, check=True, capture_output=True, env=env).stdout.decode()
    rows = [line.split() for line in got.splitlines()]
    assert [r[:3] for r in rows] == [["1", "baseline", "4"], ["1", "this", "4"]]
    for r in rows:  # unpickle and pickle µs per document, pickled bytes per document
        assert float(r[5]) > 0 and float(r[8]) > 0 and float(r[10]) > 1000
