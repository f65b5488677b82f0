"""Issuer evidence besides the agency's own name: central bodies, speaker lines, document
numbers, titles and openings that start with a place, and page metadata.

Every function reads only the places where a document names *its own* issuer: the title line,
the lines right under it, the subject of the opening sentence, a document-number line, the
page's 发布机构 / SiteIDCode. A place named anywhere else (a study trip to 浙江省, a meeting in
北京市) is never read here. All vocabularies are data (``data/rules.toml``,
``data/central_bodies.toml``); every pattern is linear-time and runs on bounded lines.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, ClassVar

import regex

from .gazetteer import Division, Gazetteer, Mention, resolve_codes
from .rules import rules


@dataclass(frozen=True, slots=True)
class Issuer:
    """One piece of issuer evidence: a body as written (or inferred), and/or a place/level."""

    rule: str
    line: int | str | None = None  # 1-based text line, or "page.<field>" for page metadata
    agency: str | None = None
    inferred: bool = False  # the agency is composed (place + 人民政府), not written as is
    division: Division | None = None
    level: str | None = None  # central / province / prefecture / county


# -- central bodies --------------------------------------------------------------------------
@lru_cache(maxsize=1)
def central_bodies() -> dict[str, Any]:
    raw = resources.files(__package__).joinpath("data/central_bodies.toml").read_text("utf-8")
    return tomllib.loads(raw)


@lru_cache(maxsize=1)
def central_names() -> tuple[str, ...]:
    """Every central body name (full, short and former), longest first."""
    names = {n for group in central_bodies()["groups"].values() for n in group}
    return tuple(sorted(names, key=lambda n: (-len(n), n)))


_SESSION = regex.compile(r"^第[一二三四五六七八九十]{1,3}届")


def central_prefix(name: str) -> str | None:
    """The central body a name starts with (国家税务总局 in 国家税务总局福建省税务局; 全国人民
    代表大会 in 第十四届全国人民代表大会第二次会议), or None."""
    m = _SESSION.match(name)
    rest = name[m.end() :] if m else name
    for n in central_names():
        if rest.startswith(n):
            return name[: len(name) - len(rest)] + n
    return None


def is_central(name: str, g: Gazetteer) -> bool:
    """A central body: it starts with a listed body (or matches the central pattern of
    rules.toml) and names no place at all (国家税务总局福州市税务局 is a local branch)."""
    if g.find(name):
        return False
    if central_prefix(name):
        return True
    if name[:1] in "省市区县州盟旗乡镇" or name.startswith(("自治", "县委", "市委", "区委")):
        return False  # 县委宣传部, 市委组织部: a local body written without its place
    return bool(_P().central.search(name))


# -- patterns --------------------------------------------------------------------------------
class _Patterns:
    #: Patterns only ever applied to short lines: name → longest line they see.
    bounded_input: ClassVar[dict[str, int]] = {"speaker": 36, "doc_number": 24, "delivery": 60}

    def __init__(self) -> None:
        r = rules()
        iss = r["issuer"]
        self.central = regex.compile(r["agency"]["central"])
        self.roles: dict[str, str] = dict(iss["speaker_roles"])
        roles = "|".join(sorted(map(regex.escape, self.roles), key=len, reverse=True))
        self.speaker = regex.compile(
            rf"^(?P<pre>\p{{Han}}{{0,24}}?)(?P<role>{roles})\s*(?P<name>\p{{Han}}{{2,4}})$"
        )
        self.year_prefix = regex.compile(r"^(?:(?:19|20)\d\d\s*年(?:度)?)?")
        self.open_prefix = regex.compile(r"^(?:(?:19|20)\d\d\s*年(?:度|以来)?\s*[，,]?\s*)?")
        self.subject_verbs = regex.compile(r["agency"]["subject_verbs"])
        dn = iss["doc_number"]
        self.doc_number = regex.compile(
            r"^(?P<pre>[\p{Han}]{1,8}?)\s*[〔\[【（(](?:19|20)\d\d[〕\]】）)]\s*\d{1,4}\s*号$"
        )
        self.doc_central: dict[str, str] = dict(dn["central"])
        self.doc_province: dict[str, str] = dict(dn["province_chars"])
        self.doc_suffix = regex.compile(dn["government_suffix"])
        self.red_header = regex.compile(iss["red_header"])
        self.role_levels: dict[str, str] = dict(iss["role_levels"])
        self.delivery = regex.compile(
            r"在(?P<place>\p{Han}{0,20}?)第[一二三四五六七八九十]{1,3}届(?P<nat>全国)?人民代表大会"
        )


@lru_cache(maxsize=1)
def _P() -> _Patterns:
    return _Patterns()


# -- places at the start of a line -----------------------------------------------------------
def _leading(
    g: Gazetteer, text: str, start: int, support: Mapping[str, int]
) -> tuple[list[Division], int]:
    """Divisions named one after another from ``start`` (河北省石家庄市赵县…), and the offset
    where the run of names ends."""
    window = text[start : start + 40]
    found = {m.start: m for m in g.find(window)}
    if 0 not in found:
        short = g.short_name_at(window, 0)  # 沛县2023年…报告
        if short is not None and len(window) > short.end:
            found[0] = short
    out: list[Division] = []
    pos = 0
    while pos in found:
        m: Mention = found[pos]
        code = resolve_codes(g, m.codes, support, out)
        div = g.get(code)
        if div is None:
            break
        out.append(div)
        pos = m.end
    return out, start + pos


def deepest(divs: list[Division]) -> Division | None:
    return max(divs, key=lambda d: len(d.code)) if divs else None


def title_place(g: Gazetteer, title: str, support: Mapping[str, int]) -> Division | None:
    """The place a title starts with, after an optional year (静海区2023年度…报告,
    2020年静海区…报告, 安徽省政府工作报告); None when the title starts with anything else."""
    m = _P().year_prefix.match(title)
    divs, _ = _leading(g, title, m.end() if m else 0, support)
    return deepest(divs)


def opening_place(g: Gazetteer, opening: str, support: Mapping[str, int]) -> Division | None:
    """The place that is the subject of the opening sentence (2023年，静海区坚持…;
    广东坚持…): a place right at the start (after a year), directly followed by a verb."""
    p = _P()
    m = p.open_prefix.match(opening)
    divs, end = _leading(g, opening, m.end() if m else 0, support)
    if not divs or not p.subject_verbs.match(opening, end):
        return None
    return deepest(divs)


# -- lines under the title -------------------------------------------------------------------
def speaker(g: Gazetteer, lines: list[Any], start: int, stop: int) -> Issuer | None:
    """A speaker line under the title (国务院总理 李强, 安徽省人民政府省长 王某, 最高人民法院院长
    张某): the body the speaker speaks for."""
    p = _P()
    for ln in lines[start:stop]:
        s = ln.text
        if len(s) > 36:
            continue
        m = p.speaker.match(s.replace("\u3000", " "))
        if not m:
            continue
        pre, role = m.group("pre"), m.group("role")
        kind = p.roles[role]
        if kind == "国务院" or kind == "全国人民代表大会常务委员会":
            if pre and not central_prefix(pre) and pre not in ("国务院", "全国人大常委会"):
                continue
            return Issuer("speaker", ln.no, agency=kind, level="central")
        if kind in ("人民法院", "人民检察院"):
            if not pre.endswith(kind):
                continue
            if is_central(pre, g):
                return Issuer("speaker", ln.no, agency=pre, level="central")
            return Issuer("speaker", ln.no, agency=pre)
        # governors: XX省人民政府省长, XX市市长, 自治区主席
        if pre.endswith("人民政府"):
            return Issuer("speaker", ln.no, agency=pre)
        if pre and g.codes_for(pre):
            return Issuer("speaker", ln.no, agency=pre + "人民政府", inferred=True)
        if not pre and role.lstrip("代") in p.role_levels:
            # 省长 王某 with no place: the level of the government; its name comes from the
            # place the title or the delivery line gives (see the step)
            return Issuer("speaker", ln.no, level=p.role_levels[role.lstrip("代")])
    return None


def delivery_place(g: Gazetteer, lines: list[Any], start: int, stop: int) -> Issuer | None:
    """The congress a report was delivered to, on the line under the title
    (——2024年1月23日在安徽省第十四届人民代表大会第二次会议上 → 安徽省; 在第十四届全国人民代表
    大会… → central): the people's congress of the reporting government's own place."""
    p = _P()
    for ln in lines[start:stop]:
        s = ln.text
        if len(s) > 60 or "人民代表大会" not in s:
            continue
        m = p.delivery.search(s)
        if not m:
            continue
        if m.group("nat"):
            return Issuer("delivery-line", ln.no, level="central")
        divs, end = _leading(g, m.group("place"), 0, {})
        if divs and end == len(m.group("place")):
            return Issuer("delivery-line", ln.no, division=deepest(divs))
        return None
    return None


def doc_number(g: Gazetteer, lines: list[Any], stop: int) -> Issuer | None:
    """A document-number line of the document itself (国办发〔2018〕123号 alone on a line near
    the top; never a number cited in prose): central for 国发/国办发/国函…, the province for a
    one-character province prefix + 政… (京政办发, 闽政)."""
    p = _P()
    for ln in lines[:stop]:
        s = ln.text
        if len(s) > 24:
            continue
        m = p.doc_number.match(s)
        if not m:
            continue
        pre = m.group("pre")
        for k in p.doc_central:
            if pre.startswith(k) and len(pre) <= len(k) + 3:
                return Issuer("doc-number", ln.no, agency=None, level="central")
        if len(pre) >= 2 and pre[0] in p.doc_province and p.doc_suffix.match(pre, 1):
            div = g.get(p.doc_province[pre[0]])
            if div is not None:
                return Issuer("doc-number", ln.no, division=div, level="province")
        return None
    return None


def red_header(lines: list[Any], stop: int) -> Issuer | None:
    """A red header line (XX人民政府办公室文件) at the top: the body before 文件."""
    p = _P()
    for ln in lines[:stop]:
        m = p.red_header.match(ln.text)
        if m:
            return Issuer("red-header", ln.no, agency=m.group("a"))
    return None


# -- page metadata ---------------------------------------------------------------------------
def site_division(g: Gazetteer, code: str | None) -> Issuer | None:
    """网站标识码 → the portal's division (first six digits = division code on local portals;
    ``bm…`` = a central department's portal)."""
    if not code:
        return None
    code = code.strip()
    if code[:2].lower() == "bm":
        return Issuer("site-id-code", "page.site_id_code", level="central")
    if len(code) < 6 or not code[:6].isdigit():
        return None
    c6 = code[:6]
    key = c6[:2] if c6[2:] == "0000" else c6[:4] if c6[4:] == "00" else c6
    div = g.get(key)
    if div is None:
        return None
    return Issuer("site-id-code", "page.site_id_code", division=div, level=div.level)
