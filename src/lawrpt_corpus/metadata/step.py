"""The metadata step: which report is this — year, issuing body, place, level, date, title,
type and sections, each with the evidence that produced it.

Fills ``doc.meta`` keys ``title``, ``year`` (int), ``agency``, ``province``, ``prefecture``,
``county``, ``admin_level`` (``central``/``province``/``prefecture``/``county``), ``date``
(ISO), ``doc_type``; ``doc.sections``; flags ``agency_inferred`` and ``placeholder``; and
``doc.features["metadata_evidence"] = {field: {"rule", "line", "why"?}}``. A field with no
evidence in the text is ``None`` (``why`` says what was missing). Never raises on odd text;
never changes the text. See docs/metadata.md for each field's evidence order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import regex

from ..document import METADATA_FIELDS, Document, PageMeta
from ..pipeline import DocumentStep
from .extract import (
    HAN_OR_MASK,
    LEVEL_OF_CHAR,
    SUBJECT_WINDOW,
    Evidence,
    Line,
    Result,
    expand_agency,
    find_doc_type,
    find_issue_date,
    find_opening,
    find_sections,
    find_signature,
    find_title,
    find_year,
    has_placeholder,
    is_headline,
    labelled,
    leading_places,
    level_prefix,
    patterns,
    resolve_place,
    split_lines,
)
from .gazetteer import Gazetteer, Mentions, gazetteer
from .issuer import (
    Issuer,
    delivery_place,
    doc_number,
    opening_place,
    red_header,
    site_division,
    speaker,
    title_place,
)


@dataclass
class ExtractMetadata(DocumentStep):
    """Fill the metadata columns from the cleaned text (see module docstring)."""

    name = "metadata"
    version = "1.2"  # 1.2: region/level only from issuer evidence, central bodies, page metadata
    data_files = (
        ("lawrpt_corpus.metadata", "data/rules.toml"),
        ("lawrpt_corpus.metadata", "data/divisions.json"),
        ("lawrpt_corpus.metadata", "data/central_bodies.toml"),
    )

    def derived_params(self) -> dict[str, Any]:
        src = gazetteer().source
        return {"gazetteer": f"{src['repository']}@{src['commit'][:12]} ({src['data']})"}

    def __call__(self, doc: Document) -> Document:
        res = extract(doc.text, page=doc.page)
        for key in METADATA_FIELDS:
            doc.meta[key] = res.meta.get(key)
        doc.sections = res.sections
        for f in res.flags:
            doc.flag(f)
        doc.features["metadata_evidence"] = {k: ev.as_dict() for k, ev in res.evidence.items()}
        return doc


def extract(text: str, g: Gazetteer | None = None, page: PageMeta | None = None) -> Result:
    """All metadata of ``text`` (and of the page metadata ``page``, when extraction gave any)
    with evidence. A pure function; the step's whole logic."""
    g = g or gazetteer()
    p = patterns()
    res = Result()
    lines = split_lines(text)
    if not lines:
        for key in METADATA_FIELDS:
            res.set(key, None, Evidence(None, why="empty text"))
        return res

    res.sections, heads = find_sections(lines)
    page_title = page.title if page is not None else None
    title, title_ln, header_ln, body_start, title_why = find_title(lines, page_title)
    title_ev = Evidence("title-line", title_ln.no) if title_ln else Evidence(None, why=title_why)
    if title is None:
        label, label_ln = labelled(lines, "title")
        if label and label_ln is not None and title_shaped(label):
            title, title_ln = label, Line(label_ln.no, label)
            title_ev = Evidence("title-label", label_ln.no)
    if title is None and page_title and title_shaped(page_title):
        title, title_ln = page_title.strip(), Line(0, page_title.strip())
        title_ev = Evidence("page-title", "page.title")
    opening = find_opening(lines, body_start)
    if (
        title
        and opening
        and opening.text.startswith(title)
        and opening.text[len(title) : len(title) + 1] in "是（("
    ):
        # an article about the document (百科: "X是…的一种公文形式"), not the document
        title_ev = Evidence(None, why=f"the text defines {title[:20]}: an article about it")
        title, title_ln = None, None
    res.set("title", title, title_ev)
    year, ev = find_year(title_ln, opening, heads, lines)
    if ev.rule == "title" and title_ln is not None and title_ln.no == 0:
        ev = Evidence("page-title", "page.title")
    res.set("year", year, ev)
    dt, ev = find_doc_type(title_ln, opening)
    if ev.rule and ev.rule.startswith("title:") and title_ln is not None and title_ln.no == 0:
        ev = Evidence("page-" + ev.rule, "page.title")
    res.set("doc_type", dt, ev)

    # date: signature date, else a labelled issue date
    sig_agency, sig_ln, date, date_ln = find_signature(lines)
    if date and date_ln:
        res.set("date", date, Evidence("signature-date", date_ln.no))
    else:
        date, date_ln = find_issue_date(lines)
        if date and date_ln:
            res.set("date", date, Evidence("issue-date-label", date_ln.no))
        else:
            res.set("date", None, Evidence(None, why="no date line at the end, no issue label"))

    # agency as written: signature, red header, header above the title, the title's issuer,
    # a speaker line under the title, the opening's subject, the page's 发布机构
    head_stop = body_start + 4
    agency: str | None = None
    agency_ev = Evidence(None)
    inferred = False
    self_ref: str | None = None
    said = speaker(g, lines, max(body_start - 1, 0), head_stop) if title_ln else None
    red = red_header(lines, 3)
    if sig_agency and sig_ln:
        agency, agency_ev = sig_agency, Evidence("signature", sig_ln.no)
    elif red is not None:
        agency, agency_ev = red.agency, Evidence(red.rule, red.line)
    elif header_ln is not None:
        agency, agency_ev = header_ln.text, Evidence("header", header_ln.no)
    elif title:
        m = _title_prefix().match(title) or _title_issuer().match(title)
        if m:
            agency, agency_ev = m.group("a"), Evidence("title-prefix", title_ev.line)
    if agency is None and said is not None and said.agency:
        agency, agency_ev, inferred = said.agency, Evidence("speaker", said.line), said.inferred
    if agency is None and opening is not None:
        for m in p.subject.finditer(opening.text[:SUBJECT_WINDOW]):
            a = m.group("a")
            if a in p.self_refs:
                self_ref = a
                break
            if a[-1] in "委" and a[0] in LEVEL_OF_CHAR and len(a) <= 2:
                continue  # 县委/区委: the party committee, not the reporting body
            agency, agency_ev = a, Evidence("opening-subject", opening.no)
            break
    if agency is None:
        pub_label, pub_ln = labelled(lines, "publisher")
        if pub_label and pub_ln is not None and p.agency_line.match(pub_label):
            agency, agency_ev = pub_label, Evidence("publisher-label", pub_ln.no)
    if agency is None and page is not None and page.publisher:
        pub = page.publisher.strip()
        if p.agency_line.match(pub):
            agency, agency_ev = pub, Evidence("page-publisher", "page.publisher")
    if self_ref is None and not agency:
        # (with an agency, a self-reference changes nothing: the text is report-shaped anyway
        # and the agency is not expanded from it)
        refs = p.self_ref_scan.findall(text)
        if refs:
            self_ref = max(sorted(set(refs)), key=refs.count)
    if inferred:
        res.flags.append("agency_inferred")

    # the whole text is searched for places only if a step below needs its mentions
    mentions = Mentions(g, text)
    support = mentions.support()
    fallbacks: list[Issuer | None] = []
    if title and title_ln is not None:
        div = title_place(g, title, support)
        if div is not None:
            fallbacks.append(Issuer("title-place", title_ev.line, division=div))
    if opening is not None:
        div = opening_place(g, opening.text[:SUBJECT_WINDOW], support)
        if div is not None:
            fallbacks.append(Issuer("opening-place", opening.no, division=div))
    if said is not None and said.level == "central":
        fallbacks.append(said)
    if title_ln is not None:
        fallbacks.append(delivery_place(g, lines, max(body_start - 1, 0), head_stop))
    fallbacks.append(doc_number(g, lines, head_stop))
    if page is not None:
        fallbacks.append(site_division(g, page.site_id_code))
    # a text shaped like a report: a report type, an issuing body, a speaker, a self-reference
    # (我局), or an opening that announces a report (…报告如下 / 总结如下)
    announces = opening is not None and bool(p.report_opening.search(opening.text))
    report_shaped = bool(dt or agency or self_ref or said or announces)
    span = None
    if opening is not None:
        at = text.find(opening.text)
        span = (at, at + len(opening.text)) if at >= 0 else None
    place = resolve_place(
        g,
        mentions,
        text,
        agency,
        agency_ev.line,
        fallbacks,
        report_shaped=report_shaped,
        opening_span=span,
    )

    # a speaker line with a role but no place (省长 王某): the government of the place found
    if agency is None and said is not None and said.agency is None and said.level:
        div = place.division
        if div is not None and _heads(said.level, div, p.municipalities):
            agency = div.name + "人民政府"
            agency_ev = Evidence("speaker+place", said.line)
            res.flags.append("agency_inferred")

    # expand an abbreviation (省人社厅) or a self-reference (我局) from the place
    prefix = level_prefix(agency) if agency else ""
    if agency and prefix and place.division is not None:
        div = place.division
        chars = {div.name[-1]} if div.level != "province" else {"省", div.name[-1]}
        if div.level == "province" and div.name.endswith("自治区"):
            chars = {"自治区"}
        lead, _ = _leading(g, agency)
        if not lead and prefix in chars:
            agency = div.name + agency[len(prefix) :]
            agency_ev = Evidence(f"{agency_ev.rule}+place", agency_ev.line)
            res.flags.append("agency_inferred")
    if agency is None:
        if self_ref and place.division is not None:
            name, why = expand_agency(text, place, p.self_refs[self_ref], g)
            if name:
                agency = name
                agency_ev = Evidence("self-reference+named-body", _line_with(lines, name))
                res.flags.append("agency_inferred")
            else:
                agency_ev = Evidence(None, why=f"self-reference {self_ref}: {why}")
        elif self_ref:
            agency_ev = Evidence(None, why=f"self-reference {self_ref}, place unknown")
        else:
            agency_ev = Evidence(
                None, why="no signature, header, title issuer, speaker, subject or publisher"
            )
    res.set("agency", agency, agency_ev)

    # place columns
    place_ev = Evidence(place.rule, place.line, place.why)
    cols: dict[str, str | None] = {"province": None, "prefecture": None, "county": None}
    if place.division is not None:
        for lvl, div in g.chain(place.division.code).items():
            cols[lvl] = div.name
    for lvl, written in place.written.items():
        cols[lvl] = written
    for lvl, value in cols.items():
        ev = place_ev
        if value is None and place_ev.rule and not place_ev.why:
            ev = Evidence(place_ev.rule, place_ev.line, f"no {lvl} above/at the place found")
        res.set(lvl, value, ev)
    if place.level == "central":
        level: str | None = "central"
    elif place.division is not None and not place.written:
        level = place.division.level
    else:
        level = place.level
    res.set(
        "admin_level",
        level,
        Evidence(place.rule, place.line) if level else Evidence(None, why=place.why),
    )

    if has_placeholder(text):
        res.flags.append("placeholder")
    return res


