"""Extraction of every input format: sniffing, HTML, PDF, WARC, discovery, cross-format dedup.

Fixtures are made by :mod:`tests.helpers.formats_fixtures` (one report in every format).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from lawrpt_corpus import build, default_pipeline
from lawrpt_corpus.cli import main
from lawrpt_corpus.extract import sniff
from lawrpt_corpus.extract.base import ExtractFailed, Hints
from lawrpt_corpus.extract.html import extract_html
from lawrpt_corpus.extract.layout import is_page_number, join_lines, strip_furniture
from lawrpt_corpus.extract.pdf import extract_pdf
from lawrpt_corpus.io.readers import glob_patterns

from ..helpers.formats_fixtures import (
    BODY_SENTENCES,
    CHROME,
    PAGE_URL,
    PARAGRAPHS,
    SITE_ID,
    TITLE,
    pdf_from_pages,
    portal_page,
    portal_warc,
    report_docx,
    report_ofd,
    report_pdf,
)


def _rows(folder: Path, sub: str) -> list[dict]:
    rows: list[dict] = []
    for f in sorted((folder / sub).glob("*.parquet")):
        rows.extend(pq.read_table(f).to_pylist())
    return rows


def _body_ok(text: str) -> None:
    missing = [s for s in BODY_SENTENCES if s not in text]
    assert not missing, missing
    leaked = [c for c in CHROME if c in text]
    assert not leaked, leaked


# -- sniffing ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "name", "expected"),
    [
        (b"%PDF-1.7\n...", "report.txt", "pdf"),
        (b"<!DOCTYPE html><html><body>x</body></html>", "report.pdf", "html"),
        (b"\xef\xbb\xbf  <html lang=zh>", "noext", "html"),
        (b"<!-- saved --><?xml version='1.0'?>\n<html>", "a", "html"),
        ("<p>二〇二三年</p>".encode(), "body", "html"),
        ("<关于法治政府建设的报告>\n正文".encode(), "a.txt", "txt"),
        ("2023年法治政府建设年度报告".encode("utf-16"), "a.txt", "txt"),
        (b"\x89PNG\r\n\x1a\n\x00", "scan.txt", "png"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le"), "a.doc", "doc"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le"), "a.WPS", "wps"),
        (b"PK\x03\x04broken", "a.docx", "docx"),
        (b"PK\x03\x04broken", "a.bin", "zip"),
        (b"\x00\x01\x02\x03" * 8, "notes.xyz", "xyz"),
        (b"\x00\x01\x02\x03" * 8, "notes.txt", "txt"),
        ("法治政府建设年度报告".encode("utf-16-le"), "a.dat", "txt"),
    ],
)
def test_sniff_decides_by_bytes_before_name(raw: bytes, name: str, expected: str) -> None:
    assert sniff(raw, name) == expected


# -- HTML --------------------------------------------------------------------------------------
def test_gb2312_declared_gbk_portal_page_keeps_body_and_reads_page_metadata() -> None:
    doc = default_pipeline().process_bytes("page.html", portal_page())
    assert doc.kept, doc.reason
    assert doc.format == "html"
    assert doc.encoding == "gb18030" and doc.decode_rule == "meta-charset"
    _body_ok(doc.text)
    assert "<" not in doc.text and "zoom(" not in doc.text
    assert doc.text.startswith(TITLE)
    # table rows survive as text rows
    assert "行政复议案件 35件 41件" in doc.text
    page = doc.page
    assert page is not None
    assert page.site_id_code == SITE_ID
    assert page.title == TITLE and page.column == "法治政府建设年度报告"
    assert page.published == "2024-01-20" and page.written == "2024-01-15"
    assert page.publisher == "淮南市某区人民政府办公室" and page.doc_number == "区政〔2024〕3号"
    assert page.index_no == "11340405003142345X/202401-00012"
    assert page.content_source == "区司法局"
    assert page.attachments == [("/group1/M00/2024/report2023.pdf", f"{TITLE}.pdf")]
    # GBK-only traditional characters of a gb2312-declared page decode (not as U+FFFD)
    extracted = extract_html(portal_page(), Hints()).text
    assert "執法規範化水平進一步提升" in extracted and "\ufffd" not in extracted
    # the page chrome is recorded as removed, not silently dropped
    chrome = [r.text for r in doc.removed if r.rule == "extract.html-chrome"]
    assert any("分享到" in c for c in chrome) and any("网站标识码" in c for c in chrome)


def test_html_charset_declaration_the_bytes_contradict_is_ignored() -> None:
    raw = portal_page(charset_decl="utf-8", encoding="gb18030")
    doc = default_pipeline().process_bytes("page.htm", raw)
    assert doc.kept and doc.encoding == "gb18030" and doc.decode_rule != "meta-charset"
    _body_ok(doc.text)


def test_jsonl_record_with_html_field_is_extracted(tmp_path: Path) -> None:
    html = portal_page(charset_decl="utf-8", encoding="utf-8").decode("utf-8")
    (tmp_path / "crawl.jsonl").write_text(
        json.dumps({"url": PAGE_URL, "html": html}, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    build([tmp_path / "crawl.jsonl"], out, workers=1)
    (row,) = _rows(out, "data")
    assert row["format"] == "jsonl-record" and row["url"] == PAGE_URL
    assert row["published"] == "2024-01-20"
    _body_ok(row["text"])


def _with_head(extra: str, *, before: str = "") -> bytes:
    html = portal_page(charset_decl="utf-8", encoding="utf-8").decode("utf-8")
    return (before + html.replace("</head>", extra + "\n</head>", 1)).encode("utf-8")


@pytest.mark.parametrize(
    ("head", "before", "expected"),
    [
        ('<link rel="canonical" href="https://www.example.gov.cn/a/1.html">', "", "canonical"),
        ('<meta property="og:url" content="https://www.example.gov.cn/a/1.html">', "", "og"),
        ("", "<!-- saved from url=(0036)https://www.example.gov.cn/a/1.html -->\n", "saved"),
    ],
)
def test_saved_html_page_names_where_it_came_from(head: str, before: str, expected: str) -> None:
    doc = default_pipeline().process_bytes("page.html", _with_head(head, before=before))
    assert doc.kept and doc.page is not None, expected
    assert doc.page.url == "https://www.example.gov.cn/a/1.html"
    # relative attachment links resolve against it
    assert doc.page.attachments == [
        ("https://www.example.gov.cn/group1/M00/2024/report2023.pdf", f"{TITLE}.pdf")
    ]


@pytest.mark.parametrize(
    "head",
    [
        '<link rel="canonical" href="/a/1.html">',  # relative: nothing to resolve it against
        '<link rel="canonical" href="javascript:void(0)">',
        '<meta property="og:url" content="ftp://example.gov.cn/x">',
        '<link rel="canonical" href="https:///no-host">',
        '<link rel="canonical" href="https://www.example.gov.cn/a b.html">',
    ],
)
def test_page_url_ignores_what_is_not_an_absolute_web_url(head: str) -> None:
    doc = default_pipeline().process_bytes("page.html", _with_head(head))
    assert doc.kept and doc.page is not None
    assert doc.page.url is None


def test_record_url_wins_over_the_pages_own_canonical(tmp_path: Path) -> None:
    html = _with_head('<link rel="canonical" href="https://mirror.example.com/x.html">')
    (tmp_path / "crawl.jsonl").write_text(
        json.dumps({"url": PAGE_URL, "html": html.decode("utf-8")}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    build([tmp_path / "crawl.jsonl"], out, workers=1)
    (row,) = _rows(out, "data")
    assert row["url"] == PAGE_URL


# -- PDF ---------------------------------------------------------------------------------------
def test_pdf_report_rejoins_lines_and_records_page_furniture() -> None:
    doc = default_pipeline().process_bytes("report.pdf", report_pdf())
    assert doc.kept, doc.reason
    assert doc.format == "pdf" and doc.encoding is None
    _body_ok(doc.text)
    # a sentence broken across lines and across the page break is whole again
    assert "抽查案卷120卷，对发现的问题逐一督促整改" in doc.text
    assert "－" not in doc.text and "印发" not in doc.text
    rules = [r.rule for r in doc.removed]
    assert rules.count("extract.page-number") == 2
    assert rules.count("extract.running-footer") == 2
    # headings stay on their own lines
    assert "\n（一）健全依法决策机制\n" in doc.text
    assert doc.page is not None and doc.page.title == TITLE and doc.page.author == "区司法局"


def test_pdf_without_text_layer_is_rejected_no_text_layer() -> None:
    raw = pdf_from_pages([[(0, 0, "")]] * 3, image_only=True)
    doc = default_pipeline().process_bytes("scan.pdf", raw)
    assert doc.reason == "no_text_layer"


def test_truncated_pdf_is_rejected_truncated() -> None:
    raw = report_pdf()
    doc = default_pipeline().process_bytes("cut.pdf", raw[: len(raw) * 2 // 3])
    assert doc.status == "rejected" and doc.reason in ("truncated", "broken_pdf")


def test_password_protected_pdf_is_rejected_encrypted() -> None:
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(io.BytesIO(report_pdf()))
    writer = pypdf.PdfWriter(clone_from=reader)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    doc = default_pipeline().process_bytes("locked.pdf", buf.getvalue())
    assert doc.reason == "encrypted"


def test_pdf_longer_than_max_pages_is_too_large_and_2000_pages_are_read() -> None:
    words = "甲乙丙丁戊己庚辛壬癸"
    line = "各级行政机关严格依法履行职责，持续推进法治政府建设各项任务落实。"
    pages = []
    for i in range(2000):
        prefix = words[i % 10] + words[i // 10 % 10] + words[i // 100 % 10]
        pages.append([(70.0, 780.0, prefix + line), (280.0, 40.0, f"- {i + 1} -")])
    raw = pdf_from_pages(pages)
    with pytest.raises(ExtractFailed) as exc:
        extract_pdf(raw, Hints(max_pages=1000))
    assert exc.value.reason == "too_large"
    res = extract_pdf(raw, Hints())
    assert res.units == 2000
    assert sum(1 for r, _ in res.removed if r == "extract.page-number") == 2000
    assert res.text.count(line) == 2000


def test_page_number_shapes() -> None:
    for s in ("－ 3 －", "- 3 -", "3", "3/12", "第3页 共12页", "第 3 页", "Page 3 of 12"):
        assert is_page_number(s), s
    for s in ("3个工作日内", "一、总体要求", "2023年", "（3）"):
        assert not is_page_number(s), s


def test_lines_are_never_joined_across_headings_or_list_items() -> None:
    width = "全面推进依法行政工作取得新进展，行政执法监督体系进一步"
    text = join_lines([width, "健全。", "一、主要举措", width, "（二）加强监督", "1.完善制度"])
    assert text.split("\n") == [
        width + "健全。",
        "一、主要举措",
        width,
        "（二）加强监督",
        "1.完善制度",
    ]


def test_running_header_is_removed_only_where_it_repeats() -> None:
    pages = [
        ["某市司法局", "某市人民政府文件", "正文第一页内容。", "1"],
        ["某市司法局", "正文第二页内容。", "2"],
        ["某市司法局", "正文第三页内容。", "3"],
    ]
    kept, removed = strip_furniture(pages)
    assert kept[0][0] == "某市人民政府文件"
    assert [r for r, _ in removed].count("extract.page-number") == 3
    assert all("某市司法局" not in " ".join(p) for p in kept)


# -- WARC --------------------------------------------------------------------------------------
def test_warc_with_page_image_and_request_lists_every_record(tmp_path: Path) -> None:
    (tmp_path / "crawl.warc.gz").write_bytes(portal_warc())
    out = tmp_path / "out"
    build([tmp_path], out, workers=1)
    manifest = _rows(out, "manifest")
    reasons = sorted((r["reason"] or r["status"]) for r in manifest)
    assert reasons == ["kept", "skipped:warc-request", "unsupported_format:png"]
    assert {r["format"] for r in manifest} == {"warc-record"}
    (row,) = _rows(out, "data")
    assert row["source"] == PAGE_URL and row["url"] == PAGE_URL
    assert row["encoding"] == "gb18030"
    _body_ok(row["text"])


def test_broken_warc_record_is_a_row_and_the_next_record_is_still_read(tmp_path: Path) -> None:
    (tmp_path / "bad.warc").write_bytes(portal_warc(gz=False, broken=True))
    out = tmp_path / "out"
    build([tmp_path], out, workers=1)
    reasons = sorted(r["reason"] for r in _rows(out, "manifest"))
    assert reasons == ["broken_record", "skipped:warc-request", "unsupported_format:png"]


# -- discovery ---------------------------------------------------------------------------------
def test_folder_scan_takes_every_file_and_names_unknown_formats(tmp_path: Path) -> None:
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    (src / "page.HTML").write_bytes(portal_page())
    (src / "sub" / "REPORT.TXT").write_text(
        "2023年法治政府建设年度报告\n全年办理行政复议案件41件。\n"
    )
    (src / "table.xlsx").write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    (src / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 32)
    (src / "notes.xyz").write_bytes(b"\x00\x01\x02\x03" * 8)
    out = tmp_path / "out"
    build([src], out, workers=1)
    manifest = {r["source"]: r for r in _rows(out, "manifest")}
    assert set(manifest) == {"page.HTML", "sub/REPORT.TXT", "table.xlsx", "photo.jpg", "notes.xyz"}
    assert manifest["page.HTML"]["format"] == "html" and manifest["page.HTML"]["status"] == "kept"
    assert manifest["sub/REPORT.TXT"]["format"] == "txt"
    assert manifest["photo.jpg"]["reason"] == "unsupported_format:jpg"
    assert manifest["table.xlsx"]["reason"] == "unsupported_format:zip"
    assert manifest["notes.xyz"]["reason"] == "unsupported_format:xyz"


def test_glob_patterns_expand_braces_and_match_case_insensitively(tmp_path: Path) -> None:
    assert glob_patterns("*.{html,pdf}") == ["*.html", "*.pdf"]
    assert glob_patterns(["*.txt", "a/{b,c{d,e}}.x"]) == ["*.txt", "a/b.x", "a/cd.x", "a/ce.x"]
    src = tmp_path / "in"
    src.mkdir()
    (src / "A.PDF").write_bytes(report_pdf())
    (src / "b.html").write_bytes(portal_page())
    (src / "c.txt").write_text("2023年法治政府建设年度报告全文。")
    out = tmp_path / "out"
    build([src], out, workers=1, glob=["*.{pdf,HTML}"])
    assert sorted(r["source"] for r in _rows(out, "manifest")) == ["A.PDF", "b.html"]


def test_glob_that_matches_nothing_exits_2_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.txt").write_text("2023年法治政府建设年度报告全文。")
    code = main(["build", str(tmp_path), "--out", str(tmp_path / "o"), "-q", "--glob", "*.pdf"])
    assert code == 2
    err = capsys.readouterr().err
    assert "'*.pdf' matched no file" in err and "error:" in err


# -- cross-format dedup ------------------------------------------------------------------------
def test_html_page_and_its_pdf_attachment_merge_into_one_row(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "page.html").write_bytes(portal_page())
    (src / "report.pdf").write_bytes(report_pdf())
    out = tmp_path / "out"
    build([src], out, workers=1)
    data = _rows(out, "data")
    assert len(data) == 1, [r["source"] for r in data]
    manifest = {r["source"]: r for r in _rows(out, "manifest")}
    assert {r["status"] for r in manifest.values()} == {"kept", "duplicate"}
    (row,) = data
    _body_ok(row["text"])


def _page_and_pdf(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    src.mkdir()
    (src / "crawl.warc.gz").write_bytes(portal_warc())  # the article page, with its URL
    (src / "report.pdf").write_bytes(report_pdf())
    return src


def test_pdf_winning_over_its_page_keeps_the_page_url_date_and_attachments(
    tmp_path: Path,
) -> None:
    build([_page_and_pdf(tmp_path)], tmp_path / "out", workers=1)
    (row,) = _rows(tmp_path / "out", "data")
    assert row["format"] == "pdf" and row["source"] == "report.pdf"  # the PDF copy won
    page = next(r for r in _rows(tmp_path / "out", "manifest") if r["status"] == "duplicate")
    assert row["duplicates"] == [page["source"]]
    assert row["url"] == page["source"] and row["url"].startswith("http://www.example.gov.cn/")
    assert row["published"] == "2024-01-20"
    assert [a["href"] for a in row["attachments"]] == [
        "http://www.example.gov.cn/group1/M00/2024/report2023.pdf"
    ]


def test_merged_copies_without_any_page_leave_the_page_columns_null(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    text = "\n".join(s for s in BODY_SENTENCES)
    (src / "a.txt").write_text(text, encoding="utf-8")
    (src / "b.txt").write_text(text + "\n", encoding="utf-8")
    build([src], tmp_path / "out", workers=1)
    (row,) = _rows(tmp_path / "out", "data")
    assert len(row["duplicates"]) == 1
    assert (row["url"], row["published"], row["attachments"]) == (None, None, [])


def test_carried_page_fields_are_the_same_with_one_and_two_workers(tmp_path: Path) -> None:
    src = _page_and_pdf(tmp_path)
    (src / "report.docx").write_bytes(report_docx())
    (src / "report.ofd").write_bytes(report_ofd())
    build([src], tmp_path / "w1", workers=1)
    build([src], tmp_path / "w2", workers=2)
    for sub in ("data", "manifest"):
        assert _rows(tmp_path / "w1", sub) == _rows(tmp_path / "w2", sub)
    (row,) = _rows(tmp_path / "w1", "data")
    assert row["published"] == "2024-01-20" and row["url"]


# -- DOCX / OFD --------------------------------------------------------------------------------
def test_docx_keeps_body_and_table_rows_but_not_running_header() -> None:
    doc = default_pipeline().process_bytes("report.docx", report_docx())
    assert doc.kept and doc.format == "docx" and doc.encoding is None
    _body_ok(doc.text)
    assert "行政复议案件 35件 41件" in doc.text
    assert "内部资料" not in doc.text and "第1页" not in doc.text
    # runs of one paragraph are joined without a break
    assert PARAGRAPHS[1] in doc.text
    assert doc.page is not None and doc.page.title == TITLE and doc.page.author == "区司法局"


def test_docx_zip_bomb_is_too_large_without_inflating() -> None:
    # 300 MB of zeros deflate to ~300 KB; the declared size alone refuses it
    bomb = report_docx(extra_members={"word/document.xml": b"\0" * 300_000_000})
    doc = default_pipeline().process_bytes("bomb.docx", bomb)
    assert doc.reason == "too_large"


def test_docx_member_that_lies_about_its_size_is_refused_while_reading() -> None:
    data = report_docx(extra_members={"word/document.xml": b"<a/>" + b" " * 5_000_000})
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo("word/document.xml")
    # rewrite the declared size in both headers to 4 bytes
    size = info.file_size.to_bytes(4, "little")
    lied = data.replace(size, (4).to_bytes(4, "little"))
    doc = default_pipeline().process_bytes("lie.docx", lied)
    assert doc.status == "rejected" and doc.reason in ("too_large", "broken_docx")


def test_broken_docx_is_a_row_not_a_crash() -> None:
    raw = report_docx()
    doc = default_pipeline().process_bytes("cut.docx", raw[: len(raw) // 2])
    assert doc.status == "rejected" and doc.reason == "broken_docx"


def test_ofd_reads_text_objects_in_reading_order_and_docinfo() -> None:
    doc = default_pipeline().process_bytes("report.ofd", report_ofd())
    assert doc.kept and doc.format == "ofd"
    _body_ok(doc.text)
    assert "抽查案卷120卷，对发现的问题逐一督促整改" in doc.text
    assert "- 1 -" not in doc.text
    assert [r.rule for r in doc.removed].count("extract.page-number") >= 2
    assert doc.page is not None and doc.page.title == TITLE and doc.page.author == "区司法局"


def test_legacy_doc_and_wps_are_rejected_with_a_hint() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "WordDocument".encode("utf-16-le")
    for name, fmt in (("a.doc", "doc"), ("a.wps", "wps")):
        doc = default_pipeline().process_bytes(name, ole)
        assert doc.format == fmt
        assert doc.reason is not None and doc.reason.startswith(f"unsupported_format:{fmt} (")
        assert "docx" in doc.reason


def test_one_line_html_of_many_megabytes_is_read_as_visible_text() -> None:
    page = portal_page(charset_decl="utf-8", encoding="utf-8").decode()
    para = "<p>全区执法单位公示执法信息1916条。</p>"
    body = "".join(para.replace("1916", str(i)) for i in range(60_000))  # ~3 MB, one line
    raw = page.replace("\n", " ").replace('id="zoom">', 'id="zoom">' + body).encode()
    doc = default_pipeline().process_bytes("big.html", raw)
    assert doc.kept and "html_fallback" in doc.flags
    assert "全区执法单位公示执法信息59999条。" in doc.text


# -- inspect -----------------------------------------------------------------------------------
def test_inspect_shows_the_extraction_of_every_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {
        "page.html": portal_page(),
        "report.pdf": report_pdf(),
        "report.docx": report_docx(),
        "report.ofd": report_ofd(),
    }
    extractors = {}
    for name, raw in files.items():
        (tmp_path / name).write_bytes(raw)
        assert main(["inspect", str(tmp_path / name), "--json"]) == 0
        result = json.loads(capsys.readouterr().out)
        assert result["status"] == "kept", (name, result["reason"])
        extractors[name] = result["extraction"]["extractor"]
        assert result["extraction"]["format"] == name.rsplit(".", 1)[1]
    assert extractors == {
        "page.html": "trafilatura",
        "report.pdf": "pypdfium2",
        "report.docx": "docx-xml",
        "report.ofd": "ofd-xml",
    }
    (tmp_path / "crawl.warc.gz").write_bytes(portal_warc())
    assert main(["inspect", str(tmp_path / "crawl.warc.gz"), "--record", "2"]) == 0
    out = capsys.readouterr().out
    assert "warc-record" in out and "dropped by extraction" in out and "网站标识码" in out
    assert main(["inspect", str(tmp_path / "crawl.warc.gz")]) == 2
    assert "--record" in capsys.readouterr().err
    assert main(["inspect", str(tmp_path / "report.pdf")]) == 0
    out = capsys.readouterr().out
    assert "pypdfium2, 2 page(s)" in out and "extract.running-footer" in out


def test_page_title_without_meta_is_the_title_tag_before_the_site_name() -> None:
    raw = (
        portal_page()
        .replace(f'<meta name="ArticleTitle" content="{TITLE}">'.encode("gbk"), b"")
        .replace('<meta name="SiteName" content="淮南市某区人民政府">'.encode("gbk"), b"")
    )
    doc = default_pipeline().process_bytes("page.html", raw)
    assert doc.page is not None and doc.page.title == TITLE
    assert doc.text.startswith(TITLE + "\n")


@pytest.mark.slow
def test_bad_inputs_of_every_format_each_get_a_row_and_the_build_goes_on(tmp_path: Path) -> None:
    pypdf = pytest.importorskip("pypdf")
    src = tmp_path / "in"
    src.mkdir()
    pdf = report_pdf()
    (src / "good.html").write_bytes(portal_page())
    (src / "cut.pdf").write_bytes(pdf[: len(pdf) * 2 // 3])
    (src / "bomb.docx").write_bytes(report_docx(extra_members={"word/x.xml": b"\0" * 300_000_000}))
    bomb = report_docx(extra_members={"word/document.xml": b"\0" * 300_000_000})
    (src / "bomb2.docx").write_bytes(bomb)
    page = portal_page(charset_decl="utf-8", encoding="utf-8").decode()
    para = "<p>全区执法单位公示执法信息1916条，开展行政执法案卷评查两次。</p>"
    body = para * (50_000_000 // len(para.encode()))
    (src / "huge.html").write_bytes(
        page.replace("\n", " ").replace('id="zoom">', 'id="zoom">' + body).encode()
    )
    line = "各级行政机关严格依法履行职责，持续推进法治政府建设各项任务落实。"
    pages = [[(70.0, 780.0, f"{line}{i}")] for i in range(2000)]
    (src / "long.pdf").write_bytes(pdf_from_pages(pages))
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    (src / "locked.pdf").write_bytes(buf.getvalue())
    (src / "bad.warc").write_bytes(portal_warc(gz=False, broken=True))
    out = tmp_path / "out"
    build([src], out, workers=2)
    rows = _rows(out, "manifest")
    by_source = {r["source"]: r for r in rows}
    # the page, bomb.docx and huge.html (whose body holds the report) merge: one is kept
    merged = [by_source[s]["status"] for s in ("good.html", "bomb.docx", "huge.html")]
    assert sorted(merged) == ["duplicate", "duplicate", "kept"]
    assert by_source["cut.pdf"]["reason"] == "truncated"
    # bomb.docx: its document part is fine, the unused 300 MB member is never inflated
    assert by_source["bomb2.docx"]["reason"] == "too_large"
    assert by_source["long.pdf"]["status"] == "kept"
    assert by_source["locked.pdf"]["reason"] == "encrypted"
    warc = sorted(r["reason"] for r in rows if r["format"] == "warc-record")
    assert warc == ["broken_record", "skipped:warc-request", "unsupported_format:png"]
    assert len(rows) == 7 + 3  # seven files, three WARC records


@pytest.mark.parametrize(
    "meta", ['name="PubDate"', 'name="firstpublishedtime"', 'property="article:published_time"']
)
def test_publication_date_meta_names(meta: str) -> None:
    html = f'<html><head><meta {meta} content="2024-03-28 10:00:00"></head><body>'
    html += "<p>二〇二三年法治政府建设年度报告，全面推进依法行政，各项工作取得积极成效。</p>"
    doc = default_pipeline().process_bytes("p.html", (html + "</body></html>").encode())
    assert doc.page is not None and doc.page.published == "2024-03-28"
