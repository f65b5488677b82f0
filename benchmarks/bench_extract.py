#!/usr/bin/env python
"""Extraction: main-text extractors compared on Chinese portal pages, and per-format speed.

    python benchmarks/bench_extract.py [--json OUT.json]

**Extractor comparison.** The five cleaned seed reports (tests/golden/*.clean.txt) and the
fixture report are each dressed in five portal page layouts written for this benchmark
(no downloaded page text; the chrome strings are the short UI labels portals use):

* ``div``     — div layout, body in ``div.TRS_Editor``, info table, share bar, footer;
* ``table``   — an old all-tables layout, body in a ``td`` with ``<br>`` line breaks and
                ``<font>``, left column of links;
* ``modern``  — header navigation of 30 links, body in ``article > section``, a sidebar of
                long related-article titles, 上一篇/下一篇, comment box;
* ``nbsp``    — ``<p><span>`` with ``&nbsp;`` indents, breadcrumb inside the article,
                attachment list, footer of 20 links;
* ``short``   — the body is the first two paragraphs plus 详见附件 (the report is in the PDF).

For every page: **recall** = share of the body's sentences (split at 。！？) found in the
output (whitespace ignored), **leak** = share of the page's chrome strings found in it.
Extractors: trafilatura 2.x (our settings: tables, favor_recall), trafilatura defaults,
readability-lxml (if installed; it is not a dependency), the visible-text fallback, and
the whole default pipeline (trafilatura + our boilerplate rules), which is what ships.
Layouts are the held-out groups: a rule tuned on one layout shows up as a gap on the others.

**Speed** (one process, CPU time of one core): pages/s for PDF and OFD, documents/s for
HTML, DOCX and WARC records, on the fixture report (tests/helpers/formats_fixtures.py) repeated.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.helpers import formats_fixtures as fx  # noqa: E402

NAV = [
    "首页",
    "政务公开",
    "政务服务",
    "互动交流",
    "走进本市",
    "专题专栏",
    "信息公开指南",
    "政策文件",
]
CHROME_COMMON = [
    "当前位置",
    "分享到",
    "打印本页",
    "关闭窗口",
    "网站标识码",
    "ICP备",
    "公网安备",
    "主办单位",
]
_SENT_RE = re.compile(r"[^。！？]+[。！？]?")


def bodies() -> list[tuple[str, list[str]]]:
    """(title, paragraphs) of the reports dressed in pages."""
    out = []
    for f in sorted((ROOT / "tests" / "golden").glob("*.clean.txt")):
        lines = [ln.strip() for ln in f.read_text("utf-8").split("\n") if ln.strip()]
        out.append((lines[0], lines[1:]))
    text = fx.plain_text().split("\n")
    out.append((text[0], [ln for ln in text[1:] if ln]))
    return out


def _footer(links: int = 6) -> str:
    items = "".join(f'<a href="/l{i}/">{NAV[i % len(NAV)]}链接{i}</a> ' for i in range(links))
    return (
        f'<div class="footer"><div class="links">{items}</div>'
        "<p>主办单位：某市人民政府办公室 承办单位：某市大数据中心</p>"
        "<p>网站标识码：1101070001 京ICP备05001234号 京公网安备11010702000123号</p></div>"
    )


def page_div(title: str, paras: list[str]) -> tuple[str, list[str]]:
    body = "".join(f"<p>{escape(p)}</p>" for p in paras)
    html = f"""<html><head><meta charset="utf-8"><title>{title}</title></head><body>
