"""One rule-of-law report in every format a portal publishes it in, made here (no downloads).

The report (:data:`REPORT`) is written for these tests: a title, an opening paragraph, 一、/（一）
headings, long paragraphs that a PDF breaks mid-sentence, a table and a signature. Builders:

* :func:`portal_page` — the article page as a portal serves it: declared ``gb2312``, encoded
  GBK with traditional characters GB2312 cannot encode, breadcrumb, info table (索引号/发布机构/
  文号/成文日期/发布日期), 字号/打印/关闭, share bar, attachment link, footer with 网站标识码 and
  ICP/公网安备 numbers, portal ``<meta>`` tags.
* :func:`report_pdf` — the same report as a PDF with a 公文 header, lines broken at a fixed
  width, a running footer and page numbers (``－ 3 －``); a hand-written PDF with a Type0 font
  and a ToUnicode map (text layer only, no embedded glyphs), so no PDF library is needed.
* :func:`report_docx`, :func:`report_ofd`, :func:`portal_warc` — DOCX with a table and a
  running header, OFD (GB/T 33190) with one TextObject per line, WARC with three records
  (the page, an image, a request).

Body sentences every extraction must keep are in :data:`BODY_SENTENCES`.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

TITLE = "淮南市某区人民政府2023年法治政府建设年度报告"
SITE_ID = "3404050001"
HEADINGS = [
    "一、2023年推进法治政府建设的主要举措和成效",
    "（一）健全依法决策机制",
    "（二）严格规范公正文明执法",
    "二、存在的不足和原因",
    "三、2024年推进法治政府建设的主要安排",
]
PARAGRAPHS = [
    "2023年，区政府坚持以习近平新时代中国特色社会主义思想为指导，深入学习贯彻习近平法治思想，"
    "全面落实法治政府建设实施纲要，各项工作取得积极成效。现将有关情况报告如下。",
    "严格落实重大行政决策程序规定，全年共有8项重大行政决策事项纳入目录管理，全部履行公众参与、"
    "专家论证、风险评估、合法性审查和集体讨论决定程序，决策质量和效率不断提高。",
    "深化行政执法三项制度，全区执法单位公示执法信息1916条，开展行政执法案卷评查两次，"
    "抽查案卷120卷，对发现的问题逐一督促整改，執法規範化水平進一步提升。",
    "法治政府建设工作仍存在一些薄弱环节：部分执法人员的法治意识有待加强，基层执法力量相对不足，"
    "行政复议和行政诉讼案件数量仍然较多。",
    "下一步，区政府将持续深化法治政府建设，健全依法决策机制，加强行政执法队伍建设，"
    "推动法治政府建设再上新台阶。",
]
TABLE = [
    ["项目", "2022年", "2023年"],
    ["行政复议案件", "35件", "41件"],
    ["行政诉讼案件", "18件", "12件"],
]
SIGNATURE = ["淮南市某区人民政府", "2024年1月15日"]
#: Sentences (or sentence tails) that must survive every extraction of the report.
BODY_SENTENCES = [
    "深入学习贯彻习近平法治思想",
    "全年共有8项重大行政决策事项纳入目录管理",
    "决策质量和效率不断提高。",
    "开展行政执法案卷评查两次",
    "基层执法力量相对不足",
    "推动法治政府建设再上新台阶。",
]

#: Report body in reading order: (kind, text) with kind heading/para/table/sign.
REPORT: list[tuple[str, object]] = [
    ("para", PARAGRAPHS[0]),
    ("heading", HEADINGS[0]),
    ("heading", HEADINGS[1]),
    ("para", PARAGRAPHS[1]),
    ("heading", HEADINGS[2]),
    ("para", PARAGRAPHS[2]),
    ("table", TABLE),
    ("heading", HEADINGS[3]),
    ("para", PARAGRAPHS[3]),
    ("heading", HEADINGS[4]),
    ("para", PARAGRAPHS[4]),
    ("sign", SIGNATURE[0]),
    ("sign", SIGNATURE[1]),
]

#: Page chrome strings that must not survive extraction.
CHROME = [
    "首页",
    "当前位置",
    "分享到",
    "打印本页",
    "关闭窗口",
    "网站标识码",
    "皖ICP备",
    "公网安备",
    "扫一扫在手机打开当前页",
]


def plain_text() -> str:
    """The report as plain text, one paragraph per line."""
    lines = [TITLE]
    for kind, value in REPORT:
        if kind == "table":
            lines.extend(" ".join(row) for row in value)  # type: ignore[attr-defined]
        else:
            lines.append(str(value))
    return "\n".join(lines) + "\n"


# -- HTML --------------------------------------------------------------------------------------
def _body_html() -> str:
    parts = []
    for kind, value in REPORT:
        if kind == "heading":
            parts.append(f'<p style="text-indent:2em"><strong>{value}</strong></p>')
        elif kind == "para":
            parts.append(f'<p style="text-indent:2em">{value}</p>')
        elif kind == "table":
            rows = "".join(
                "<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>"
                for row in value  # type: ignore[attr-defined]
            )
            parts.append(f'<table border="1" cellspacing="0"><tbody>{rows}</tbody></table>')
        else:
            parts.append(f'<p style="text-align:right">{value}</p>')
    return "\n".join(parts)


def portal_page(*, charset_decl: str = "gb2312", encoding: str = "gbk") -> bytes:
    """The report's article page with full portal chrome (see the module docstring)."""
    html = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset={charset_decl}" />
