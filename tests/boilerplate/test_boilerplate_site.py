"""SiteRepeat (boilerplate/site.py): a line one host repeats on its own unrelated pages goes;
the reports one host serves — one agency's different reports, or copies of one report —
keep every line of their own."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from lawrpt_corpus.boilerplate.site import RULE_ID, SiteRepeat, host_of
from lawrpt_corpus.document import Document, PageMeta
from tests.helpers.generator import load_generate

ROOT = Path(__file__).resolve().parents[2]


GEN = load_generate()
POOL = GEN.load_pool()

CHROME = "首页 > 政务公开 > 法治政府建设 > 正文"
NOTICE = "本站不支持迅雷下载，请使用浏览器自带下载功能。"
HEAD = "专题栏目 | 政务公开 | 互动交流"
TAIL = "本栏目文章由县司法局法制股负责维护"


def _bodies(n: int, seed: int = 11) -> list[list[str]]:
    """The content lines (title dropped) of ``n`` different generated reports."""
    return [list(GEN.make_original(seed, k, POOL).content[1:]) for k in range(n)]


def _doc(i: int, lines: list[str], url: str | None, title: str | None = None) -> Document:
    d = Document(
        source=f"r{i}.txt", raw_sha256=f"{i:064x}", n_bytes=0, text="\n".join(lines), seq=i
    )
    if url is not None:
        d.page = PageMeta(url=url)
    if title is not None:
        d.meta["title"] = title
    return d


def _run(step: SiteRepeat, docs: list[Document]) -> list[Document]:
    for d in docs:
        step.prepare(d)
    step.fit(docs)
    return [step.apply(d) for d in docs]


def _agency_report(body: list[str], year: int) -> tuple[str, list[str]]:
    """One agency's report of ``year``: its title, opening formula, section headings,
    signature and date as the agency writes them every year, around a body of its own."""
    title = f"某某县司法局{year}年法治政府建设工作报告"
    third = len(body) // 3
    lines = [
        title,
        f"根据《法治政府建设与责任落实督察工作规定》要求，现将我局{year}年法治政府建设工作情况报告如下：",
        "一、主要工作",
        *body[:third],
        "二、存在的问题",
        *body[third : 2 * third],
        "三、下一步工作打算",
        *body[2 * third :],
        "以上报告，请审阅。",
        "某某县司法局",
        f"{year + 1}年1月15日",
    ]
    return title, lines


def test_one_agencys_ten_different_reports_on_one_host_keep_every_line() -> None:
    docs, expected = [], []
    for i, body in enumerate(_bodies(10)):
        title, lines = _agency_report(body, 2015 + i)
        expected.append(lines)
        page = [CHROME, *lines, NOTICE] if i % 2 == 0 else [*lines, CHROME]
        docs.append(_doc(i, page, f"https://www.sfj.example.gov.cn/art/{i}.html", title))
    out = _run(SiteRepeat(), docs)
    for d, lines in zip(out, expected, strict=True):
        assert d.text.split("\n") == lines  # the chrome and the notice went, nothing else
        assert {r.rule for r in d.removed} == {RULE_ID}
    assert SiteRepeat().params()["min_pages"] == 3


def test_one_agencys_ten_reports_keep_every_line_through_all_corpus_layers() -> None:
    """The same ten reports through RepeatedLines, Templates and SiteRepeat in order: the
    shared lead-in (现将我局…报告如下：) and the shared sentences' words stay too (Templates
    took the lead-in, and the bare-name layer a phrase, before session 23's fixes)."""
    from lawrpt_corpus.boilerplate.repeated import RepeatedLines
    from lawrpt_corpus.boilerplate.templates import Templates

    docs, expected = [], []
    for i, body in enumerate(_bodies(10)):
        title, lines = _agency_report(body, 2015 + i)
        expected.append(lines)
        page = [CHROME, *lines, NOTICE] if i % 2 == 0 else [*lines, CHROME]
        docs.append(_doc(i, page, f"https://www.sfj.example.gov.cn/art/{i}.html", title))
    for step in (RepeatedLines(), Templates(), SiteRepeat()):
        docs = _run(step, docs)  # type: ignore[arg-type]
    for d, lines in zip(docs, expected, strict=True):
        assert d.text.split("\n") == lines