def _heads(level: str, div: Any, municipalities: frozenset[str]) -> bool:
    """A speaker of this level heads the government of ``div`` (市长 of 北京市 too)."""
    if level == "prefecture" and div.level == "province":
        return div.code in municipalities
    return bool(div.level == level)


def _leading(g: Gazetteer, name: str) -> tuple[list[Any], list[Any]]:
    return leading_places(g, name)


def _line_with(lines: list[Any], needle: str) -> int | None:
    for ln in lines:
        if needle in ln.text:
            return int(ln.no)
    return None


_TITLE_PREFIX: regex.Pattern[str] | None = None
_TITLE_ISSUER: regex.Pattern[str] | None = None


def _title_issuer() -> regex.Pattern[str]:
    """A title that starts with its issuer followed by 关于 (XX人民政府关于…的报告,
    国务院办公厅、中央军委办公厅关于… → the first body; 第十四届全国人民代表大会第二次会议关于…
    → the session)."""
    global _TITLE_ISSUER
    if _TITLE_ISSUER is None:
        p = patterns()
        _TITLE_ISSUER = regex.compile(
            rf"^(?P<a>(?:(?!关于)[\p{{Han}}（）()·]){{2,30}}?(?:{p.suffix}|会议))"
            r"(?=(?:、\p{Han}{2,20}?)?关于)"
        )
    return _TITLE_ISSUER


def title_shaped(s: str) -> bool:
    """A page title that can be the report's title: short, no sentence punctuation, not a
    headline, and ends like a title or names a known type."""
    p = patterns()
    s = s.strip()
    if not s or len(s) > p.title_max or p.sentence_punct.search(s) or is_headline(s):
        return False
    return bool(p.title_end.search(s) or p.doc_type_any.search(s))


def _title_prefix() -> regex.Pattern[str]:
    global _TITLE_PREFIX
    if _TITLE_PREFIX is None:
        p = patterns()
        _TITLE_PREFIX = regex.compile(
            rf"^(?P<a>{HAN_OR_MASK}{{2,30}}?{p.suffix})(?:关于)?"
            r"(?:(?:19|20)\d\d|[〇○零一二三四五六七八九]{4})\s*年"
        )
    return _TITLE_PREFIX
