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

from ..document import METADATA_FIELDS, Document
from ..pipeline import DocumentStep
from .extract import (
    HAN_OR_MASK,
    LEVEL_OF_CHAR,
    SUBJECT_WINDOW,
    Evidence,
    Result,
    expand_agency,
    find_doc_type,
    find_issue_date,
    find_opening,
    find_sections,
    find_signature,
    find_title,
    find_year,
    level_prefix,
    patterns,
    resolve_place,
    split_lines,
)
from .gazetteer import Gazetteer, gazetteer


@dataclass
class ExtractMetadata(DocumentStep):
    """Fill the metadata columns from the cleaned text (see module docstring)."""

    name = "metadata"
    version = "1.1"  # 1.1: self-reference expansion keeps 委员会/办公室 and written parents
    data_files = (
        ("lawrpt_corpus.metadata", "data/rules.toml"),
        ("lawrpt_corpus.metadata", "data/divisions.json"),
    )

    def derived_params(self) -> dict[str, Any]:
        src = gazetteer().source
        return {"gazetteer": f"{src['repository']}@{src['commit'][:12]} ({src['data']})"}

    def __call__(self, doc: Document) -> Document:
        res = extract(doc.text)
        for key in METADATA_FIELDS:
            doc.meta[key] = res.meta.get(key)
        doc.sections = res.sections
        for f in res.flags:
            doc.flag(f)
        doc.features["metadata_evidence"] = {k: ev.as_dict() for k, ev in res.evidence.items()}
        return doc


def extract(text: str, g: Gazetteer | None = None) -> Result:
    """All metadata of ``text`` with evidence (pure function; the step's whole logic)."""
    g = g or gazetteer()
    p = patterns()
    res = Result()
    lines = split_lines(text)
    if not lines:
        for key in METADATA_FIELDS:
            res.set(key, None, Evidence(None, why="empty text"))
        return res

    res.sections, heads = find_sections(lines)
    title, title_ln, header_ln, body_start = find_title(lines)
    res.set(
        "title",
        title,
        Evidence("title-line", title_ln.no) if title_ln else Evidence(None, why="no title line"),
    )
    opening = find_opening(lines, body_start)
    year, ev = find_year(title_ln, opening, heads, lines)
    res.set("year", year, ev)
    dt, ev = find_doc_type(title_ln, opening)
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

    # agency as written: signature, header above the title, title prefix, opening subject
    agency: str | None = None
    agency_ev = Evidence(None)
    self_ref: str | None = None
    if sig_agency and sig_ln:
        agency, agency_ev = sig_agency, Evidence("signature", sig_ln.no)
    elif header_ln is not None:
        agency, agency_ev = header_ln.text, Evidence("header", header_ln.no)
    elif title and title_ln:
        m = _title_prefix().match(title)
        if m:
            agency, agency_ev = m.group("a"), Evidence("title-prefix", title_ln.no)
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
    if self_ref is None:
        refs = p.self_ref_re.findall(text)
        if refs:
            self_ref = max(sorted(set(refs)), key=refs.count)

    mentions = g.find(text)
    place = resolve_place(g, mentions, text, agency, agency_ev.line)

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
            agency_ev = Evidence(None, why="no signature, header, title prefix or subject")
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

    if any(c in text for c in p.placeholder_first) and p.placeholder.search(text):
        res.flags.append("placeholder")
    return res


def _leading(g: Gazetteer, name: str) -> tuple[list[Any], list[Any]]:
    from .extract import leading_places

    return leading_places(g, name)


def _line_with(lines: list[Any], needle: str) -> int | None:
    for ln in lines:
        if needle in ln.text:
            return int(ln.no)
    return None


_TITLE_PREFIX: regex.Pattern[str] | None = None


def _title_prefix() -> regex.Pattern[str]:
    global _TITLE_PREFIX
    if _TITLE_PREFIX is None:
        p = patterns()
        _TITLE_PREFIX = regex.compile(
            rf"^(?P<a>{HAN_OR_MASK}{{2,30}}?{p.suffix})(?:关于)?"
            r"(?:(?:19|20)\d\d|[〇○零一二三四五六七八九]{4})\s*年"
        )
    return _TITLE_PREFIX
