"""report.html: self-contained, every chart present, numbers equal to build.json.

The browser test opens the page in a real headless Chromium (Debian's ``chromium``) over
the DevTools protocol. Set ``LAWRPT_UPDATE_SCREENSHOT=1`` to refresh docs/img/report.png.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
from pathlib import Path

import pytest

from lawrpt_corpus import build
from lawrpt_corpus.publish.report import CHARTS, render, repeated_lines, write_report

from ..helpers import report_cases
from ..helpers.browser import Browser, find_chromium
from ..helpers.demo_steps import demo_pipeline, make_corpus

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_build(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Path:
    raw = make_corpus(seeds_dir, tmp_path_factory.mktemp("in") / "raw")
    out = tmp_path_factory.mktemp("b") / "out"
    result = build([raw], out, pipeline=demo_pipeline(), workers=1)
    write_report(out, result.summary)
    return out


def _summary(out: Path) -> dict:
    return json.loads((out / "build.json").read_text(encoding="utf-8"))


def _counts_in_page(page: str) -> dict[str, int]:
    cells = re.findall(r'data-count="([^"]+)">([\d,]+)<', page)
    return {k: int(v.replace(",", "")) for k, v in cells}


def test_report_is_self_contained_with_every_chart(demo_build: Path) -> None:
    page = (demo_build / "report.html").read_text(encoding="utf-8")
    assert "<script src" not in page and "<link" not in page  # nothing fetched
    assert page.count("Plotly.newPlot(") == len(CHARTS)
    for name in CHARTS:
        assert f'id="chart-{name}"' in page


def test_report_stays_small_with_the_partial_plotly_bundle(demo_build: Path) -> None:
    """≤ 1.5 MB (was 4.8 MB with the full plotly.js); every chart uses a trace type the
    inlined bundle draws, and the bundle is the file its provenance note names."""
    import hashlib

    from lawrpt_corpus.publish.report import BUNDLE_TRACES, PLOTLY_JS, figures, read_aggregates

    size = (demo_build / "report.html").stat().st_size
    assert size <= 1_500_000, size
    digest = hashlib.sha256(PLOTLY_JS.read_bytes()).hexdigest()
    assert digest == "99784e3abfb07b142a15e521a439e6d9addceadb3f79553fd24c72774f0649ba"
    assert digest in (PLOTLY_JS.parent / "plotly-basic.PROVENANCE.md").read_text("utf-8")
    figs = figures(_summary(demo_build), read_aggregates(demo_build))
    assert {t["type"] for fig in figs.values() for t in fig["data"]} <= BUNDLE_TRACES


def test_a_chart_the_bundle_cannot_draw_is_refused() -> None:
    from lawrpt_corpus.publish import report

    real = report.figures
    funnel = {"data": [{"type": "funnel", "x": [1], "y": ["a"]}], "layout": {}}
    try:
        report.figures = lambda summary, agg: {"funnel": funnel}
        with pytest.raises(ValueError, match="funnel"):
            render({}, {"lengths": [], "widths": [], "clusters": []})
    finally:
        report.figures = real


@pytest.mark.parametrize("case", sorted(report_cases.cases()))
def test_charts_are_the_figures_plotly_built_before(case: str) -> None:
    """The figure dicts written directly are, parsed, the figures that
    ``plotly.graph_objects`` built and ``plotly.io.to_html`` wrote (commit bfb02f8; golden
    file), for summaries that take every branch of every chart."""
    golden = json.loads(report_cases.GOLDEN.read_text(encoding="utf-8"))[case]
    page = render(*report_cases.cases()[case])
    assert report_cases.chart_payloads(page) == golden
    assert list(golden) == [f"chart-{name}" for name in CHARTS]


def test_chart_div_is_what_plotly_io_writes_for_the_validated_figure() -> None:
    """Each chart is a valid plotly figure (plotly validates every property) and its
    ``<div>`` is the one ``plotly.io.to_html`` writes for it, up to JSON key order."""
    import plotly.io as pio

    from lawrpt_corpus.publish.report import chart_div, figures, styled

    for summary, agg in report_cases.cases().values():
        for name, fig in figures(summary, agg).items():
            fig = styled(fig)
            ours = chart_div(fig, f"chart-{name}")
            theirs = pio.to_html(
                fig,
                validate=True,
                full_html=False,
                include_plotlyjs=False,
                div_id=f"chart-{name}",
                default_height=380,
                config={"displayModeBar": False, "responsive": True},
            )
            assert report_cases.chart_payloads(ours) == report_cases.chart_payloads(theirs)
            shell = re.compile(r"Plotly\.newPlot\(.*\)", re.S)
            assert shell.sub("", ours) == shell.sub("", theirs)


def test_funnel_and_removal_numbers_equal_build_json(demo_build: Path) -> None:
    page = (demo_build / "report.html").read_text(encoding="utf-8")
    c = _summary(demo_build)["counts"]
    shown = _counts_in_page(page)
    for key in ("inputs", "kept", "duplicates", "rejected"):
        assert shown[key] == c[key]
    for reason, n in c["rejected_by_reason"].items():
        assert shown[f"rejected:{reason}"] == n
    assert shown["decoded"] == c["inputs"] - c["rejected_by_reason"].get("binary", 0) - c[
        "rejected_by_reason"
    ].get("empty", 0)
    for rule, n in c["removals_by_rule"].items():
        chars = c["removed_chars_by_rule"][rule]
        row = rf'<td>{re.escape(rule)}</td><td>[^<]*</td><td class="num">{n}</td>'
        assert re.search(row + rf'<td class="num">{chars}</td>', page)


def test_clusters_and_candidate_lines_come_from_the_build(demo_build: Path) -> None:
    page = (demo_build / "report.html").read_text(encoding="utf-8")
    assert "mirror-exact.txt (exact)" in page
    assert re.search(r"mirror-near\.txt \(near:0\.\d\d\)", page)
    assert "（来源：政务公开办 责任编辑：网站管理员）" in page


def test_untrusted_text_is_escaped_and_empty_build_still_renders() -> None:
    evil = "<img src=x onerror=alert(1)>"
    summary = {
        "counts": {"inputs": 1, "kept": 1, "removals_by_rule": {evil: 1}},
        "corpus": {"lines": {"candidates": [{"line": evil, "docs": 3}]}},
    }
    agg = {
        "lengths": [10],
        "widths": [],
        "clusters": [{"id": "a", "source": evil, "members": [{"source": evil, "reason": "exact"}]}],
    }
    page = render(summary, agg)
    assert evil not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    empty = render({}, {"lengths": [], "widths": [], "clusters": []})
    for name in CHARTS:
        assert f'id="chart-{name}"' in empty


def test_candidate_lines_accept_the_shapes_corpus_steps_report() -> None:
    summary = {
        "corpus": {
            "a": {"candidates": [{"line": "x", "docs": 5}, ["y", 9], "z"]},
            "b": {"candidate_lines": {"w": 2}},
            "c": {"other": [1, 2]},
        }
    }
    assert repeated_lines(summary) == [("y", 9), ("x", 5), ("w", 2), ("z", None)]


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


@pytest.mark.slow
def test_report_in_headless_chromium(demo_build: Path, tmp_path: Path) -> None:
    pytest.importorskip("websocket", reason="websocket-client (test extra) is not installed")
    binary = find_chromium()
    if binary is None:
        pytest.skip("chromium is not installed (Debian: apt-get install -y chromium)")
    summary = _summary(demo_build)
    c = summary["counts"]
    browser = Browser(binary)
    try:
        browser.open((demo_build / "report.html").as_uri())
        browser.wait_for(
            "[...document.querySelectorAll('[id^=chart-]')]"
            ".every(d => d.querySelector('svg.main-svg'))",
            timeout=60,
        )
        assert browser.errors() == []
        assert browser.requests() == [(demo_build / "report.html").as_uri()]
        ids = browser.eval("[...document.querySelectorAll('.js-plotly-plot')].map(d => d.id)")
        assert ids == [f"chart-{name}" for name in CHARTS]
        # every chart fits its cell (none drawn wider than the column it sits in)
        overflow = browser.eval(
            "[...document.querySelectorAll('.js-plotly-plot')].filter(d => "
            "d.querySelector('svg.main-svg').getBoundingClientRect().width > "
            "d.parentElement.getBoundingClientRect().width + 1).map(d => d.id)"
        )
        assert overflow == []
        counts = browser.eval(
            "Object.fromEntries([...document.querySelectorAll('[data-count]')]"
            ".map(e => [e.dataset.count, Number(e.textContent.replace(/,/g, ''))]))"
        )
        assert {k: counts[k] for k in ("inputs", "kept", "duplicates", "rejected")} == {
            k: c[k] for k in ("inputs", "kept", "duplicates", "rejected")
        }
        funnel = browser.eval("document.getElementById('chart-funnel').data[0].x")
        decoded = sum(summary["distributions"]["encoding"].values())
        assert funnel == [c["inputs"], decoded, c["kept"] + c["duplicates"], c["kept"]]
        bars = browser.eval(
            "document.querySelectorAll('#chart-removals .bars .point').length"
        )  # fmt: skip
        assert bars == 2 * len(c["removals_by_rule"])  # counts and characters per rule
        shot = tmp_path / "report.png"
        browser.screenshot(shot)
        assert browser.errors() == []
    finally:
        browser.close()
    width, height = _png_size(shot)
    assert width >= 1200 and height > 3000
    if os.environ.get("LAWRPT_UPDATE_SCREENSHOT"):
        (ROOT / "docs" / "img").mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, ROOT / "docs" / "img" / "report.png")


# -- the aggregates read compactly: the page the per-document lists gave -------------------
def _write_build(out: Path, data: list[dict], manifests: list[list[dict]]) -> Path:
    """A build folder with one data shard of ``data`` rows and one manifest shard per list
    (status, id, source, reason)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    (out / "data").mkdir(parents=True)
    (out / "manifest").mkdir()
    if data:
        schema = pa.schema([("n_chars", pa.int32()), ("width_profile", pa.float32())])
        pq.write_table(pa.Table.from_pylist(data, schema), out / "data" / "train-0.parquet")
    schema = pa.schema([(c, pa.string()) for c in ("source", "status", "id", "reason")])
    for i, rows in enumerate(manifests):
        table = pa.Table.from_pylist(rows, schema)
        pq.write_table(table, out / "manifest" / f"manifest-{i}.parquet", row_group_size=5)
    return out


