"""HTML → main text + page metadata (saved portal pages, WARC records, scraped bodies).

1. **Charset**: BOM → the HTTP ``Content-Type`` charset (WARC records) → ``<meta charset>`` /
   ``http-equiv`` in the first 4 KiB → the decode cascade (:func:`decode_bytes`). Declared
   ``gb2312``/``gbk``/``cp936``/``euc-cn`` decode as ``gb18030`` (portals declare gb2312 and
   serve GBK characters such as 執/規/範); a declaration the bytes contradict (a strict decode
   fails) is ignored in favour of the cascade. ``decode_rule`` says which rule decided.
2. **Page metadata** (:class:`PageMeta`): ``ArticleTitle``/``<title>``, ``PubDate``,
   ``ContentSource``, ``SiteName``, ``SiteIDCode`` (else 网站标识码 in the footer),
   ``ColumnName``, the info table (索引号 / 发布机构 / 文号 / 成文日期 / 发布日期, as a table, a
   list or one line) and attachment links (href + link text).
3. **Main text** with trafilatura (tables kept, rendered one row per line with cells separated
   by a space; headings and paragraphs one per line); the article title is put first when the
   extracted text does not start with it. A page trafilatura finds no article in falls back
   to all visible text (the boilerplate rules then strip the chrome), flagged
   ``html_fallback``; so is a page with more than :data:`MAX_EXTRACTOR_CHARS` of visible text
   (trafilatura's time is not linear in the page size). docs/formats.md compares trafilatura
   with readability-lxml.
4. **What was dropped**: every visible line of the page that is not in the extracted text is
   returned as a removal ``extract.html-chrome`` (nothing leaves silently).

Linear time: lxml parses in C; the line walk is one pass; the dropped-line check is a set
lookup plus, for texts small enough, a substring test (bounded by :data:`_SUBSTRING_BUDGET`).
"""

from __future__ import annotations

import codecs
import re
from urllib.parse import urljoin

from ..document import PageMeta
from .base import Extracted, ExtractFailed, Hints

#: Declared charsets read as another codec (the GB family is always read as GB18030).
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gb_2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "gb18030": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "big5-hkscs": "big5hkscs",
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "unicode": "utf-16",
    "utf-16": "utf-16",
}
#: Declarations that are wrong on Chinese pages more often than right: use the cascade.
_IGNORED_CHARSETS = frozenset(
    {"iso-8859-1", "latin1", "latin-1", "windows-1252", "cp1252", "ascii", "us-ascii"}
)
_CHARSET_RE = re.compile(rb"charset\s*=\s*[\"']?\s*([a-z0-9_\-:.]{2,40})")
#: Visible text is cut into lines at these elements.
_BLOCK_TAGS = frozenset(
    "address article aside blockquote body br caption center dd div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol option p pre section table "
    "tbody td th thead tfoot tr ul title".split()
)
_INVISIBLE_TAGS = frozenset({"script", "style", "noscript", "template", "head", "iframe", "svg"})
_META_FIELDS = {
    "articletitle": "title",
    "pubdate": "published",
    "publishdate": "published",
    "firstpublishedtime": "published",
    "article:published_time": "published",
    "contentsource": "content_source",
    "sitename": "site_name",
    "siteidcode": "site_id_code",
    "columnname": "column",
    "author": "author",
}
_INFO_LABELS = {
    "索引号": "index_no",
    "发布机构": "publisher",
    "发文机关": "publisher",
    "文号": "doc_number",
    "发文字号": "doc_number",
    "成文日期": "written",
    "发布日期": "published",
}
_INFO_RE = re.compile(
    r"(索\s?引\s?号|发布机构|发文机关|发文字号|文\s?号|成文日期|发布日期)\s{0,4}[:：]\s{0,4}"
)
_SITE_ID_RE = re.compile(r"(?:网站|政府网站)?标识码\s{0,4}[:：]?\s{0,4}([0-9A-Za-z]{6,20})")
_SOURCE_RE = re.compile(r"(?:信息)?来源\s{0,4}[:：]\s{0,4}([^\s　]{2,40})")
_DATE_RE = re.compile(r"(\d{4})\s{0,2}[-年/.]\s{0,2}(\d{1,2})\s{0,2}[-月/.]\s{0,2}(\d{1,2})")
_ATTACHMENT_EXTS = frozenset("pdf doc docx wps ofd xls xlsx et ppt pptx zip rar 7z txt rtf".split())
#: The dropped-line check does a substring test only while lines × text stays below this.
_SUBSTRING_BUDGET = 20_000_000
#: trafilatura's time grows faster than the page (about 0.4 MB/s at 50 MB); a page with more
#: visible text than this (reports have 3,000-50,000 characters) is read as visible text.
MAX_EXTRACTOR_CHARS = 1_000_000
#: Fewer extracted characters than this share of the visible text (and under 200
#: characters) means trafilatura missed the article: fall back to the visible text.
_MIN_EXTRACTED_SHARE = 0.05
_WS_RE = re.compile(r"\s+")