<meta name="SiteName" content="淮南市某区人民政府">
<meta name="SiteDomain" content="www.example.gov.cn">
<meta name="SiteIDCode" content="{SITE_ID}">
<meta name="ColumnName" content="法治政府建设年度报告">
<meta name="ColumnType" content="法治政府建设年度报告">
<meta name="ArticleTitle" content="{TITLE}">
<meta name="PubDate" content="2024-01-20 09:30">
<meta name="ContentSource" content="区司法局">
<meta name="Keywords" content="法治政府,年度报告">
<title>{TITLE}_淮南市某区人民政府</title>
<link rel="stylesheet" href="/css/style.css">
<style>.nav li{{float:left}} body{{font-family:"宋体"}}</style>
<script>var _hmt = _hmt || []; function zoom(s){{document.body.style.fontSize=s+"px";}}</script>
</head>
<body>
<div class="top"><a href="/">首页</a> | <a href="/wza/">无障碍</a> |
<a href="/en/">English</a></div>
<div class="nav"><ul><li><a href="/zwgk/">政务公开</a></li><li><a href="/hdjl/">互动交流</a></li>
<li><a href="/bsfw/">办事服务</a></li><li><a href="/zjqq/">走进本区</a></li></ul></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt;
<a href="/zwgk/fzzfjsndbg/">法治政府建设年度报告</a></div>
<div class="xxgk_table"><table>
<tr><td class="label">索引号：</td><td>11340405003142345X/202401-00012</td>
<td class="label">信息分类：</td><td>法治政府建设年度报告</td></tr>
<tr><td class="label">发布机构：</td><td>淮南市某区人民政府办公室</td>
<td class="label">文号：</td><td>区政〔2024〕3号</td></tr>
<tr><td class="label">成文日期：</td><td>2024-01-15</td>
<td class="label">发布日期：</td><td>2024-01-20</td></tr>
</table></div>
<div class="article">
<h1 class="title">{TITLE}</h1>
<div class="info">发布时间：2024-01-20 09:30 来源：区司法局 浏览次数：<span id="hits">1024</span>
字号：<a href="javascript:zoom(18)">大</a> <a href="javascript:zoom(16)">中</a>
<a href="javascript:zoom(14)">小</a></div>
<div class="TRS_Editor" id="zoom">
{_body_html()}
</div>
<div class="attach">附件：<a href="/group1/M00/2024/report2023.pdf">{TITLE}.pdf</a></div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ空间</a></div>
<div class="tools"><a href="javascript:window.print()">打印本页</a>
<a href="javascript:window.close()">关闭窗口</a></div>
<div class="qr">扫一扫在手机打开当前页</div>
</div>
<div class="links">相关链接：<a href="/zwgk/a1.html">某区2022年法治政府建设年度报告</a>
<a href="/zwgk/a2.html">某区2021年法治政府建设年度报告</a></div>
<div class="footer">
<p>主办单位：淮南市某区人民政府办公室 联系电话：0554-1234567</p>
<p>网站标识码：{SITE_ID} <a href="https://beian.miit.gov.cn/">皖ICP备05001234号</a>
皖公网安备 34040502000123号</p>
</div>
</body>
</html>
"""
    return html.encode(encoding)


# -- PDF ---------------------------------------------------------------------------------------
def _wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def _hex(text: str) -> str:
    return "".join(f"{ord(c):04X}" for c in text)


_TOUNICODE = (
    "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
    "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
    "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
    "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
    + "".join(
        "100 beginbfrange\n"
        + "".join(f"<{h:02X}00> <{h:02X}FF> <{h:02X}00>\n" for h in range(b, min(b + 100, 256)))
        + "endbfrange\n"
        for b in range(0, 256, 100)
    )
    + "endcmap CMapName currentdict /CMap defineresource pop end end\n"
)


def pdf_from_pages(
    pages: list[list[tuple[float, float, str]]],
    *,
    title: str | None = None,
    author: str | None = None,
    image_only: bool = False,
) -> bytes:
    """A PDF whose page ``i`` draws each ``(x, y, text)`` of ``pages[i]`` at 12 pt.

    Characters are 2-byte CIDs equal to their code point, mapped back by a ToUnicode CMap.
    ``image_only`` draws a filled rectangle instead of text (a "scanned" page: no text layer).
    """
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    font_desc = add(
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 4 "
        b"/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 "
        b"/CapHeight 880 /StemV 93 >>"
    )
    cmap = _TOUNICODE.encode("ascii")
    tounicode = add(b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream")
    cidfont = add(
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        b"/FontDescriptor %d 0 R /DW 1000 >>" % font_desc
    )
    font = add(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H "
        b"/DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (cidfont, tounicode)
    )
    pages_id = len(objects) + 1 + 2 * len(pages)
    kids = []
    for lines in pages:
        if image_only:
            ops = "0.5 g 50 50 495 742 re f\n"
        else:
            ops = "".join(
                f"BT /F1 12 Tf {x:.1f} {y:.1f} Td <{_hex(t)}> Tj ET\n" for x, y, t in lines
            )
        data = ops.encode("ascii")
        content = add(b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream")
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] "
                b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
                % (pages_id, font, content)
            )
        )
    assert len(objects) + 1 == pages_id
    add(
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    )
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    info_items = []
    if title:
        info_items.append(b"/Title <FEFF%s>" % _hex(title).encode())
    if author:
        info_items.append(b"/Author <FEFF%s>" % _hex(author).encode())
    info = add(b"<< " + b" ".join(info_items) + b" >>")
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(
        b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, catalog, info, xref)
    )
    return out.getvalue()


def report_lines(width: int = 36) -> list[tuple[str, str]]:
    """The report laid out as a printed 公文: ``(kind, line)``, paragraphs wrapped at ``width``."""
    out: list[tuple[str, str]] = [
        ("header", "淮南市某区人民政府文件"),
        ("header", "区政〔2024〕3号"),
        ("title", TITLE),
    ]
    for kind, value in REPORT:
        if kind == "para":
            text = "　　" + str(value)
            out.extend(("para", line) for line in _wrap(text, width))
        elif kind == "table":
            out.extend(("table", "　".join(row)) for row in value)  # type: ignore[attr-defined]
        else:
            out.append((str(kind), str(value)))
    return out


def report_pdf(*, lines_per_page: int = 14, footer: str = "淮南市某区人民政府办公室印发") -> bytes:
    """The report as a 公文 PDF: lines wrapped at 36 characters, a running footer and a
    ``－ n －`` page number at the bottom of every page."""
    lines = report_lines()
    pages: list[list[tuple[float, float, str]]] = []
    for start in range(0, len(lines), lines_per_page):
        chunk = lines[start : start + lines_per_page]
        page: list[tuple[float, float, str]] = []
        y = 780.0
        for kind, text in chunk:
            x = 400.0 if kind == "sign" else 70.0
            page.append((x, y, text))
            y -= 28
        n = len(pages) + 1
        page.append((200.0, 60.0, footer))
        page.append((280.0, 40.0, f"－ {n} －"))
        pages.append(page)
    return pdf_from_pages(pages, title=TITLE, author="区司法局")


# -- DOCX --------------------------------------------------------------------------------------
_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _w_par(text: str, style: str | None = None) -> str:
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    # split into two runs to check that runs are joined without a break
    half = len(text) // 2
    return (
        f"<w:p>{ppr}<w:r><w:t>{escape(text[:half])}</w:t></w:r>"
        '<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">'
        f"{escape(text[half:])}</w:t></w:r></w:p>"
    )


def report_docx(*, extra_members: dict[str, bytes] | None = None) -> bytes:
    """The report as DOCX: styled headings, a table, a running header and footer."""
    body = [_w_par(TITLE, "Title")]
    for kind, value in REPORT:
        if kind == "heading":
            body.append(_w_par(str(value), "Heading1"))
        elif kind == "table":
            rows = "".join(
                "<w:tr>"
                + "".join(f"<w:tc><w:p><w:r><w:t>{c}</w:t></w:r></w:p></w:tc>" for c in row)
                + "</w:tr>"
                for row in value  # type: ignore[attr-defined]
            )
            body.append(f"<w:tbl>{rows}</w:tbl>")
        else:
            body.append(_w_par(str(value)))
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {_W}><w:body>'
        + "".join(body)
        + "<w:sectPr/></w:body></w:document>"
    )
    header = f"<w:hdr {_W}><w:p><w:r><w:t>区政府办公室 内部资料</w:t></w:r></w:p></w:hdr>"
    footer = f"<w:ftr {_W}><w:p><w:r><w:t>第1页</w:t></w:r></w:p></w:ftr>"
    core = (
        '<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties '
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{TITLE}</dc:title><dc:creator>区司法局</dc:creator>"
        '<dcterms:created xsi:type="dcterms:W3CDTF">2024-01-15T08:00:00Z</dcterms:created>'
        "</cp:coreProperties>"
    )
    members = {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
        "word/document.xml": document.encode("utf-8"),
        "word/header1.xml": header.encode("utf-8"),
        "word/footer1.xml": footer.encode("utf-8"),
        "docProps/core.xml": core.encode("utf-8"),
    }
    members.update(extra_members or {})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


# -- OFD ---------------------------------------------------------------------------------------
_OFD_NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'


def report_ofd(*, lines_per_page: int = 16) -> bytes:
    """The report as OFD: OFD.xml with DocInfo (Title, Author, CreationDate), one page per
    ``lines_per_page`` lines, each line one TextObject (in scrambled object order, with a
    page number at the bottom)."""
    lines = report_lines(width=36)
    pages = [lines[i : i + lines_per_page] for i in range(0, len(lines), lines_per_page)]
    ofd_xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {_OFD_NS} Version="1.0" DocType="OFD">'
        "<ofd:DocBody><ofd:DocInfo><ofd:DocID>abc</ofd:DocID>"
        f"<ofd:Title>{TITLE}</ofd:Title><ofd:Author>区司法局</ofd:Author>"
        "<ofd:CreationDate>2024-01-15</ofd:CreationDate></ofd:DocInfo>"
        "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
    )
    page_refs = "".join(
        f'<ofd:Page ID="{i + 10}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages))
    )
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {_OFD_NS}>'
        "<ofd:CommonData><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox>"
        f"</ofd:PageArea></ofd:CommonData><ofd:Pages>{page_refs}</ofd:Pages></ofd:Document>"
    )
    members = {"OFD.xml": ofd_xml.encode(), "Doc_0/Document.xml": document.encode()}
    for i, page in enumerate(pages):
        objs = []
        for j, (kind, text) in enumerate(page):
            x = 120.0 if kind == "sign" else 25.0
            y = 25.0 + j * 10
            objs.append(
                f'<ofd:TextObject ID="{100 + j}" Boundary="{x} {y} 170 8" Font="1" Size="4.2">'
                f'<ofd:TextCode X="0" Y="6">{escape(text)}</ofd:TextCode></ofd:TextObject>'
            )
        objs.append(
            f'<ofd:TextObject ID="99" Boundary="95 285 20 6" Font="1" Size="4.2">'
            f'<ofd:TextCode X="0" Y="5">- {i + 1} -</ofd:TextCode></ofd:TextObject>'
        )
        objs = objs[1::2] + objs[0::2]  # object order is not reading order
        content = (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {_OFD_NS}><ofd:Content>'
            f'<ofd:Layer ID="2">{"".join(objs)}</ofd:Layer></ofd:Content></ofd:Page>'
        )
        members[f"Doc_0/Pages/Page_{i}/Content.xml"] = content.encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


# -- WARC --------------------------------------------------------------------------------------
PAGE_URL = "http://www.example.gov.cn/zwgk/fzzfjsndbg/202401/t20240120_123.html"
IMAGE_URL = "http://www.example.gov.cn/images/logo.png"


def portal_warc(*, gz: bool = True, broken: bool = False) -> bytes:
    """A WARC with a request, the portal page (HTTP ``text/html; charset=gb2312``) and a PNG
    response. ``broken`` cuts the page record's payload short of its Content-Length."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gz)
    req = writer.create_warc_record(
        PAGE_URL,
        "request",
        payload=io.BytesIO(b"GET /zwgk/ HTTP/1.1\r\nHost: www.example.gov.cn\r\n\r\n"),
    )
    writer.write_record(req)
    page = portal_page()
    headers = StatusAndHeaders(
        "200 OK", [("Content-Type", "text/html; charset=gb2312")], protocol="HTTP/1.1"
    )
    rec = writer.create_warc_record(
        PAGE_URL, "response", payload=io.BytesIO(page), http_headers=headers
    )
    writer.write_record(rec)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    img_headers = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
    img = writer.create_warc_record(
        IMAGE_URL, "response", payload=io.BytesIO(png), http_headers=img_headers
    )
    writer.write_record(img)
    data = buf.getvalue()
    if broken:
        # an uncompressed WARC whose page record lost bytes in the middle of its payload
        assert not gz
        cut = data.index("深入学习贯彻".encode("gbk"))
        data = data[:cut] + data[cut + 200 :]
    return data
