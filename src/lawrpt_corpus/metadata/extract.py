"""Field extractors of the metadata step: pure functions of the text.

Every extractor returns the value and its evidence (:class:`Evidence`: the rule that produced
it and the 1-based line it came from, or why the field is null). Patterns accept both ASCII
and full-width punctuation, because the step may see raw text.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar

import ahocorasick_rs
import regex

from ..text.chars import HAN
from .gazetteer import Division, Gazetteer, Mention, Mentions
from .gazetteer import resolve as _resolve
from .gazetteer import resolve_codes as resolve_codes
from .issuer import central_prefix, is_central
from .rules import rules

NUM = "一二三四五六七八九十"
_CN_DIGIT = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
_CN_DIGIT.update({"六": 6, "七": 7, "八": 8, "九": 9})
LEVELS = ("province", "prefecture", "county")
LEVEL_OF_CHAR = {"省": "province", "市": "prefecture", "州": "prefecture", "盟": "prefecture"}
LEVEL_OF_CHAR.update({"区": "county", "县": "county", "旗": "county"})


@dataclass(slots=True)
class Evidence:
    rule: str | None
    line: int | str | None = None  # 1-based text line, or "page.<field>" (page metadata)
    why: str | None = None

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"rule": self.rule, "line": self.line}
        if self.why:
            d["why"] = self.why
        return d


@dataclass(slots=True)
class Line:
    no: int  # 1-based line number in the text
    text: str  # stripped


@dataclass(slots=True)
class Result:
    meta: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, Evidence] = field(default_factory=dict)
    sections: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    def set(self, key: str, value: Any, ev: Evidence) -> None:
        self.meta[key] = value
        self.evidence[key] = ev


# -- compiled patterns ---------------------------------------------------------------------
#: Characters of the opening line searched for a subject (``我局坚持…``). The subject pattern
#: is linear but costly per position (a lazy body times the suffix alternation), so it is
#: only ever run on this bounded window (tests/test_linear_time.py checks it there).
SUBJECT_WINDOW = 300
#: One character of an agency name as written: Han (``Script=Han``, what ``\p{Han}`` means
#: in rules.toml) or a masking / bracket character, not the start of 关于.
HAN_OR_MASK = f"(?:(?!关于)[{HAN}XxＸｘ×＊*（）()·])"


def _last_chars(alternation: str) -> frozenset[str] | None:
    """The last characters of the words of ``(?:word|word|…)`` when every word is plain Han
    text; None for any other pattern."""
    if not (alternation.startswith("(?:") and alternation.endswith(")")):
        return None
    words = alternation[3:-1].split("|")
    if not all(regex.fullmatch(r"\p{Han}+", w) for w in words):
        return None
    return frozenset(w[-1] for w in words)


def may_be_agency_line(s: str) -> bool:
    """Whether ``agency_line`` can match ``s``: only if ``s`` ends with the last character of
    a suffix (局, 厅, 政府, …), or with the newline ``$`` may stand before. A cheap test before
    the pattern (its lazy body tries the suffix alternation at up to 38 positions), which the
    prose and date lines at the end of a report fail."""
    p_last = patterns().agency_last
    if p_last is None:
        return True
    last = s[-1:]
    return last in p_last or last == "\n"


class _P:
    """Patterns compiled once per process from rules.toml."""

    #: Patterns only ever applied to a bounded slice of text: name → longest slice.
    bounded_input: ClassVar[dict[str, int]] = {"subject": SUBJECT_WINDOW}

    def __init__(self) -> None:
        r = rules()
        ag = r["agency"]
        self.suffix = ag["suffix"]
        self.body_char = ag["body_char"]
        self.self_refs: dict[str, str] = dict(ag["self_refs"])
        ph = r["placeholder"]
        self.placeholder = regex.compile(ph["pattern"])
        #: every placeholder match starts with one of these (a whole-text pre-check)
        self.placeholder_first = str(ph["first_chars"])
        body = self.body_char
        self.agency_line = regex.compile(rf"^{HAN_OR_MASK}{{1,38}}?{self.suffix}$")
        #: the last characters of the suffixes (None: the suffix is not a plain alternation
        #: of Han words, so no character can be ruled out): see may_be_agency_line
        self.agency_last = _last_chars(self.suffix)
        self.central = regex.compile(ag["central"])
        self.party_prefix = re.compile(ag["party_prefix"])
        self.subject = regex.compile(
            rf"(?:^|[，,。；;：:]|年(?:以来|度)?)\s*(?P<a>{body}{{1,18}}?{self.suffix})"
            rf"(?={ag['subject_verbs']})"
        )
        pre = regex.escape(ag["abbr_preceders"])
        self.abbr_pre = rf"(?:^|(?<=[{pre}])|(?<![{HAN}]))"
        y = r"((?:19|20)\d\d)"
        cn_y = r"([〇○零ＯO一二三四五六七八九]{4})"
        self.year_title = regex.compile(rf"(?:{y}|{cn_y})\s*年(?!\s*\d{{1,2}}\s*月)")
        self.year_open_report = regex.compile(rf"现将[^。，,；;]{{0,24}}?{y}\s*年")
        self.year_open_start = regex.compile(
            rf"^(?:[（(]?\s*)?{y}\s*年(?:度)?(?!\s*\d{{1,2}}\s*月)"
        )
        self.year_any = regex.compile(rf"{y}\s*年(?!\s*\d{{1,2}}\s*月)(?![—\-－~至到])")
        self.year_range_tail = regex.compile(r"\d{4}\s*[—\-－~至到]\s*$")
        self.plan_words = regex.compile(r["year"]["plan_words"])
        d_ar = r"((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"
        d_iso = r"((?:19|20)\d\d)[-./](\d{1,2})[-./](\d{1,2})"
        cn_md = r"([一二三四五六七八九十]{1,3})"
        d_cn = rf"([〇○零ＯO一二三四五六七八九]{{4}})\s*年\s*{cn_md}\s*月\s*{cn_md}\s*日"
        self.date_any = rf"(?:{d_ar}|{d_cn}|{d_iso})"
        self.date_line = regex.compile(rf"^[（(]?\s*{self.date_any}\s*[）)]?$")
        self.agency_date_line = regex.compile(rf"^(?P<a>\S.{{1,38}}?)\s+{self.date_any}$")
        self.issue_label = regex.compile(
            rf"{r['date']['issue_labels']}\s*[:：|｜]?\s*{self.date_any}"
        )
        self.heading = regex.compile(rf"^([{NUM}]{{1,3}})\s*[、.．]\s*(\S.*)$")
        t = r["title"]
        self.title_end = regex.compile(rf"{t['ends']}\s*[）)》」]?$")
        self.byline = regex.compile(t["byline"])
        self.title_label = regex.compile(t["title_label"])
        self.publisher_label = regex.compile(t["publisher_label"])
        self.sentence_punct = regex.compile(r"[。，,；;！!？?]")
        # A type names the whole title: its pattern ends the title (an optional short bracket
        # such as （全文） or （图片版） may follow). In the opening sentence that announces the
        # report (现将…报告如下) the same words are searched anywhere.
        tail = r"\s*(?:[（(][^）)]{1,12}[）)])?$"
        self.doc_types = [
            (d["id"], d["name"], regex.compile(d["pattern"].removesuffix("$") + tail))
            for d in r["doc_types"]
        ]
        #: "names one of the types": one search of the types' alternation instead of one
        #: search per type (the same answer; ``_names_type``), for every type and for the
        #: specific ones (without the generic 工作总结 / 工作报告 at the end of the list)
        self.doc_type_any = _any_of(r["doc_types"], tail)
        self.doc_type_specific = _any_of(r["doc_types"][:-2], tail)
        self.doc_types_open = [
            (d["id"], d["name"], regex.compile(d["pattern"].removesuffix("$")))
            for d in r["doc_types"]
        ]
        # literal alternations: stdlib re (several times faster than regex on these)
        self.chrome = re.compile(t["chrome"])
        self.headline = re.compile(t["headline"])
        self.interpretation = re.compile(t["interpretation"])
        self.quoted = regex.compile(r"《[^《》]{0,80}》")
        self.report_opening = regex.compile(r"(?:报告|总结|汇报)如下")
        lv = r["levels"]
        self.level_of_marker = {w: lvl for lvl in LEVELS for w in lv[lvl]}
        self.level_markers = re.compile("|".join(map(re.escape, self.level_of_marker)))
        #: ``level_markers.findall``, by an automaton (see LiteralFindall)
        self.level_marker_scan = LiteralFindall(list(self.level_of_marker), self.level_markers)
        self.min_markers = int(lv["min_markers"])
        self.min_mentions = int(lv["min_mentions"])
        self.municipalities = frozenset(lv["municipalities"])
        self.body_min_count = int(r["year"]["body_min_count"])
        self.title_max = int(t["max_len"])
        self.tail_lines = int(r["date"]["tail_lines"])
        self.self_ref_re = re.compile("|".join(map(re.escape, self.self_refs)))
        self.self_ref_scan = LiteralFindall(list(self.self_refs), self.self_ref_re)


class LiteralFindall:
    """``pattern.findall(text)`` for ``pattern`` the alternation of the plain ``words`` (in
    that order), answered by an Aho-Corasick automaton (``ahocorasick-rs``, a dependency of
    the package) where it can: its *leftmost-first* matches are the alternation's own — the
    leftmost match, at a position the first word in the list that matches there, the scan
    resuming after it — and for a word alternation without groups ``findall`` returns the
    matched words. On a 5,000-character report ~4× faster than the stdlib scan (a
    character-class skip then a branch at every candidate). A text the automaton cannot take
    (a lone surrogate: it encodes to UTF-8) goes to ``pattern``; tests compare both."""

    def __init__(self, words: list[str], pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self._ac = (
            ahocorasick_rs.AhoCorasick(words, matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_FIRST)
            if words and all(words)
            else None
        )

    def findall(self, text: str) -> list[str]:
        if self._ac is not None:
            try:
                return self._ac.find_matches_as_strings(text)  # type: ignore[no-any-return]
            except UnicodeEncodeError:
                pass
        return self.pattern.findall(text)


def _any_of(types: list[dict[str, Any]], tail: str) -> regex.Pattern[str]:
    """One pattern that matches where one of the ``types``' patterns (each ending in ``$``,
    then ``tail``) matches: their alternation, ``$`` and ``tail`` factored out."""
    alts = "|".join(f"(?:{d['pattern'].removesuffix('$')})" for d in types)
    return regex.compile(f"(?:{alts}){tail}")


@lru_cache(maxsize=1)
def patterns() -> _P:
    return _P()


@lru_cache(maxsize=256)
def _body_after(prefix: str, suffix: str) -> regex.Pattern[str]:
    """A body's name (group ``b``) ending in ``suffix`` (a regex alternation, longer forms
    first: ``委员会|委``), right after ``prefix`` (a regex: level chars, or empty to match at
    a given position): 区 → 人社局."""
    p = patterns()
    return regex.compile(rf"(?:{prefix})(?P<b>{p.body_char}{{1,12}}?(?:{suffix}))")


# -- small helpers -------------------------------------------------------------------------
def has_placeholder(text: str) -> bool:
    """Whether ``text`` has a masked place name (XX市, ××县, 某市: ``[placeholder]`` in
    rules.toml) — the answer of ``placeholder.search(text)``: every match starts with one of
    ``first_chars``, so the pattern is tried only where the text has one of them (a few
    places per report, found by ``str.find``) instead of at every position. Linear: each
    try reads at most a few characters (the pattern is bounded)."""
    p = patterns()
    match = p.placeholder.match
    for c in p.placeholder_first:
        i = text.find(c)
        while i >= 0:
            if match(text, i):
                return True
            i = text.find(c, i + 1)
    return False


def level_prefix(agency: str) -> str:
    """The level word an abbreviated body starts with: 省人社厅 → 省, 自治区人社厅 → 自治区."""
    if agency.startswith("自治区"):
        return "自治区"
    return agency[0] if agency and agency[0] in LEVEL_OF_CHAR else ""


def cn_number(s: str) -> int | None:
    """一..九十九 → int; 〇二三 digit strings (years) → int.

    The few strings a report numbers with (一, 十二, 二〇二三) recur in every report: their
    values are remembered (a bounded per-process dict; a pure function of ``s``)."""
    try:
        return _CN_NUMBER_MEMO[s]
    except KeyError:
        pass
    v = _cn_number(s)
    if len(_CN_NUMBER_MEMO) >= _CN_NUMBER_MEMO_MAX:
        _CN_NUMBER_MEMO.clear()
    _CN_NUMBER_MEMO[s] = v
    return v


_CN_NUMBER_MEMO: dict[str, int | None] = {}
_CN_NUMBER_MEMO_MAX = 4096


def _cn_number(s: str) -> int | None:
    if not s:
        return None
    if all(c in _CN_DIGIT for c in s):
        return int("".join(str(_CN_DIGIT[c]) for c in s))
    if "十" in s:
        tens, _, units = s.partition("十")
        t = _CN_DIGIT.get(tens, 0) if tens else 1
        u = _CN_DIGIT.get(units, 0) if units else 0
        if (tens and tens not in _CN_DIGIT) or (units and units not in _CN_DIGIT):
            return None
        return t * 10 + u
    return None


def parse_date(groups: tuple[str | None, ...]) -> str | None:
    """ISO date from the 9 groups of ``date_any`` (arabic / Chinese / ISO-ish), or None."""
    for i in (0, 3, 6):
        y, m, d = groups[i : i + 3]
        if y is None or m is None or d is None:
            continue
        yy, mm, dd = (cn_number(y), cn_number(m), cn_number(d)) if i == 3 else (y, m, d)
        try:
            return _dt.date(int(yy), int(mm), int(dd)).isoformat()  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
    return None


def _year_of(m: regex.Match[str]) -> int | None:
    if m.group(1):
        return int(m.group(1))
    v = cn_number(m.group(2) or "")
    return v if v and 1949 <= v <= 2100 else None


def split_lines(text: str) -> list[Line]:
    return [Line(i + 1, t) for i, s in enumerate(text.split("\n")) if (t := s.strip())]


_CUT = re.compile(r"[。；;]")


# -- structure -----------------------------------------------------------------------------
def find_sections(lines: list[Line]) -> tuple[list[str], list[Line]]:
    """Top-level headings 一、二、… in numbering order (a heading that breaks the sequence,
    e.g. a nested 一、 list, is skipped). A long heading line is cut at its first 。."""
    p = patterns()
    out: list[str] = []
    heads: list[Line] = []
    expected = 1
    for ln in lines:
        if ln.text[:1] not in NUM:  # a heading starts with a numeral (skip the regex)
            continue
        if not may_be_heading_after_numeral(ln.text[1:2]):
            continue  # 一是…, 三年来…: the numeral run ends without 、/./．
        m = p.heading.match(ln.text)
        if not m or cn_number(m.group(1)) != expected:
            continue
        text = ln.text
        if len(text) > 40:
            cut = _CUT.search(text)
            if cut:
                text = text[: cut.start() + 1]
        out.append(text)
        heads.append(ln)
        expected += 1
    return out, heads


_HEADING_SEPS = frozenset(NUM + "、.．")


def may_be_heading_after_numeral(c: str) -> bool:
    """Whether ``c``, the character after a line's first numeral, can continue a ``heading``
    match (``^[一…十]{1,3}\\s*[、.．]``): another numeral, a separator, or white space
    (every ``\\s`` character is ``str.isspace``). A cheap test before the pattern, which
    most lines starting with a numeral (一是…, 三年来…) fail."""
    return c in _HEADING_SEPS or c.isspace()


_SPACES = str.maketrans("", "", " \u3000\t")


def compact(s: str) -> str:
    """The line without spaces (titles set as `2023年 法治政府建设 年度报告`)."""
    return s.translate(_SPACES)


def outside_quotes(s: str) -> str:
    """The line without the documents it quotes (《…》): what the line itself says."""
    return patterns().quoted.sub("", s)


def is_headline(s: str) -> bool:
    """A headline about a document (司法部发布…报告, 网友热议政府工作报告), not its title."""
    return bool(patterns().headline.search(outside_quotes(s)))


def find_title(
    lines: list[Line], page_title: str | None = None
) -> tuple[str | None, Line | None, Line | None, int, str]:
    """(title, its line, an agency header line above it, index of the first body line, why).

    The title is found by its shape among the first lines, not by its position: chrome and
    ad prefaces of portal and repost pages (breadcrumbs, bylines, 下面是小编为大家整理的…) are
    skipped, and the search stops at the first prose line that is not chrome. A line equal to
    the page's own title (``Document.page.title``) wins; else the first line that names a known
    report type; else the first line of ≥ 6 characters that ends like a title. A title line has
    no sentence punctuation, is ≤ 60 characters, is not a section heading and is not a
    headline about a document (发布/审议/网友… outside 《》). The same line repeated by the page
    is one title (the first occurrence). A line ending in an agency suffix right above the title
    is a *header* only in a document-like head (no byline or chrome line above the title).
    """
    p = patterns()
    specific: int | None = None
    generic: int | None = None
    by_page: int | None = None
    stop = 0
    chrome_seen = False
    why = "no title line"
    page_title = (page_title or "").strip()
    joined = ""
    for i, ln in enumerate(lines[:14]):
        s = ln.text
        stop = i
        if p.byline.search(s) or p.date_line.match(s):
            chrome_seen = True
            continue
        if p.chrome.search(s):
            chrome_seen = True
            continue
        if p.heading.match(s) or len(s) > p.title_max or p.sentence_punct.search(s):
            break
        if (
            page_title
            and by_page is None
            and (s == page_title or (len(s) >= 6 and s in page_title))
        ):
            by_page = i
        if is_headline(s):
            why = f"headline, not a title: {s[:30]}"
            continue
        if specific is None and p.doc_type_specific.search(compact(s)):
            specific = i
        elif specific is None and _continues(lines, i):
            specific, joined = i, s + lines[i + 1].text  # a title set on two lines
        elif generic is None and len(s) >= 6 and p.title_end.search(s):
            generic = i
    t = by_page if by_page is not None else specific if specific is not None else generic
    if t is None:
        return None, None, None, stop, why
    if t == specific and joined:
        first = lines[t]
        return joined, Line(first.no, joined), _header(lines, t, chrome_seen, page_title), t + 2, ""
    return lines[t].text, lines[t], _header(lines, t, chrome_seen, page_title), t + 1, ""


def _header(lines: list[Line], t: int, chrome_seen: bool, page_title: str) -> Line | None:
    """The agency line right above the title, in a document-like head only."""
    p = patterns()
    if (
        t > 0
        and not chrome_seen
        and may_be_agency_line(lines[t - 1].text)
        and p.agency_line.match(lines[t - 1].text)
        and lines[t - 1].text != page_title
    ):
        return lines[t - 1]
    return None


def _continues(lines: list[Line], i: int) -> bool:
    """Line ``i`` and the next, short one form a title of a known type that neither is alone
    (湖北省人民政府关于2023年度法治政府建设 / 情况的报告)."""
    p = patterns()
    if i + 1 >= len(lines):
        return False
    a, b = lines[i].text, lines[i + 1].text
    if len(b) > 20 or len(a) + len(b) > p.title_max or p.sentence_punct.search(b):
        return False
    if p.byline.search(b) or p.chrome.search(b) or p.heading.match(b) or p.date_line.match(b):
        return False
    specific = p.doc_type_specific
    if len(b) >= 8 and specific.search(compact(b)):
        return False  # the second line is a title of its own
    return bool(specific.search(compact(a + b))) and not is_headline(a + b)


def labelled(lines: list[Line], which: str, stop: int = 15) -> tuple[str | None, Line | None]:
    """The value of a labelled line of an information-disclosure table kept in the text
    (``标  题：…`` for ``which="title"``, ``发布机构：…`` for ``"publisher"``) among the first
    lines; None when there is none or it is empty."""
    p = patterns()
    rx = p.title_label if which == "title" else p.publisher_label
    for ln in lines[:stop]:
        if len(ln.text) > 120:
            continue
        m = rx.search(ln.text)
        if m and m.group("v").strip():
            return m.group("v").strip(), ln
    return None, None


def find_opening(lines: list[Line], start: int) -> Line | None:
    """The first prose line (with sentence punctuation) at or after ``start``, before any
    section heading; bylines, dates and repeated title lines are skipped."""
    p = patterns()
    for ln in lines[start : start + 5]:
        if p.heading.match(ln.text):
            return None
        if p.byline.search(ln.text[:30]) or p.date_line.match(ln.text):
            continue
        if p.sentence_punct.search(ln.text):
            return ln
    return None


# -- year ----------------------------------------------------------------------------------
def find_year(
    title: Line | None, opening: Line | None, heads: list[Line], lines: list[Line]
) -> tuple[int | None, Evidence]:
    p = patterns()
    if title is not None:
        for m in p.year_title.finditer(title.text):
            if p.year_range_tail.search(title.text[: m.start()]):
                continue  # 2021-2025年规划: a range, not a report year
            y = _year_of(m)
            if y:
                return y, Evidence("title", title.no)
    if opening is not None:
        first = opening.text[:300]
        m = p.year_open_report.search(first)
        if m:
            return int(m.group(1)), Evidence("opening-report", opening.no)
        m = p.year_open_start.search(first)
        if m:
            return int(m.group(1)), Evidence("opening-start", opening.no)
    if heads:
        h = heads[0]
        m = p.year_any.search(h.text)
        if m and not p.plan_words.search(h.text):
            return int(m.group(1)), Evidence("first-section", h.no)
    # body: the dominant year outside plan sections, dates and ranges
    counts: Counter[int] = Counter()
    first_line: dict[int, int] = {}
    plan = False
    head_nos = {h.no for h in heads}
    for ln in lines:
        if ln.no in head_nos:
            plan = bool(p.plan_words.search(ln.text))
            continue
        if plan:
            continue
        for m in p.year_any.finditer(ln.text):
            if p.year_range_tail.search(ln.text[max(0, m.start() - 8) : m.start()]):
                continue
            y = int(m.group(1))
            counts[y] += 1
            first_line.setdefault(y, ln.no)
    if counts:
        (y, n), *rest = [*counts.most_common(2), (0, 0)]
        second = rest[0][1]
        if n >= p.body_min_count and n >= 2 * second:
            return y, Evidence("body-majority", first_line[y])
        return None, Evidence(None, why=f"body years not dominant: {dict(counts.most_common(3))}")
    return None, Evidence(None, why="no year in title, opening, first section or body")


# -- date and signature --------------------------------------------------------------------
def find_signature(lines: list[Line]) -> tuple[str | None, Line | None, str | None, Line | None]:
    """(agency, its line, ISO date, its line) from the end of the text."""
    p = patterns()
    tail = lines[-p.tail_lines :]
    best_date: tuple[str, Line] | None = None
    for j in range(len(tail) - 1, -1, -1):
        ln = tail[j]
        if len(ln.text) > 60:  # prose, not a signature or date line
            continue
        if not may_end_date(ln.text):  # both patterns below end with a date
            continue
        m = p.date_line.match(ln.text)
        if m:
            iso = parse_date(m.groups())
            if iso is None:
                continue
            if (
                j > 0
                and may_be_agency_line(tail[j - 1].text)
                and p.agency_line.match(tail[j - 1].text)
            ):
                return tail[j - 1].text, tail[j - 1], iso, ln
            if best_date is None:
                best_date = (iso, ln)
            continue
        m = p.agency_date_line.match(ln.text)
        if m and p.agency_line.match(m.group("a")):
            iso = parse_date(m.groups()[1:])
            if iso:
                return m.group("a"), ln, iso, ln
    for ln in reversed(tail[-3:]):
        if (
            may_be_agency_line(ln.text)
            and p.agency_line.match(ln.text)
            and not p.heading.match(ln.text)
        ):
            if best_date:
                return ln.text, ln, best_date[0], best_date[1]
            return ln.text, ln, None, None
    if best_date:
        return None, None, best_date[0], best_date[1]
    return None, None, None, None


def may_end_date(s: str) -> bool:
    """Whether the (stripped) line ``s`` can end with a date as ``date_line`` and
    ``agency_date_line`` read one: its last character is 日, a decimal digit (``\\d``: any
    Unicode Nd, as ``str.isdecimal``) or a closing bracket. A cheap test before the
    patterns."""
    last = s[-1:]
    return last == "日" or last.isdecimal() or last in ("）", ")")


def find_issue_date(lines: list[Line]) -> tuple[str | None, Line | None]:
    p = patterns()
    for ln in lines:
        if "日期" not in ln.text:  # every label ends in 日期: skip the regex on other lines
            continue
        m = p.issue_label.search(ln.text)
        if m:
            iso = parse_date(m.groups())
            if iso:
                return iso, ln
    return None, None


# -- doc type ------------------------------------------------------------------------------
def find_doc_type(title: Line | None, opening: Line | None) -> tuple[str | None, Evidence]:
    p = patterns()
    if title is not None:
        if p.interpretation.search(outside_quotes(title.text)):
            return None, Evidence(None, why="an interpretation of another document (解读)")
        compacted = compact(title.text)  # once, not once per report type
        for rid, name, rx in p.doc_types:
            if rx.search(compacted):
                return name, Evidence(f"title:{rid}", title.no)
    if opening is not None:
        for sent in opening.text.split("。"):
            if p.report_opening.search(sent):
                said = outside_quotes(sent)
                for rid, name, rx in p.doc_types_open[:-2]:
                    if rx.search(said):
                        return name, Evidence(f"opening:{rid}", opening.no)
    return None, Evidence(None, why="no title, or no known report type in it or the opening")


# -- places --------------------------------------------------------------------------------
@dataclass(slots=True)
class Place:
    level: str | None = None
    division: Division | None = None
    written: dict[str, str] = field(default_factory=dict)  # placeholders kept as written
    rule: str | None = None
    line: int | str | None = None
    why: str | None = None


def leading_places(g: Gazetteer, name: str) -> tuple[list[Mention], list[tuple[str, str]]]:
    """Places a body's name starts with (湖北省人社厅 → 湖北省; XX市XX区… → XX市, XX区).

    A pure function of the gazetteer and ``name``; a body's name recurs across its reports,
    so the answers are remembered per gazetteer (a bounded dict; callers get fresh lists)."""
    memo = g.memo("leading_places")
    known = memo.get(name)
    if known is None:
        known = _leading_places(g, name)
        if len(memo) >= _LEADING_MEMO_MAX:
            memo.clear()
        memo[name] = known
    return list(known[0]), list(known[1])


_LEADING_MEMO_MAX = 20_000


def _leading_places(
    g: Gazetteer, name: str
) -> tuple[tuple[Mention, ...], tuple[tuple[str, str], ...]]:
    p = patterns()
    found = {m.start: m for m in g.find(name)}
    mentions: list[Mention] = []
    masks: list[tuple[str, str]] = []
    party = p.party_prefix.match(name)  # 中共XX县委… names the county too
    pos = party.end() if party else 0
    if pos == 0 and name[:1] in "国中全最":
        # a local branch of a central body: 国家税务总局福州市税务局 → 福州市
        cp = central_prefix(name)
        if cp and len(name) > len(cp) and any(m.start >= len(cp) for m in found.values()):
            pos = len(cp)
    while pos < len(name):
        if pos in found:
            mentions.append(found[pos])
            pos = found[pos].end
            continue
        short = g.short_name_at(name, pos) if not mentions else None
        if short is not None and len(name) > short.end:  # 沛县司法局 (a name, not just 沛县)
            mentions.append(short)
            pos = short.end
            continue
        m = p.placeholder.match(name, pos)
        if m:
            masks.append((m.group(), LEVEL_OF_CHAR.get(m.group()[-1], "county")))
            pos = m.end()
            continue
        break
    return tuple(mentions), tuple(masks)


def _fits(level: str, div: Division, municipalities: frozenset[str]) -> bool:
    if level == "prefecture":
        return (
            div.level == "prefecture"
            or (div.level == "province" and div.code in municipalities)
            or (div.level == "county" and div.name.endswith("市"))
        )
    return div.level == level


def resolve_place(
    g: Gazetteer,
    mentions: list[Mention] | Mentions,
    text: str,
    agency: str | None,
    agency_line: int | str | None,
    fallbacks: list[Any] = (),  # type: ignore[assignment]
    report_shaped: bool = True,
    opening_span: tuple[int, int] | None = None,
) -> Place:
    """The issuing body's place, from issuer evidence only, in this order:

    1. the places the agency's own name starts with (``agency-name``); a central body with no
       place → ``central`` (``agency-central``);
    2. ``fallbacks``: other issuer evidence in the caller's order (the place a title or the
       opening's subject starts with, a speaker line, the document number, page metadata);
    3. the level of an abbreviated agency (省人社厅 → province), or of the "our level" markers
       (我县/全市…, only in a text shaped like a report), then the division of that level the
       text names most — at least twice and twice as often as any other, or the only one,
       named in the opening paragraph (same-named divisions resolved by other places in the
       text; ambiguous, tied or too rare → null).

    A place that is merely named in the body is never the issuer's place on its own.
    ``mentions`` may be a :class:`~.gazetteer.Mentions` of ``text``: the text is then searched
    only if a step needs its mentions (same result).
    """
    p = patterns()
    found = mentions if isinstance(mentions, Mentions) else Mentions.of(mentions)
    # unambiguous support, per division and per province ("p:NN"), counted on first read
    support = found.province_support()

    # 1. the agency's own name
    level: str | None = None
    rule: str | None = None
    if agency:
        lead, masks = leading_places(g, agency)
        if lead or masks:
            place = Place(rule="agency-name", line=agency_line)  # type: ignore[arg-type]
            for lvl_mask in masks:
                place.written[lvl_mask[1]] = lvl_mask[0]
            best: Division | None = None
            levels: list[str] = []
            chain: list[Division] = []
            for m in lead:
                code = resolve_codes(g, m.codes, support, chain)
                if code is None:
                    place.why = f"ambiguous: {m.name} ({len(m.codes)} divisions)"
                    same = {g.divisions[c].level for c in m.codes}
                    if len(same) == 1:
                        levels.append(same.pop())
                    continue
                div = g.get(code)
                if div is not None:
                    chain.append(div)
                if best is None or (div is not None and len(div.code) > len(best.code)):
                    best = div
            place.division = best
            levels += [best.level] if best else []
            levels += [lvl for _, lvl in masks]
            order = ("province", "prefecture", "county")
            place.level = max(levels, key=order.index) if levels else None
            return place
        if is_central(agency, g) or (central_prefix(agency) and not lead):
            return Place(level="central", rule="agency-central", line=agency_line)  # type: ignore[arg-type]
    # 2. other issuer evidence, in the caller's order (a place a title or an opening starts
    # with counts only in a text shaped like a report: 山西省…管理办法 as the headline of a
    # Q&A page is not an issuer)
    for ev in fallbacks:
        if ev is None or (not report_shaped and ev.rule in ("title-place", "opening-place")):
            continue
        if ev.level == "central":
            return Place(level="central", rule=ev.rule, line=ev.line)
        if ev.division is not None:
            return Place(level=ev.division.level, division=ev.division, rule=ev.rule, line=ev.line)
    # 3. the level of an abbreviation, or of the level markers, and the most-named division
    prefix_char = ""
    county_sure = 0
    if agency:
        prefix = level_prefix(agency)
        if prefix:
            level = LEVEL_OF_CHAR[prefix[-1]] if prefix != "自治区" else "province"
            rule = "agency-level"
            prefix_char = prefix[-1]
    if level is None and report_shaped:
        counts = dict.fromkeys(LEVELS, 0)
        for w in p.level_marker_scan.findall(text):
            counts[p.level_of_marker[w]] += 1
            county_sure += "县" in w or "旗" in w
        ranked = sorted(counts.items(), key=lambda kv: -kv[1])
        if ranked[0][1] >= p.min_markers and ranked[0][1] > ranked[1][1]:
            level = ranked[0][0]
            rule = "level-markers"
    if level is None or rule is None:
        why = "no issuer evidence (agency, title, opening subject, level markers, page)"
        if not report_shaped:
            why = "no issuer evidence, and the text is not shaped like a report"
        return Place(why=why)
    # A level alone is kept only when it is unambiguous: 县/旗 (county) and 省 (province).
    # 市 may be a prefecture, a county-level city (石狮市: 我市) or a municipality (北京: 全市),
    # 区 a district or an autonomous region (全区): without a division those give no level.
    if rule == "level-markers":
        sure = level == "province" or (level == "county" and county_sure > 0)
    else:
        sure = level == "province" or (level == "county" and prefix_char in "县旗")
    resolved: list[tuple[Mention, str | None]] = [
        (m, _resolve(g, m.codes, support)) for m in found.found
    ]
    place = _most_named(g, p, level, rule, resolved, text, opening_span)
    if place.division is None and not sure and place.level is not None:
        place.why = (place.why or "") + f"; level {level} not kept: 市/区 words are ambiguous"
        place.level = None
    return place


def _most_named(
    g: Gazetteer,
    p: Any,
    level: str,
    rule: str,
    resolved: list[tuple[Mention, str | None]],
    text: str,
    opening_span: tuple[int, int] | None,
) -> Place:
    """The division of ``level`` the text names most, if it dominates (see resolve_place)."""
    # choose the most-named division that fits the level
    per: Counter[str] = Counter()
    first: dict[str, int] = {}
    amb: Counter[str] = Counter()
    for m, c in resolved:
        if c is None:
            if any(_fits(level, g.divisions[x], p.municipalities) for x in m.codes):
                amb[m.name] += 1
            continue
        div = g.divisions[c]
        if _fits(level, div, p.municipalities):
            per[c] += 1
            first.setdefault(c, m.start)
    if not per and not amb:
        return Place(level=level, rule=rule, why=f"no {level} named in the text")
    top = per.most_common(2)
    top_n = top[0][1] if top else 0
    if amb and max(amb.values()) >= top_n:
        name, _ = amb.most_common(1)[0]
        return Place(level=level, rule=rule, why=f"ambiguous: {name} in several provinces")
    if len(top) > 1 and top[1][1] == top_n:
        return Place(
            level=level,
            rule=rule,
            why=f"tie: {g.divisions[top[0][0]].name} / {g.divisions[top[1][0]].name}",
        )
    # The level is issuer evidence, the name only a count of mentions: it must dominate
    # (named at least twice and twice as often as any other place of that level), so that a
    # study trip to another county named once is never taken for the issuer.
    second = top[1][1] if len(top) > 1 else 0
    in_opening = opening_span is not None and opening_span[0] <= first[top[0][0]] < opening_span[1]
    once_in_opening = top_n == 1 and second == 0 and in_opening
    if not once_in_opening and (top_n < p.min_mentions or top_n < 2 * second):
        return Place(
            level=level,
            rule=rule,
            why=f"no {level} named often enough: {g.divisions[top[0][0]].name} ×{top_n}",
        )
    div = g.divisions[top[0][0]]
    return Place(
        level=level, division=div, rule=rule + "+mentions", line=_line_of(text, first[div.code])
    )


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


# -- agency expansion ----------------------------------------------------------------------
def expand_agency(
    text: str, place: Place, suffix: str, g: Gazetteer | None = None
) -> tuple[str | None, str | None]:
    """A body of the place named in the text with ``suffix`` (湖里区人社局, 区人社局 →
    湖里区人社局). Returns (name, why-not). Several different bodies → the most named if it
    has at least twice the mentions of the next, else None. The name is the first full
    written form: with the parent places written right before the place
    (南宁市武鸣区人社局, not 武鸣区人社局)."""
    p = patterns()
    div = place.division
    if div is None:
        return None, "place unknown"
    if g is None:
        from .gazetteer import gazetteer

        g = gazetteer()
    parents = [d.name for d in g.chain(div.code).values() if d.code != div.code]
    lvl_chars = {div.name[-1]} if div.level != "province" else {"省"}
    if div.level == "province" and div.name.endswith("市"):
        lvl_chars = {"市"}
    counts: Counter[str] = Counter()
    written: dict[str, str] = {}
    body = _body_after("", suffix)  # compiled once per suffix, whatever the place
    pos = text.find(div.name)
    while pos >= 0:
        m = body.match(text, pos + len(div.name))
        if m:
            b = m.group("b")
            counts[b] += 1
            if b not in written:
                start = pos
                for name in parents:  # 南宁市 then 广西壮族自治区, as long as they are written
                    if start < len(name) or not text.startswith(name, start - len(name)):
                        break
                    start -= len(name)
                written[b] = text[start:pos] + div.name + b
        pos = text.find(div.name, pos + 1)
    abbr = _body_after(p.abbr_pre + "[" + "".join(sorted(lvl_chars)) + "]", suffix)
    for m in abbr.finditer(text):
        b = m.group("b")
        if b[:2] not in ("人民", "政府"):
            counts[b] += 1
    if not counts:
        ends = suffix.replace("|", " or ")
        return None, f"no body of {div.name} ending in {ends} named in the text"
    (b, n), *rest = [*counts.most_common(2), ("", 0)]
    if rest[0][1] and n < 2 * rest[0][1]:
        return None, f"several bodies: {b} / {rest[0][0]}"
    return written.get(b, div.name + b), None