def declared_charset(head: bytes) -> str | None:
    """The codec a page's ``<meta>`` declares in ``head``, aliased (None when unusable)."""
    m = _CHARSET_RE.search(head.lower())
    return _codec(m.group(1).decode("ascii")) if m else None


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    if label in _IGNORED_CHARSETS:
        return None
    label = _CHARSET_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_html(raw: bytes, http_charset: str | None = None) -> tuple[str, str, str]:
    """``(text, codec, rule)`` for an HTML page (see the module docstring). Raises
    :class:`ExtractFailed` with the cascade's reason when nothing decodes it."""
    from ..text.cascade import decode_bytes

    boms = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    if not raw.startswith(boms):
        for rule, codec in (
            ("http-charset", _codec(http_charset)),
            ("meta-charset", declared_charset(raw[:4096])),
        ):
            if codec is None:
                continue
            try:
                return raw.decode(codec), codec, rule
            except UnicodeDecodeError:
                continue  # the declaration is wrong: the cascade decides
    res = decode_bytes(raw)
    if res.text is None or res.codec is None:
        raise ExtractFailed(res.reason or "undecodable")
    return res.text, res.codec, res.rule or "cascade"


def extract_html(raw: bytes, hints: Hints) -> Extracted:
    """Main text and page metadata of an HTML page (see the module docstring)."""
    text, codec, rule = decode_html(raw, hints.charset)
    tree = _parse(text)
    if tree is None:
        raise ExtractFailed("empty")
    page = PageMeta(url=hints.url or _page_url(tree, text))
    _read_meta(tree, page)
    lines = visible_lines(tree)
    _read_info(lines, page)
    page.attachments = _attachments(tree, page.url)
    if not page.published:
        page.published = _page_date(lines)
    main, flags = _main_text(tree, lines)
    title = page.title
    if title and main and title not in main[:200]:
        main = title + "\n" + main
    removed = [("extract.html-chrome", line) for line in _dropped(lines, main)]
    return Extracted(
        text=main,
        extractor="trafilatura" if not flags else "html-visible-text",
        page=page,
        encoding=codec,
        decode_rule=rule,
        removed=removed,
        flags=flags,
    )


def _parse(text: str):  # -> lxml HtmlElement | None
    import lxml.html
    from lxml import etree

    data = text.encode("utf-8", "surrogatepass")
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, huge_tree=True)
    try:
        return lxml.html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError):
        return None


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = _WS_RE.sub(" ", value).strip()
    return value or None