<div class="nav">{"".join(f"<a href='#'>{n}</a>" for n in NAV)}</div>
<div class="crumb">当前位置：首页 &gt; 政务公开 &gt; 法治政府建设年度报告</div>
<table class="xxgk"><tr><td>索引号：</td><td>000014349/2024-00012</td><td>发布机构：</td>
<td>某市司法局</td></tr></table>
<h1>{title}</h1><div class="TRS_Editor">{body}</div>
<div class="share">分享到：微信 微博</div><a href="javascript:print()">打印本页</a>
<a href="javascript:close()">关闭窗口</a>{_footer()}</body></html>"""
    return html, [*CHROME_COMMON, "索引号"]


def page_table(title: str, paras: list[str]) -> tuple[str, list[str]]:
    body = "<br>".join("&nbsp;&nbsp;&nbsp;&nbsp;" + escape(p) for p in paras)
    left = "".join(f"<tr><td><a href='#'>{n}</a></td></tr>" for n in NAV)
    html = f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{title}</title></head><body><table width="1000"><tr><td colspan="2">
<img src="/banner.jpg"><font>当前位置：首页 &gt;&gt; 信息公开</font></td></tr>
<tr><td width="200"><table>{left}</table></td><td>
<table><tr><td align="center"><font size="5"><b>{title}</b></font></td></tr>
<tr><td align="center">发布日期：2024-03-28 点击数：356</td></tr>
<tr><td class="bt_content"><font size="3">{body}</font></td></tr>
<tr><td align="right"><a href="javascript:window.print()">【打印本页】</a>
<a href="javascript:window.close()">【关闭窗口】</a></td></tr></table></td></tr>
<tr><td colspan="2">{_footer(3)}<p>分享到：</p></td></tr></table></body></html>"""
    return html, [*CHROME_COMMON, "点击数"]


def page_modern(title: str, paras: list[str]) -> tuple[str, list[str]]:
    body = "".join(f"<p>{escape(p)}</p>" for p in paras)
    nav = "".join(f"<li><a href='/n{i}'>{NAV[i % 8]}{i}</a></li>" for i in range(30))
    related = "".join(
        f"<li><a href='/r{i}'>关于印发某市{2015 + i}年度依法行政工作要点的通知</a></li>"
        for i in range(8)
    )
    html = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="ArticleTitle" content="{title}"><title>{title}-某市人民政府</title></head><body>
<header><ul class="menu">{nav}</ul></header>
<main><div class="crumb">当前位置：<a>首页</a>/<a>政务公开</a></div>
<article><h1>{title}</h1><div class="meta">来源：市司法局 时间：2024-03-28</div>
<section class="article-content">{body}</section></article>
<div class="pn"><a>上一篇：某市2022年法治政府建设年度报告</a><a>下一篇：无</a></div>
<div class="comment"><textarea></textarea><button>我要纠错</button></div>
<div class="share">分享到：<a>微信</a></div><a>打印本页</a><a>关闭窗口</a></main>
<aside><h3>相关文章</h3><ul>{related}</ul></aside>{_footer(10)}</body></html>"""
    return html, [*CHROME_COMMON, "上一篇", "依法行政工作要点的通知", "我要纠错"]


def page_nbsp(title: str, paras: list[str]) -> tuple[str, list[str]]:
    body = "".join(
        f'<p style="text-indent:2em"><span style="font-family:仿宋">&nbsp;&nbsp;{escape(p)}'
        "</span></p>"
        for p in paras
    )
    html = f"""<html><head><meta charset="utf-8"><title>{title}</title></head><body>