def test_near_copies_of_one_report_on_one_host_lose_nothing() -> None:
    rng = random.Random(5)
    body = _bodies(1, seed=23)[0]
    title, lines = _agency_report(body, 2023)
    own = "本文由某某文化传播工作室整理推荐阅读"  # a line of this report, at its edge
    base = [*lines[:2], own, *lines[2:]]
    docs = []
    for i in range(8):  # posted twice, a draft and its final version, light edits
        copy = list(base)
        if i % 2:
            del copy[rng.randrange(4, len(copy) - 4)]
            copy = [ln.replace("1", str(rng.randint(2, 9)), 1) for ln in copy]
        docs.append(_doc(i, copy, f"https://news.example.com/{i}.html", title))
    docs.append(_doc(8, base, "https://news.example.com/8.html", title))  # an exact copy
    step = SiteRepeat()
    out = _run(step, docs)
    assert all(own in d.text for d in out)
    assert not any(d.removed for d in out)
    rows = step.stats()["candidates"]  # counted on every copy, held by one report
    assert rows and all(not r["removed"] and r["unrelated"] < 3 for r in rows)


def _fitted(docs: list[Document]) -> SiteRepeat:
    step = SiteRepeat()
    for d in docs:
        d.features.clear()
        step.prepare(d)
    step.fit(docs)
    return step


def test_a_sites_chrome_on_five_pages_goes_on_all_and_only_on_that_host() -> None:
    bodies = _bodies(9, seed=31)
    docs = [_doc(i, [CHROME, *bodies[i]], f"https://a.example.cn/p/{i}") for i in range(5)]
    # the same line on two pages of another host, and on pages with no URL: not enough
    docs += [_doc(5 + i, [CHROME, *bodies[5 + i]], f"https://b.example.cn/{i}") for i in range(2)]
    docs += [_doc(7 + i, [CHROME, *bodies[7 + i]], None) for i in range(2)]
    texts = [d.text for d in docs]
    step = SiteRepeat()
    out = _run(step, docs)
    for d, before in zip(out[:5], texts[:5], strict=True):
        assert CHROME not in d.text
        (rem,) = d.removed
        assert (rem.rule, rem.start, rem.text) == (RULE_ID, 0, CHROME + "\n")  # located
        assert before[rem.start : rem.start + len(rem.text)] == rem.text
    assert all(CHROME in d.text and not d.removed for d in out[5:])
    report = step.stats()
    assert report["hosts"] == 2 and report["documents_with_host"] == 7
    (row,) = report["candidates"]
    assert row == {
        "host": "a.example.cn",
        "text": CHROME,
        "pages": 5,
        "unrelated": 3,
        "removed": True,
    }


def test_a_sentence_goes_only_when_it_sits_outside_the_report() -> None:
    bodies = _bodies(6, seed=41)
    docs, openings = [], []
    for i, body in enumerate(bodies):
        title, lines = _agency_report(body, 2018 + i)
        openings.append(lines[1])
        docs.append(_doc(i, [NOTICE, *lines], f"https://wk.example.com/{i}.html", title))
    out = _run(SiteRepeat(), docs)
    assert all(NOTICE not in d.text for d in out)
    # the opening sentence is the same line (digits masked) in every report: inside it stays
    assert all(o in d.text for o, d in zip(openings, out, strict=True))
    # and a notice that only ever sits inside the reports (below the title) stays too
    docs = []
    for i, body in enumerate(bodies):
        title, lines = _agency_report(body, 2018 + i)
        page = [lines[0], NOTICE, *lines[1:]]
        docs.append(_doc(i, page, f"https://wk2.example.com/{i}.html", title))
    assert all(NOTICE in d.text and not d.removed for d in _run(SiteRepeat(), docs))


def test_hosts_are_lower_case_without_port_and_www() -> None:
    assert host_of("https://WWW.Example.gov.cn:8080/a/b.html?x=1") == "example.gov.cn"
    assert host_of("http://m.example.com/") == "m.example.com"
    assert host_of("file:///tmp/a.html") is None
    assert host_of("reports/a.txt") is None
    assert host_of(None) is None and host_of("") is None
    assert host_of("http://[::1") is None  # a malformed URL: no group, no error