def _iso_date(value: str | None) -> str | None:
    if not value:
        return None
    m = _DATE_RE.search(value)
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups())
    if not (1949 <= y <= 2100 and 1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def _read_meta(tree, page: PageMeta) -> None:
    """Portal ``<meta name=…>`` tags and ``<title>``."""
    for el in tree.iter("meta"):
        name = (el.get("name") or el.get("property") or "").strip().lower()
        field = _META_FIELDS.get(name)
        value = _clean(el.get("content"))
        if field is None or value is None or getattr(page, field):
            continue
        if field == "published":
            value = _iso_date(value)
        setattr(page, field, value)
    if page.title is None:
        title_el = tree.find(".//title")
        title = _clean(title_el.text_content()) if title_el is not None else None
        page.title = _page_title(title, page.site_name)


#: ``<title>`` is "article title" + separator + site name on portals.
_TITLE_SEPARATORS = ("_", "|", "｜", " - ", " — ", "－", "——")


#: ``<!-- saved from url=(0047)https://… -->``: the mark browsers put in a page saved to disk.
_SAVED_FROM_RE = re.compile(r"<!--\s{0,4}saved from url=\(\d{1,5}\)([^\s>]{1,2048})")
_URL_MAX_CHARS = 2048


def _absolute_url(value: str | None) -> str | None:
    """``value`` when it is an absolute http(s) URL with a host, else None."""
    value = (value or "").strip()
    if not value or len(value) > _URL_MAX_CHARS or any(c.isspace() for c in value):
        return None
    scheme, sep, rest = value.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        return None
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return value if host.strip("@:.") else None


def _page_url(tree, text: str) -> str | None:
    """Where a page saved to disk came from, when it says so: ``<link rel=canonical>``, then
    ``<meta property=og:url>``, then a browser's ``saved from url=`` comment in the first
    2 KiB. Only absolute http(s) URLs count (a relative canonical has nothing to resolve
    against). A WARC record's or JSON record's own URL always wins over these (the caller
    asks only when it has none)."""
    for el in tree.iter("link"):
        rel = (el.get("rel") or "").lower().split()
        if "canonical" in rel:
            url = _absolute_url(el.get("href"))
            if url:
                return url
    for el in tree.iter("meta"):
        if (el.get("property") or el.get("name") or "").strip().lower() == "og:url":
            url = _absolute_url(el.get("content"))
            if url:
                return url
    m = _SAVED_FROM_RE.search(text, 0, 2048)
    return _absolute_url(m.group(1)) if m else None


def _page_title(title: str | None, site_name: str | None) -> str | None:
    """The article title from ``<title>``: the site name or the part after the first
    portal separator (``_``, ``|``, `` - ``, ``－``, ``——``) dropped."""
    if not title:
        return None
    if site_name and title.endswith(site_name) and len(title) > len(site_name) + 4:
        title = title[: -len(site_name)].rstrip(" _|｜-－—")
    for sep in _TITLE_SEPARATORS:
        head = title.split(sep, 1)[0].strip()
        if len(head) >= 6:
            title = head
    return title or None


def visible_lines(tree) -> list[str]:
    """The page's visible text, one line per block element (scripts, styles, ``<head>``
    skipped), whitespace collapsed, blank lines dropped. One pass over the tree."""
    from lxml import etree

    lines: list[str] = []
    buf: list[str] = []
    skip = 0

    def flush() -> None:
        if buf:
            line = _WS_RE.sub(" ", "".join(buf)).strip()
            buf.clear()
            if line:
                lines.append(line)

    body = tree.find("body")
    root = body if body is not None else tree
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _INVISIBLE_TAGS:
                skip += 1
            elif skip == 0:
                if tag in _BLOCK_TAGS:
                    flush()
                if el.text:
                    buf.append(el.text)
        else:
            if tag in _INVISIBLE_TAGS:
                skip -= 1
            elif skip == 0 and tag in _BLOCK_TAGS:
                flush()
            if skip == 0 and el.tail:
                buf.append(el.tail)
    flush()
    return lines


def _read_info(lines: list[str], page: PageMeta) -> None:
    """The info table: ``label：value`` in one line (several per line allowed) or a label
    line followed by its value line; and 网站标识码 / 来源 when the meta tags lack them."""
    for i, line in enumerate(lines):
        if len(line) > 300:
            continue
        if page.site_id_code is None and "标识码" in line:
            m = _SITE_ID_RE.search(line)
            if m:
                page.site_id_code = m.group(1)
        if page.content_source is None and "来源" in line and len(line) < 80 and "。" not in line:
            m = _SOURCE_RE.search(line)
            if m:
                page.content_source = m.group(1)
        hits = list(_INFO_RE.finditer(line))
        for k, m in enumerate(hits):
            label = re.sub(r"\s", "", m.group(1))
            field = _INFO_LABELS[label]
            end = hits[k + 1].start() if k + 1 < len(hits) else len(line)
            value = line[m.end() : end].strip()
            if not value and i + 1 < len(lines) and not _INFO_RE.search(lines[i + 1]):
                value = lines[i + 1].strip()
            if not value or getattr(page, field):
                continue
            if field in ("written", "published"):
                value = _iso_date(value) or ""
                if not value:
                    continue
            setattr(page, field, value[:200])


def _page_date(lines: list[str]) -> str | None:
    """发布时间/发布日期 on a byline when neither meta nor info table gave one."""
    for line in lines:
        if len(line) < 200 and ("发布时间" in line or "发布日期" in line):
            date = _iso_date(line)
            if date:
                return date
    return None


def _attachments(tree, url: str | None) -> list[tuple[str, str]]:
    """Links to documents (by the href's extension) or labelled 附件, in page order."""
    base = url
    base_el = tree.find(".//base")
    if base_el is not None and base_el.get("href"):
        base = urljoin(url or "", base_el.get("href"))
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for a in tree.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        text = _clean(a.text_content()) or ""
        path = href.split("?", 1)[0].split("#", 1)[0].lower()
        ext = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
        if ext not in _ATTACHMENT_EXTS and not text.startswith("附件"):
            continue
        full = urljoin(base, href) if base else href
        if full in seen:
            continue
        seen.add(full)
        out.append((full, text[:300]))
    return out


def _table_row(line: str) -> str:
    """trafilatura's ``| a | b |`` table row → ``a b`` (cells separated by one space)."""
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    return " ".join(c for c in cells if c)


def _main_text(tree, lines: list[str]) -> tuple[str, list[str]]:
    import trafilatura

    visible = sum(len(x) for x in lines)
    if visible > MAX_EXTRACTOR_CHARS:
        return "\n".join(lines), ["html_fallback"]
    try:
        out = trafilatura.extract(
            tree,
            include_tables=True,
            include_comments=False,
            include_images=False,
            include_links=False,
            deduplicate=False,
            favor_recall=True,
            output_format="txt",
        )
    except Exception:  # trafilatura bug on an odd page: fall back, never fail the input
        out = None
    if out:
        rows = []
        for line in out.split("\n"):
            s = line.strip()
            if s.startswith("|") and s.endswith("|"):
                s = _table_row(s)
            if s:
                rows.append(s)
        text = "\n".join(rows)
        if len(text) >= 200 or len(text) >= _MIN_EXTRACTED_SHARE * visible:
            return text, []
    return "\n".join(lines), ["html_fallback"]


def _dropped(lines: list[str], text: str) -> list[str]:
    """Visible lines not found in ``text`` (in page order)."""
    kept = set(text.split("\n"))
    substring = len(lines) * len(text) <= _SUBSTRING_BUDGET
    out = []
    for line in lines:
        if line in kept:
            continue
        if substring and _WS_RE.sub("", line) and line in text:
            continue
        out.append(line)
    return out