def _many_clusters() -> list[list[dict]]:
    """Kept documents and duplicate clusters of sizes 1–6 with ties in size and kept source,
    a kept source missing or null, a cluster with no kept row (source unknown), duplicates
    before their kept document, every reason kind, and empty ids (not clustered)."""
    import random

    rnd = random.Random(7)
    rows: list[dict] = []
    for k in range(120):
        doc = f"{k:04x}{'é' if k % 17 == 0 else ''}"
        source = None if k % 23 == 0 else f"s/{rnd.randrange(12):02d}.txt"
        kept = {"source": source, "status": "kept", "id": doc, "reason": None}
        dups = [
            {
                "source": f"d/{rnd.randrange(30):02d}-{k}.txt",
                "status": "duplicate",
                "id": doc,
                "reason": rnd.choice(["exact", "near:0.93", "near:0.9", "contained:0.97", None]),
            }
            for _ in range(rnd.choice([1, 1, 1, 2, 2, 3, 6]) if k % 5 else 0)
        ]
        if k % 29 == 7:  # no kept row for this cluster
            rows += dups
        else:
            at = rnd.randrange(len(dups) + 1)
            rows += [*dups[:at], kept, *dups[at:]]
    rows.append({"source": "x.txt", "status": "duplicate", "id": "", "reason": "exact"})
    rows.append({"source": "y.txt", "status": "rejected", "id": None, "reason": "binary"})
    return [rows[:150], rows[150:], []]