<div class="main"><div class="location">您所在的位置：首页 &gt; 法治政府建设</div>
<div class="content"><div class="title">{title}</div>
<div class="info">发布时间：2024-03-28 字号：[大 中 小]</div>
<div class="zoom">{body}</div>
<div class="fj">附件：<a href="/a.pdf">{title}.pdf</a></div>
<div class="tools">分享到：<a>QQ空间</a> <a>打印本页</a> <a>关闭窗口</a></div></div></div>
{_footer(20)}</body></html>"""
    return html, [*CHROME_COMMON, "字号"]


def page_short(title: str, paras: list[str]) -> tuple[str, list[str]]:
    html, chrome = page_div(title, [*paras[:2], "详见附件。"])
    return html, chrome


LAYOUTS: dict[str, Callable[[str, list[str]], tuple[str, list[str]]]] = {
    "div": page_div,
    "table": page_table,
    "modern": page_modern,
    "nbsp": page_nbsp,
    "short": page_short,
}


def _norm(s: str) -> str:
    return "".join(s.split()).replace("\xa0", "")


def score(out: str, paras: list[str], chrome: list[str]) -> tuple[float, float]:
    flat = _norm(out)
    sents = [s for p in paras for s in _SENT_RE.findall(_norm(p)) if len(s) >= 6]
    recall = sum(s in flat for s in sents) / max(1, len(sents))
    leak = sum(_norm(c) in flat for c in chrome) / max(1, len(chrome))
    return recall, leak


def extractors() -> dict[str, Callable[[str], str]]:
    import lxml.html
    import trafilatura

    from lawrpt_corpus.defaults import default_pipeline
    from lawrpt_corpus.extract.html import _parse, visible_lines

    pipe = default_pipeline()

    def ours(html: str) -> str:
        from lawrpt_corpus.extract.base import Hints
        from lawrpt_corpus.extract.html import extract_html

        return extract_html(html.encode("utf-8"), Hints()).text

    def pipeline(html: str) -> str:
        doc = pipe.process_bytes("p.html", html.encode("utf-8"))
        return doc.text

    def rules_only(html: str) -> str:
        import lawrpt_corpus.extract.html as h

        saved, h.MAX_EXTRACTOR_CHARS = h.MAX_EXTRACTOR_CHARS, -1  # force the fallback
        try:
            return pipeline(html)
        finally:
            h.MAX_EXTRACTOR_CHARS = saved

    out: dict[str, Callable[[str], str]] = {
        "trafilatura (ours: tables, favor_recall)": ours,
        "trafilatura (defaults)": lambda h: trafilatura.extract(h) or "",
        "visible text (fallback)": lambda h: "\n".join(visible_lines(_parse(h))),
        "default pipeline (trafilatura + boilerplate rules)": pipeline,
        "visible text + boilerplate rules (no extractor)": rules_only,
    }
    try:
        from readability import Document as Readability

        out["readability-lxml"] = lambda h: lxml.html.fromstring(
            Readability(h).summary()
        ).text_content()
    except ImportError:
        pass
    return out


def _as_cleaned(paras: list[str]) -> list[str]:
    """The body as the default pipeline leaves it as plain text (punctuation width, script):
    the truth for the pipeline's output, so that typography edits do not count as misses."""
    from lawrpt_corpus.defaults import default_pipeline

    doc = default_pipeline().process_bytes("body.txt", "\n".join(paras).encode("utf-8"))
    return doc.text.split("\n")


def compare(verbose: bool = False) -> dict[str, dict[str, dict[str, float]]]:
    docs = bodies()
    results: dict[str, dict[str, dict[str, float]]] = {}
    for name, fn in extractors().items():
        per_layout: dict[str, dict[str, float]] = {}
        for layout, make in LAYOUTS.items():
            recalls, leaks = [], []
            for title, paras in docs:
                html, chrome = make(title, paras)
                body = paras[:2] if layout == "short" else paras
                if name.startswith(("default pipeline", "visible text +")):
                    body = _as_cleaned(body)
                out = fn(html)
                r, lk = score(out, body, chrome)
                if verbose and lk:
                    print(name, layout, [c for c in chrome if _norm(c) in _norm(out)])
                recalls.append(r)
                leaks.append(lk)
            per_layout[layout] = {
                "recall": round(statistics.mean(recalls), 3),
                "leak": round(statistics.mean(leaks), 3),
            }
        results[name] = per_layout
    return results


def _rate(fn: Callable[[], int], seconds: float = 3.0) -> float:
    """Units per second of CPU time of this process (one core; robust to other load on the
    machine, which wall time on a shared 2-core box is not)."""
    fn()  # warm: imports, first-call caches
    units = 0
    t0 = time.process_time()
    while time.process_time() - t0 < seconds:
        units += fn()
    return units / (time.process_time() - t0)