def test_big_hosts_need_a_fraction_of_their_pages() -> None:
    step = SiteRepeat()
    assert step.threshold(6) == 3 and step.threshold(60) == 3 and step.threshold(1000) == 50


def test_fit_is_deterministic_idempotent_and_safe_without_prepare() -> None:
    bodies = _bodies(6, seed=53)
    make = lambda: [  # noqa: E731
        _doc(i, [CHROME, *bodies[i], "返回顶部 | 打印本页 | 关闭窗口"], f"https://c.example.cn/{i}")
        for i in range(6)
    ]
    first = [d.text for d in _run(SiteRepeat(), make())]
    assert first == [d.text for d in _run(SiteRepeat(), make())]
    assert all(CHROME not in t and "关闭窗口" not in t for t in first)
    again = [_doc(i, t.split("\n"), f"https://c.example.cn/{i}") for i, t in enumerate(first)]
    assert [d.text for d in _run(SiteRepeat(), again)] == first
    # apply without prepare (a fitted step, a document it never saw) and empty documents
    step = _fitted(make())
    d = step.apply(_doc(99, [CHROME, *bodies[0]], "https://c.example.cn/new"))
    assert CHROME not in d.text and d.removed[0].rule == RULE_ID
    assert step.apply(_doc(100, [], "https://c.example.cn/e")).text == ""
    assert SiteRepeat().apply(_doc(101, [CHROME], None)).text == CHROME  # not fitted


def test_a_pruned_counter_still_finds_the_chrome() -> None:
    bodies = _bodies(5, seed=61)
    docs = []
    for i in range(5):  # five lines of each page's own besides the chrome: the counter grows
        own = [f"专题{'甲乙丙丁戊'[i]}栏目{'子丑寅卯辰'[j]}" for j in range(5)]
        docs.append(_doc(i, [CHROME, *own, *bodies[i][:4]], f"https://d.example.cn/{i}"))
    step = SiteRepeat(max_entries=10)
    out = _run(step, docs)
    assert step.stats()["pruned"] > 0
    assert all(CHROME not in d.text for d in out)


def test_bad_parameters_are_refused() -> None:
    for kwargs in (
        {"min_pages": 1},
        {"max_holders": 1},
        {"sentence_outside": 0},
        {"min_fraction": 2.0},
        {"relate_jaccard": 0.0},
    ):
        with pytest.raises(ValueError, match="site-repeat"):
            SiteRepeat(**kwargs)  # type: ignore[arg-type]


def test_default_pipeline_builds_jsonl_pages_the_same_for_one_and_two_workers(
    tmp_path: Path,
) -> None:
    import pyarrow.parquet as pq

    from lawrpt_corpus import LocalEngine, build

    # a site's own lines that no rule pack and no score names, on four pages (templates
    # wait for five unrelated reports): only this layer takes them
    src = tmp_path / "pages.jsonl"
    with src.open("w", encoding="utf-8") as fh:
        for i, body in enumerate(_bodies(4, seed=71)):
            _, lines = _agency_report(body, 2016 + i)
            text = "\n".join([HEAD, *lines, TAIL])
            rec = {"text": text, "url": f"https://www.sfj.example.gov.cn/{i}.html"}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    a, b = tmp_path / "a", tmp_path / "b"
    build([src], a, workers=1)
    build([src], b, engine=LocalEngine(2, batch_size=3, in_flight=2))

    def rows(out: Path) -> list[dict[str, object]]:
        files = sorted((out / "data").glob("*.parquet"))
        return [r for f in files for r in pq.read_table(f).to_pylist()]

    ra = rows(a)
    assert ra == rows(b) and len(ra) == 4
    for r in ra:
        assert HEAD not in str(r["text"]) and TAIL not in str(r["text"])
        assert any(x["rule"] == RULE_ID for x in r["removed"])  # type: ignore[attr-defined]
    summary = json.loads((a / "build.json").read_text(encoding="utf-8"))
    assert "site-repeat" in json.dumps(summary)