def _assert_same_page(out: Path, summary: dict) -> dict:
    from lawrpt_corpus.publish.report import read_aggregates

    from ..helpers.report_reference import read_aggregates_lists

    agg = read_aggregates(out)
    ref = read_aggregates_lists(out)
    assert agg["clusters"] == ref["clusters"][:25]
    assert agg["n_clusters"] == len(ref["clusters"])
    assert agg["lengths"].tolist() == ref["lengths"]
    assert agg["widths"].tolist() == ref["widths"]
    assert render(summary, agg) == render(summary, ref)
    return agg


def test_compact_aggregates_give_the_page_the_lists_gave(demo_build: Path) -> None:
    agg = _assert_same_page(demo_build, _summary(demo_build))
    assert agg["clusters"] and len(agg["lengths"]) == _summary(demo_build)["counts"]["kept"]


@pytest.mark.parametrize("batch", [3, 8192])
def test_many_duplicate_clusters_list_the_page_s_largest_25(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    """More clusters than the page lists, tied in size and kept source, across shards and
    manifest batches: the 25 listed (chart and table) are the ones the lists sorted first."""
    from lawrpt_corpus.publish import report

    monkeypatch.setattr(report, "_MANIFEST_BATCH", batch)
    data = [{"n_chars": 100 + 37 * i % 900, "width_profile": (i % 7) / 7} for i in range(200)]
    out = _write_build(tmp_path / "out", data, _many_clusters())
    agg = _assert_same_page(out, {"counts": {"kept": 200}})
    assert agg["n_clusters"] > 25 and len(agg["clusters"]) == 25
    assert any(c["source"] is None for c in agg["clusters"])  # the cluster with no kept row


def test_an_empty_output_gives_empty_aggregates(tmp_path: Path) -> None:
    out = _write_build(tmp_path / "out", [], [[]])
    agg = _assert_same_page(out, {})
    assert agg["clusters"] == [] and agg["n_clusters"] == 0 and len(agg["lengths"]) == 0
    assert _assert_same_page(tmp_path, {})["n_clusters"] == 0  # no data/ or manifest/ at all


def test_shards_without_the_columns_or_with_nulls_are_read(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = _write_build(tmp_path / "out", [], [])
    pq.write_table(pa.table({"text": ["a", "b"]}), out / "data" / "a.parquet")
    pq.write_table(
        pa.table({"n_chars": pa.array([5, None, 7], pa.int64())}), out / "data" / "b.parquet"
    )
    pq.write_table(
        pa.table({"width_profile": pa.array([0.25, None], pa.float64())}),
        out / "data" / "c.parquet",
    )
    agg = _assert_same_page(out, {})
    assert agg["lengths"].tolist() == [5, 7] and agg["widths"].tolist() == [0.25]
    # a manifest shard without status (the lists' reader failed on it) adds no cluster, one
    # without reason gives members with reason None
    from lawrpt_corpus.publish.report import read_aggregates

    pq.write_table(pa.table({"source": ["m.txt"]}), out / "manifest" / "m.parquet")
    assert read_aggregates(out)["clusters"] == []
    rows = {"source": ["k.txt", "d.txt"], "status": ["kept", "duplicate"], "id": ["a", "a"]}
    pq.write_table(pa.table(rows), out / "manifest" / "n.parquet")
    (cluster,) = read_aggregates(out)["clusters"]
    assert cluster == {
        "id": "a",
        "source": "k.txt",
        "members": [{"source": "d.txt", "reason": None}],
    }