def speed() -> dict[str, float]:
    from lawrpt_corpus.extract.base import Hints
    from lawrpt_corpus.extract.docx import extract_docx
    from lawrpt_corpus.extract.html import extract_html
    from lawrpt_corpus.extract.ofd import extract_ofd
    from lawrpt_corpus.extract.pdf import extract_pdf
    from lawrpt_corpus.extract.warc import iter_warc

    hints = Hints()
    page = fx.portal_page()
    pdf = fx.report_pdf()
    big_pdf = fx.pdf_from_pages(
        [[(70.0, 780 - 28 * j, fx.PARAGRAPHS[j % 5][:36]) for j in range(26)] for _ in range(200)]
    )
    docx = fx.report_docx()
    ofd = fx.report_ofd()
    warc = fx.portal_warc() * 20  # 60 records

    def warc_records() -> int:
        return sum(1 for _ in iter_warc(io.BytesIO(warc), "w.warc.gz", 1 << 26))

    return {
        "html documents/s (portal page, 4.6 KB)": _rate(lambda: extract_html(page, hints).units),
        "pdf pages/s (2-page report)": _rate(lambda: extract_pdf(pdf, hints).units),
        "pdf pages/s (200 full pages)": _rate(lambda: extract_pdf(big_pdf, hints).units),
        "docx documents/s": _rate(lambda: extract_docx(docx, hints).units),
        "ofd pages/s (2-page report)": _rate(lambda: extract_ofd(ofd, hints).units),
        "warc records/s (read + digest, .warc.gz)": _rate(warc_records),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", default=None)
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--no-compare", action="store_true")
    ap.add_argument("--cross-format", action="store_true", help="also build page + PDF per report")
    ap.add_argument("--rejoin", action="store_true", help="PDF line re-joining on the reports")
    ap.add_argument("--verbose", action="store_true", help="list the chrome each extractor kept")
    args = ap.parse_args()
    res: dict[str, object] = {}
    res["compare"] = {} if args.no_compare else compare(args.verbose)
    for name, layouts in res["compare"].items():  # type: ignore[attr-defined]
        cells = "  ".join(f"{k} {v['recall']:.2f}/{v['leak']:.2f}" for k, v in layouts.items())
        print(f"{name:55s} {cells}")
    if not args.no_speed:
        rates = {k: round(v, 1) for k, v in speed().items()}
        res["speed"] = rates
        for k, v in rates.items():
            print(f"{k:45s} {v:10.1f}")
    if args.rejoin:
        res["rejoin"] = rejoin()
        print("PDF re-joining by line width:", res["rejoin"])
    if args.cross_format:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            res["cross_format"] = cross_format(Path(tmp))
        print("cross-format dedup:", res["cross_format"])
    if args.json:
        Path(args.json).write_text(json.dumps(res, ensure_ascii=False, indent=2))


def cross_format(tmp: Path) -> dict[str, int]:
    """Each report as a page (a different layout per report), a PDF and a DOCX, all in one
    folder: a correct build keeps exactly one row per report and merges nothing across
    reports."""
    import pyarrow.parquet as pq

    from lawrpt_corpus import build

    src = tmp / "in"
    src.mkdir(parents=True, exist_ok=True)
    docs = bodies()
    layouts = list(LAYOUTS.values())[:4]  # not "short": that page is not the whole report
    for i, (title, paras) in enumerate(docs):
        html, _ = layouts[i % len(layouts)](title, paras)
        (src / f"r{i}.html").write_text(html, encoding="utf-8")
        lines = [(70.0, 0.0, title)]
        for p in paras:
            text = "　　" + p
            lines.extend((70.0, 0.0, text[k : k + 36]) for k in range(0, len(text), 36))
        pages = []
        for k in range(0, len(lines), 24):
            chunk = lines[k : k + 24]
            page = [(x, 780.0 - 28 * j, t) for j, (x, _, t) in enumerate(chunk)]
            page.append((280.0, 40.0, f"－ {len(pages) + 1} －"))
            pages.append(page)
        (src / f"r{i}.pdf").write_bytes(fx.pdf_from_pages(pages, title=title))
    out = tmp / "out"
    build([src], out, workers=1, overwrite=True)
    rows = [
        r for f in sorted((out / "data").glob("*.parquet")) for r in pq.read_table(f).to_pylist()
    ]
    stems = [(Path(r["source"]).stem, [Path(d).stem for d in r["duplicates"]]) for r in rows]
    merged = sum(1 for own, dups in stems if dups == [own])
    wrong = sum(1 for own, dups in stems if any(d != own for d in dups))
    # the pages alone: what a PDF row carries over from its page (url/published/attachments,
    # docs/dedup.md "Page fields") and how far its own metadata is from the page's
    pages_only = tmp / "pages"
    pages_only.mkdir(exist_ok=True)
    for f in src.glob("*.html"):
        (pages_only / f.name).write_bytes(f.read_bytes())
    build([pages_only], tmp / "out_pages", workers=1, overwrite=True)
    by_stem = {
        Path(r["source"]).stem: r
        for f in sorted((tmp / "out_pages" / "data").glob("*.parquet"))
        for r in pq.read_table(f).to_pylist()
    }
    won = [r for r in rows if r["format"] == "pdf"]
    carried = ("published", "attachments")
    meta = ("agency", "province", "prefecture", "county", "admin_level")
    return {
        "reports": len(docs),
        "inputs": 2 * len(docs),
        "kept": len(rows),
        "page_and_pdf_merged": merged,
        "merged_across_reports": wrong,
        "kept_formats": sorted(r["format"] for r in rows),
        "pdf_rows_whose_page_had_fields": sum(
            any(by_stem[Path(r["source"]).stem][k] for k in carried) for r in won
        ),
        "pdf_rows_given_the_page_fields": sum(
            any(r[k] for k in carried)
            and all(r[k] == by_stem[Path(r["source"]).stem][k] for k in carried)
            for r in won
        ),
        "pdf_rows_metadata_differs_from_page": sum(
            any(r[k] != by_stem[Path(r["source"]).stem][k] for k in meta) for r in won
        ),
    }


def rejoin(widths: tuple[int, ...] = (28, 33, 36, 40)) -> dict[str, object]:
    """Print each report as a PDF at several line widths, with first lines indented and
    without (a running footer and page numbers on every page), extract it, and count the
    original paragraphs that come back as exactly one line (recall) and the extracted lines
    that are exactly one original paragraph (precision); plus furniture left in the text."""
    from lawrpt_corpus.extract.base import Hints
    from lawrpt_corpus.extract.pdf import extract_pdf

    per_width: dict[str, dict[str, float]] = {}
    for width in widths:
        for style in ("indented", "flat"):
            hit = total = exact = lines_out = leftover = 0
            for title, paras in bodies():
                printed = [title]
                for p in paras:
                    text = "　　" + p if style == "indented" else p
                    printed.extend(text[k : k + width] for k in range(0, len(text), width))
                pages = []
                for k in range(0, len(printed), 22):
                    page = [(70.0, 780.0 - 30 * j, t) for j, t in enumerate(printed[k : k + 22])]
                    page.append((200.0, 60.0, "某市人民政府办公室印发"))
                    page.append((280.0, 40.0, f"－ {len(pages) + 1} －"))
                    pages.append(page)
                out = extract_pdf(fx.pdf_from_pages(pages), Hints()).text
                got = [ln.strip("　 ") for ln in out.split("\n")]
                want = {p.strip("　 ") for p in paras}
                hit += sum(1 for p in want if p in got)
                total += len(want)
                exact += sum(1 for ln in got if ln in want)
                lines_out += len(got) - 1  # the title line
                leftover += sum(1 for ln in got if ln.startswith(("某市人民政府办公室印发", "－")))
            per_width[f"{style} {width}"] = {
                "paragraph_recall": round(hit / total, 3),
                "line_precision": round(exact / max(1, lines_out), 3),
                "furniture_left": leftover,
            }
    return per_width


if __name__ == "__main__":
    main()
