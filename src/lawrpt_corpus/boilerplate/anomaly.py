"""Structure anomalies: lines and runs whose character make-up breaks the report around them.

Issue #18's structure lines are not a site's wording but a page's debris — a stray page
number or view counter, broken markup (``<tr id="x"></tr>``, ``&nbsp;``, ``{{ pvCount }}``,
``]]>``), a separator of symbols, an image caption or credit, characters injected inside a
paragraph (anti-copy filler ``ab3Kx``). A rule per string does not transfer to the next
site; this layer judges such lines by **shape and context** (rule ids ``structure.*``, run
by :class:`~.strip.StripBoilerplate` after the rules and the score layer, before the
blocks; ``structure=False`` switches it off):

* ``structure.markup`` (inline) — markup residue anywhere: HTML/XML tags and comments,
  character entities, CDATA ends, template placeholders ``{{…}}``/``{%…%}``/``${…}``, forum
  BBCode; cut as spans (the halves rejoin), the whole line when nothing but symbols is left;
* ``structure.code-line`` — a line without Han that reads as CSS or JavaScript;
* ``structure.symbol-line`` — a line of symbols only (no letter, digit or Han; a lone
  ``—``/``——``, a placeholder ``×××`` and sentence punctuation alone — a lone ``。``, the
  block layer's fragment — stay);
* ``structure.stray-line`` — a short line without Han (digits, a Latin token, a page mark
  ``- 3 -``) that sits where the report has no table: both its kept neighbours are report
  prose (or the document's edge), or it is in the head/tail zone next to a removed line or
  outermost. A date, a phone number, a URL or e-mail, a standard's number (GB/T …), an
  all-capitals acronym and an English phrase always stay;
* ``structure.caption`` — an image caption or credit alone on a short line (图片来源：…,
  图/…, 摄影：…, 图为…), and a bracketed credit glued into a paragraph (（图片来源：网络）);
* ``structure.injected-run`` (inline) — a run glued between two Han characters (or
  sentence punctuation) that no report writes: letters and digits alternating at least
  twice with a lower-case letter (``ab3Kx``), letters switching case three times without a
  lower-case run of three (``xKqZa``), rare ASCII symbols (``#@~``), shapes (``★◈◈★``: two
  different or four alike); acronyms (APP, PPP, PM2.5, 5G), camel-case brands, pinyin
  initials, numbers with units and 〔2023〕5号 never match.

Session 25 (the kinds left by design in session 24): ``structure.contents-line`` (a heading, a
dot leader and a page number, and the 目录 heading above such lines), ``structure.page-mark``
(（下转第2版）, （此页无正文）), ``structure.media-placeholder`` ([图片] — also inline —,
点击图片查看原图), ``structure.han-separator`` (一一一一), ``structure.injected-lower`` (six or
more lower-case consonants glued between two Han characters with no account or site word
near); ``structure.caption`` also takes credits by their end (（受访者供图）) and a spaced photo
credit inside a sentence, ``structure.code-line`` a code line whose Han is only quoted.

Thresholds live in ``data/structure.toml`` (with their provenance). Every pattern is
bounded (linear time); the verdicts read only the line, its kept neighbours and the
removal marks, so the output is deterministic, and a second run finds nothing new
(the strip loop reruns while this layer cuts).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ..text.chars import HAN
from .protect import is_protected
from .ruleset import Rule


@dataclass(frozen=True, slots=True)
class AnomalyParams:
    """The layer's thresholds (``data/structure.toml``; see the file for their provenance)."""

    prose_chars: int = 20
    prose_han: int = 12
    no_han_max: int = 60
    edge_lines: int = 12
    caption_max: int = 40
    run_min: int = 5
    run_max: int = 32
    run_min_switches: int = 2
    run_min_case_switches: int = 3
    contents_max: int = 80
    leader_min: int = 6
    leader_bare_min: int = 20
    lower_min: int = 6
    lower_cue_window: int = 4


@functools.lru_cache(maxsize=1)
def default_params() -> AnomalyParams:
    """The shipped thresholds."""
    text = (resources.files("lawrpt_corpus.boilerplate") / "data" / "structure.toml").read_text(
        encoding="utf-8"
    )
    return AnomalyParams(**tomllib.loads(text))


def _rule(rid: str, zone: str, description: str) -> Rule:
    return Rule(id=rid, category="structure", zone=zone, pattern=None, description=description)


MARKUP = _rule("structure.markup", "inline", "markup residue: tags, entities, {{…}}, ]]>, BBCode")
CODE_LINE = _rule("structure.code-line", "line", "a line without Han that reads as CSS/JS")
SYMBOL_LINE = _rule("structure.symbol-line", "line", "a line of symbols only")
STRAY_LINE = _rule("structure.stray-line", "line", "a short line without Han out of context")
CAPTION = _rule("structure.caption", "line", "an image caption or credit")
INJECTED = _rule("structure.injected-run", "inline", "a Latin/digit run injected between Han")
# session 25 (the second round): the kinds session 24 left by design
CONTENTS = _rule("structure.contents-line", "line", "a contents line with a dot leader")
PAGE_MARK = _rule("structure.page-mark", "line", "a newspaper's continuation mark, 此页无正文")
MEDIA = _rule("structure.media-placeholder", "inline", "a placeholder where a picture was")
SEPARATOR = _rule("structure.han-separator", "line", "a separator of Han-looking strokes 一一一")
LOWER_RUN = _rule(
    "structure.injected-lower", "inline", "a run of lower-case consonants glued between Han"
)
#: every rule of the layer (documentation, inspect, tests)
RULES = (
    MARKUP,
    CODE_LINE,
    SYMBOL_LINE,
    STRAY_LINE,
    CAPTION,
    INJECTED,
    CONTENTS,
    PAGE_MARK,
    MEDIA,
    SEPARATOR,
    LOWER_RUN,
)

_HAN = re.compile(f"[{HAN}]")
_ALNUM = re.compile(r"[^\W_]")
_MARKUP = re.compile(
    r"<!--[^\n]{0,300}?-->"
    r"|<!\[CDATA\[|\]\]>"
    r"|</?[A-Za-z][A-Za-z0-9:\-]{0,15}(?:[ \t][^<>\n]{0,300}?)?/?>"
    r"|&(?:[A-Za-z]{2,8}|#\d{2,7}|#[xX][0-9A-Fa-f]{2,6});"
    r"|&(?:nbsp|ldquo|rdquo|lsquo|rsquo|mdash|hellip|middot|emsp|ensp)(?![A-Za-z])"
    r"|\{\{[^{}\n]{0,120}\}\}|\{%[^\n]{0,120}?%\}|\$\{[^{}\n]{0,60}\}"
    r"|\[/?(?:url|img|size|color|font|align|quote|attach|attachimg|hide|code|free|media"
    r"|flash|list|indent|backcolor|table|tr|td|b|i|u)(?:=[^\[\]\n]{0,60})?\]",
    re.IGNORECASE,
)
#: where the markup scan starts looking (a text without any of these has no markup)
_MARKUP_GATE = ("<", "&", "{", "]]>", "[", "${")
_CODE = re.compile(
    r"[{};]\s{0,8}$"
    r"|^\s{0,8}[.#@]?[A-Za-z][\w\-.#:, >]{0,60}\{"
    r"|\bfunction\s{0,4}\(|\bvar\s{1,4}[A-Za-z_$]|\b(?:document|window)\.[A-Za-z]"
    r"|\$\(|javascript:|\breturn\s{1,4}(?:false|true)\b"
)
_KEEP_NO_HAN = re.compile(
    r"https?://|www\.|@|\b[\w-]{1,63}\.(?:gov|com|cn|org|net|edu|int)\b"  # URL, e-mail
    r"|^(?:GB|DB\d{0,2}|GA|JGJ|ISO|HJ|SL|JT|DL|YY|WS|NY|QB|GBZ)\s{0,2}(?:/\s{0,2}[TZ])?\s{0,2}\d"
    r"|^\d{4}\s{0,2}[-./]\s{0,2}\d{1,2}\s{0,2}[-./]\s{0,2}\d{1,2}$"  # a date
    r"|^[(（]?\d{3,4}[)）]?\s{0,2}-?\s{0,2}\d{7,8}$|^1\d{10}$"  # a phone number
    r"|^[A-Z]{2,12}$"  # an acronym
    r"|[A-Za-z]{2}\s{1,3}[A-Za-z]{2}"  # an English phrase (2+ letters, space, 2+ letters:
    # searched, so the two letters either side are the whole test — linear on a long word)
)
#: a line of dashes a report may keep as a separator mark (—, ——)
_DASHES = re.compile(r"^[—\-－]{1,2}$")
#: sentence punctuation and brackets alone (a lone 。, ）, “”): a fragment of a removed block,
#: the block layer's (``block.fragment``) when it sits by one, else left alone
_PUNCT_ONLY = re.compile(r"^[。，、；：！？,.;:!?“”‘’\"'（）()《》【】\s]{1,20}$")
#: a placeholder left for a name or a signature (×××, ○○○, □□)
_PLACEHOLDER = re.compile(r"^[×○〇□△\s]{1,20}$")
_CAPTION_LINE = re.compile(
    r"^[（(【\[]?\s{0,2}(?:图片来源|图片来自|图片由|图片提供|图片作者|图源|图文来源|视频来源"
    r"|资料图|图\s{0,2}/|图\s{0,2}[:：]|摄影\s{0,2}[:：/]|摄影记者|配图\s{0,2}[:：]|图为|图注\s{0,2}[:：]"
    r"|题图|头图|封面图|配图来自|图片\s{0,2}[:：/])"
)
#: where a caption line may start in a text (candidates; ``line_verdict`` decides)
_CAPTION_START = re.compile(r"^[ \t\u3000]{0,8}" + _CAPTION_LINE.pattern[1:], re.MULTILINE)
#: a line without Han (candidates; ``line_verdict`` decides)
#: (searched in the text with a newline before it: the scan jumps from newline to newline)
_NO_HAN_LINE = re.compile(f"\\n[^\\n{HAN}]+(?![^\\n])")
_SENTENCE_END = re.compile(r"[。！？；]$")
_CAPTION_INLINE = re.compile(
    r"[（(]\s{0,2}(?:(?:图片来源|图片来自|图片由|图源|摄影)[^（）()\n]{0,30}"
    r"|资料图片?|网络配图|网络图片|图文无关|[^（）()\n，。；！？]{1,20}?供图)\s{0,2}[)）]"
)
#: pictographs and shapes a report does not write between words (★◈◆♂…; ○, □ and × are
#: placeholders and check boxes and are not among them)
_SHAPES = (
    "\u2605\u2606\u25c6\u25c7\u25c8\u25b2\u25bc\u25bd"  # ★☆◆◇◈▲▼▽ (△ masks a name)
    "\u2600-\u2604\u263a-\u263c\u2640\u2642\u2660-\u2667\u2700-\u27bf"  # ☀☺♀♂♠♥✂❤…
)
#: a run that may be glued in: letters and digits, rare ASCII symbols, shapes (candidates;
#: its sides and ``injected`` decide)
_TOKEN = re.compile(f"[A-Za-z0-9]{{2,32}}|[#$^@~`\\\\{{}}]{{2,16}}|[{_SHAPES}]{{2,16}}")
_TOKEN_MAX = 32
#: the first letter or symbol of a run (what gates the run scan)
_RUN_GATE = re.compile(f"[A-Za-z#$^@~`\\\\{{}}{_SHAPES}]")
_ALNUM_RUN = re.compile("[A-Za-z0-9]+")
_HAN_CHAR = re.compile(f"[{HAN}]")
#: what a glued run sits between: Han, or the sentence punctuation after (before) it
_SIDE_PUNCT = frozenset("，。；：、！？“”（）《》")
_INDENT = " \t\u3000"
_LOWER_RUN3 = re.compile("[a-z]{3}")
_RARE_SYMBOLS = frozenset("#$^@~`\\{}")

# -- session 25 (structure lines, second round) -----------------------------------------------
#: a dot leader's characters (… and ⋯ count as three dots)
_LEADER = {".": 1, "．": 1, "·": 1, "•": 1, "…": 3, "⋯": 3}
#: a contents line's page number after its leader (a figure or a Roman numeral)
_PAGE_NUMBER_END = re.compile(r"[ \t\u3000]{0,4}(?:\d{1,4}|[IVXLivxl]{1,6})$")
#: a contents heading alone (目录, 目 录, Contents) — taken with the contents lines below it
#: a contents heading that carries its own leader (目录（重要提示…）……: the typography step
#: folds a run of dots into ……, so its leader weighs 6 like a quotation's)
_CONTENTS_HEAD_START = re.compile(r"目\s{0,4}录(?![^\s（(【:：])")
_CONTENTS_HEAD = re.compile(r"^(?:目\s{0,4}录|contents|CONTENTS|Contents)\s{0,2}[:：]?$")
#: a newspaper's continuation mark ((紧接01版), （下转第2版）, 上接第一版) and a document
#: page's 此页无正文, alone on a line
_PAGE_MARK = re.compile(
    r"^[（(【\[]?\s{0,2}(?:(?:紧接|上接|下接|接上|转下|下转|转至|转|接|续)\s{0,2}(?:第|本报)?\s{0,2}"
    r"[\dA-Da-d一二三四五六七八九十]{1,3}\s{0,2}(?:版|页)(?:\s{0,2}[\dA-Da-d]{0,2})?"
    r"|此页无正文)\s{0,2}[）)】\]]?$"
)
#: where a picture, a video or a QR code was: a media word in brackets ([图片], 【二维码】),
#: or a viewer's prompt alone on a line (点击图片查看原图, 图片加载中…, 此处为图片)
_MEDIA_WORD = r"(?:图片|图像|照片|视频|音频|二维码|表情|动图|img|image|photo|pic|video)"
_MEDIA_BRACKETED = re.compile(
    r"[\[【［]\s{0,2}" + _MEDIA_WORD + r"\s{0,2}\d{0,2}\s{0,2}[\]】］]", re.IGNORECASE
)
_MEDIA_LINE = re.compile(
    r"^(?:[\[【［(（]\s{0,2}" + _MEDIA_WORD + r"\s{0,2}\d{0,2}\s{0,2}[\]】］)）]\s{0,2}){1,8}$"
    r"|^(?:点击|单击|轻触|点此)?\s{0,2}(?:图片|此处)?\s{0,2}(?:可|即可)?(?:查看|浏览|打开)"
    r"\s{0,2}(?:原图|大图|高清大图|高清图)$"
    r"|^(?:点击|单击|轻触)\s{0,2}(?:图片)?\s{0,2}(?:放大|看大图)$"
    r"|^(?:图片|视频|图像)\s{0,2}(?:正在)?加载(?:中|失败)\s{0,2}[.。…]{0,6}$"
    r"|^(?:图片|视频|图像)\s{0,2}(?:无法|不能)(?:显示|播放|加载)$"
    r"|^此处(?:为|是|插入|有)(?:一张)?(?:图片|视频|图表|二维码)$",
    re.IGNORECASE,
)
#: a separator drawn with Han-looking strokes (一一一一, 丨丨丨), with dashes between
_HAN_SEPARATOR = re.compile(r"^[一丨\-－—─\s]{3,}$")
#: a line's code with its quoted strings taken out (var title = "法治";) — the typography
#: step has turned ASCII quotes around Han into “” and the ; after them into ；
#: (a quoted string holds no opening quote of its kind: a run of “ is tried once, not 200 times)
_QUOTED = re.compile(r"\"[^\"\n]{0,200}\"|'[^'\n]{0,200}'|“[^“”\n]{0,200}”|‘[^‘’\n]{0,200}’")
#: the full-width punctuation typography gives code around quoted Han, back to ASCII
_CODE_ASCII = str.maketrans("；：，（）｛｝", ";:,(){}")
#: a photo credit glued anywhere in a sentence, its name set off by spaces (…讲话 新华社记者 刘彬
#: 摄 会议…): spaces between Han words are a caption's layout, never a report's prose (the
#: rule pack's ``structure.photo-credit`` takes one at a line start or after punctuation)
_CREDIT_SPACED = re.compile(
    f"(?:新华社|中新社|本报|人民网|新华网|央视网|中新网)?(?:特约|实习)?(?:记者|通讯员)"
    f"[ \u3000]{{1,2}}[{HAN}]{{2,4}}(?:[ \u3000]{{1,2}}[{HAN}]{{2,4}}){{0,2}}[ \u3000]{{1,2}}"
    f"摄(?![制影像录取入])"
)
#: where a CSS property meets a quoted value (font-family:"宋体") and jQuery starts: scans
#: with a literal first character
_CSS_SCAN = re.compile(r":\s{0,2}[\"'“‘]")
_JQUERY_SCAN = re.compile(r"\$\(")
#: words that make a line with quoted Han a code candidate (the run scan finds them)
_CODE_WORDS = frozenset(("function", "var", "document", "window", "return", "javascript"))
#: a short line holding one of these is a candidate of the session-25 line kinds (page
#: marks, media placeholders, credits)
_SHORT_TRIGGER = re.compile("[版页图【［\\[]|视频|二维码|表情|此处|社发")
#: what a separator line starts and ends with
_SEPARATOR_ENDS = frozenset("一丨-－—─")
#: a longer line ending in one of these may be a contents line
_CONTENTS_END = frozenset(".．·•…⋯0123456789IVXLivxl")
_LATIN2 = re.compile("[A-Za-z]{2}")
#: what names an account, a site or an id next to a run of lower-case letters (关注公众号hlqsfj,
#: 访问xmsfj网站, 搜索fzxc小程序): the pinyin initials a report writes sit by one of these
_LOWER_CUES_BEFORE = frozenset("号众信搜索注址站名账户箱入复送称为是网码录问端")
_LOWER_CUES_AFTER = frozenset("网站号平台公众小程官邮账微客端")
_VOWELS = frozenset("aeiou")
#: a picture's credit by its end (（受访者供图）, 视觉中国供图) or an agency's 新华社发
_CAPTION_END = re.compile(
    r"(?:供图|提供图片|图片提供)\s{0,2}[)）]?$|^[（(]?(?:新华社|中新社)\s{0,2}发"
)


def injected(token: str, p: AnomalyParams) -> bool:
    """Is ``token`` (a run of ASCII letters and digits, or of rare symbols, glued between
    two Han characters) a run no report writes?"""
    if token[0] in _RARE_SYMBOLS:
        return len(token) >= 2
    if not token[0].isascii():  # a run of shapes: two different ones, or four alike (★◈◈★)
        return len(set(token)) >= 2 or len(token) >= 4
    n = len(token)
    if n < p.run_min or n > p.run_max:
        return False
    has_lower = any("a" <= c <= "z" for c in token)
    if not has_lower:
        return False  # APP, PM2.5, GB50016, 5G, H5N1: an acronym or a code
    classes = ["d" if c.isdigit() else "a" for c in token]
    switches = sum(1 for a, b in itertools.pairwise(classes) if a != b)
    if switches >= p.run_min_switches:
        return True
    if token.isalpha():
        # case switching at least three times with no lower-case run of three (xKqZa); a
        # brand in camel case has its words' lower-case runs (WeChatPay, PowerPoint)
        case = ["u" if c.isupper() else "l" for c in token[1:]]
        switches = sum(1 for a, b in itertools.pairwise(case) if a != b)
        return switches >= p.run_min_case_switches and _LOWER_RUN3.search(token) is None
    return False


def lower_injected(text: str, a: int, b: int, p: AnomalyParams) -> bool:
    """Is ``text[a:b]``, a run of lower-case letters, filler glued into a sentence: a run of
    ``lower_min`` consonants or more (no a/e/i/o/u: an English word or a pinyin syllable has
    one) right between two Han characters, with no account or site word within
    ``lower_cue_window`` characters before or after (关注公众号hlqsfj: pinyin initials a
    report names an account by)?"""
    token = text[a:b]
    if not (p.lower_min <= len(token) <= p.run_max and token.isalpha() and token.islower()):
        return False
    if _VOWELS.intersection(token):
        return False
    if a == 0 or b >= len(text):
        return False
    if not (_HAN_CHAR.match(text[a - 1]) and _HAN_CHAR.match(text[b])):
        return False
    w = p.lower_cue_window
    if _LOWER_CUES_BEFORE.intersection(text[max(0, a - w) : a]):
        return False
    return not _LOWER_CUES_AFTER.intersection(text[b : b + w])


def _is_prose(line: str, p: AnomalyParams) -> bool:
    return len(line) >= p.prose_chars and len(_HAN.findall(line)) >= p.prose_han


def _markup_spans(line: str) -> list[tuple[int, int]]:
    if not any(g in line for g in _MARKUP_GATE):
        return []
    return [m.span() for m in _MARKUP.finditer(line) if m.end() > m.start()]


def _only_symbols(text: str) -> bool:
    return _ALNUM.search(text) is None


def contents_line(s: str, p: AnomalyParams) -> bool:
    """Is the stripped line ``s`` a contents line: a heading, a dot leader and a page number
    (第一章 总则……………1, 1.2 主要做法 ........ 3), or a heading and a long leader without a
    number? The leader weighs ≥ ``leader_min`` dots (… and ⋯ three each) before a page
    number or after a heading that starts with 目录 (目录(重要提示…)……: the typography step
    folds a run of dots into ……), ≥ ``leader_bare_min`` otherwise; the heading before it
    is at most ``contents_max`` characters and does not end like a sentence (a quotation
    trailing off in ……)."""
    if len(s) > p.contents_max + 40:
        return False
    m = _PAGE_NUMBER_END.search(s)
    numbered = m is not None and m.start() > 0
    k = m.start() if m is not None and numbered else len(s)
    weight = 0
    while k > 0 and (s[k - 1] in _LEADER or s[k - 1] in _INDENT):
        weight += _LEADER.get(s[k - 1], 0)
        k -= 1
    head = s[:k].rstrip(_INDENT)
    if not head or len(head) > p.contents_max or _SENTENCE_END.search(head):
        return False
    if head[-1] in "，、：:；;！？!?":
        return False
    if numbered or _CONTENTS_HEAD_START.match(head):
        return weight >= p.leader_min
    return weight >= p.leader_bare_min


def _han_line_verdict(s: str, p: AnomalyParams) -> Rule | None:
    """The session-25 kinds of a line with Han (see ``line_verdict``)."""
    if len(s) <= 24:
        if _HAN_SEPARATOR.match(s) and sum(1 for c in s if c in "一丨") >= 3:
            return SEPARATOR
        if _PAGE_MARK.match(s):
            return PAGE_MARK
        if _MEDIA_LINE.match(s):
            return MEDIA
    if len(s) <= p.caption_max and _CAPTION_END.search(s) and not _SENTENCE_END.search(s):
        return CAPTION
    if ("." in s or "…" in s or "·" in s or "．" in s or "⋯" in s or "•" in s) and contents_line(
        s, p
    ):
        return CONTENTS
    if '"' in s or "'" in s or "“" in s or "‘" in s:
        code = _QUOTED.sub("", s).translate(_CODE_ASCII)
        if _HAN.search(code) is None and _LATIN2.search(code) and _CODE.search(code):
            return CODE_LINE
    return None


def line_verdict(s: str, p: AnomalyParams) -> Rule | None:
    """The rule that takes the stripped line ``s`` by its shape alone (markup, code, symbols,
    caption, contents, page marks, media placeholders, separators), ``STRAY_LINE`` when its
    shape needs the context test, else None."""
    if _HAN.search(s) is None:
        spans = _markup_spans(s)
        if spans:
            rest = "".join(s[a:b] for a, b in _gaps(spans, len(s)))
            if _only_symbols(rest):
                return MARKUP
        if _MEDIA_LINE.match(s):
            return MEDIA
        if not _only_symbols(s) and contents_line(s, p):
            return CONTENTS
        if _CODE.search(s):
            return CODE_LINE
        if _only_symbols(s):
            keep = _DASHES.match(s) or _PLACEHOLDER.match(s) or _PUNCT_ONLY.match(s)
            return None if keep else SYMBOL_LINE
        if len(s) > p.no_han_max or _KEEP_NO_HAN.search(s) or is_protected(s):
            return None
        return STRAY_LINE
    if len(s) <= p.caption_max and _CAPTION_LINE.match(s) and not _SENTENCE_END.search(s):
        return CAPTION
    spans = _markup_spans(s)
    if spans:
        rest = "".join(s[a:b] for a, b in _gaps(spans, len(s)))
        if _HAN.search(rest) is None and _only_symbols(rest):
            return MARKUP
    return _han_line_verdict(s, p)


def _gaps(spans: list[tuple[int, int]], n: int) -> list[tuple[int, int]]:
    out = []
    pos = 0
    for a, b in spans:
        if a > pos:
            out.append((pos, a))
        pos = max(pos, b)
    if pos < n:
        out.append((pos, n))
    return out


def _runs(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of the runs ``_TOKEN`` finds that hold a letter or a symbol (a run
    of digits is a number), each the whole run (a longer run is skipped). A search for
    their first letter or symbol gates the scan: reports have few."""
    pos = 0
    n = len(text)
    while True:
        m = _RUN_GATE.search(text, pos)
        if m is None:
            return
        a = m.start()
        if _ascii_alnum(text[a]):  # a letter: its run starts at the digits before it
            while a > 0 and m.start() - a <= _TOKEN_MAX and _ascii_alnum(text[a - 1]):
                a -= 1
        t = _TOKEN.match(text, a)
        if t is None:
            pos = m.end()
            continue
        pos = max(t.end(), m.end())
        if pos < n and _ascii_alnum(text[pos]):  # longer than a token: skip the whole run
            tail = _ALNUM_RUN.match(text, pos)
            pos = tail.end() if tail is not None else pos + 1
            continue
        if a > 0 and _ascii_alnum(text[a - 1]):
            continue
        yield a, t.end()


def _ascii_alnum(c: str) -> bool:
    return c < "\x80" and c.isalnum()


def _is_side(c: str) -> bool:
    return c in _SIDE_PUNCT or _HAN_CHAR.match(c) is not None


def _glued(text: str, a: int, b: int) -> tuple[int, int] | None:
    """The cut for the run ``text[a:b]`` when it sits between two Han characters (or
    sentence punctuation), one space allowed on either side (taken with it); else None."""
    pa, pb = a - 1, b
    if pa >= 0 and text[pa] == " ":
        pa -= 1
    if pb < len(text) and text[pb] == " ":
        pb += 1
    if pa < 0 or pb >= len(text) or not _is_side(text[pa]) or not _is_side(text[pb]):
        return None
    return pa + 1, pb


def _finish(raw: str, found: list[tuple[int, int, Rule]]) -> list[tuple[int, int, Rule]]:
    """``found`` (offsets in the line ``raw``) sorted, overlaps dropped (the first, outermost
    span is cut), and a cut at the line's start (end) widened over the spaces after (before)
    it: hygiene would strip them as indentation on a second run."""
    found.sort(key=lambda s: (s[0], -s[1]))
    merged: list[tuple[int, int, Rule]] = []
    for a, b, r in found:
        if merged and a < merged[-1][1]:
            continue
        merged.append((a, b, r))
    if merged and not raw[: merged[0][0]].strip(_INDENT):
        a, b, r = merged[0]
        while b < len(raw) and raw[b] in _INDENT:
            b += 1
        merged[0] = (0, b, r)
    if merged and not raw[merged[-1][1] :].strip(_INDENT):
        a, b, r = merged[-1]
        while a > 0 and raw[a - 1] in _INDENT:
            a -= 1
        merged[-1] = (a, len(raw), r)
    return merged


def find(
    raw_lines: list[str],
    stripped: list[str],
    marks: list[str | None],
    inline: dict[int, list[tuple[int, int, Any]]],
    p: AnomalyParams | None = None,
) -> tuple[dict[int, Rule], dict[int, list[tuple[int, int, Rule]]]]:
    """Lines to remove (index → rule) and inline spans (index → (start, end, rule), offsets
    in the raw line) for the lines no earlier layer removed; ``marks`` (the rule id removing
    each line, None: kept) and ``inline`` (the rules' inline cuts, whose lines are left
    alone here) are not changed.

    The candidates come from whole-text scans (lines without Han, caption starts, markup,
    letter/symbol runs); only their lines are looked at one by one."""
    p = p or default_params()
    text = "\n".join(raw_lines)
    starts = [0, *itertools.accumulate(len(ln) + 1 for ln in raw_lines[:-1])]

    def line_of(pos: int) -> int:
        return bisect.bisect_right(starts, pos) - 1

    # in "\n" + text, a match's start (its newline) is its line's start in ``text``
    candidates = {line_of(m.start()) for m in _NO_HAN_LINE.finditer("\n" + text)}
    cuts: dict[int, list[tuple[int, int, Rule]]] = {}
    if any(g in text for g in _MARKUP_GATE):
        for m in _MARKUP.finditer(text):
            if m.end() > m.start():
                i = line_of(m.start())
                cuts.setdefault(i, []).append((m.start() - starts[i], m.end() - starts[i], MARKUP))
    if "图" in text or "摄" in text:
        candidates.update(line_of(m.start()) for m in _CAPTION_START.finditer(text))
        for m in _CAPTION_INLINE.finditer(text):
            i = line_of(m.start())
            cuts.setdefault(i, []).append((m.start() - starts[i], m.end() - starts[i], CAPTION))
        if "摄" in text:
            for m in _CREDIT_SPACED.finditer(text):
                i = line_of(m.start())
                credit = (m.start() - starts[i], m.end() - starts[i], CAPTION)
                cuts.setdefault(i, []).append(credit)
    # session 25's kinds (candidates; ``line_verdict`` decides): a short line holding one of
    # their characters (page marks, media placeholders, separators, credits, contents lines),
    # a longer one ending like a contents line, a line with a code word or a CSS property
    # before a quote — one pass over the lines, then scans with a literal first character
    for i, s in enumerate(stripped):
        n = len(s)
        if not n or n > p.contents_max + 40 or marks[i] is not None:
            continue
        if s[-1] in _CONTENTS_END:
            candidates.add(i)
        elif n <= p.caption_max and (
            (s[0] in _SEPARATOR_ENDS and s[-1] in _SEPARATOR_ENDS) or _SHORT_TRIGGER.search(s)
        ):
            candidates.add(i)
    if ":" in text:
        candidates.update(line_of(m.start()) for m in _CSS_SCAN.finditer(text))
    if "$(" in text:
        candidates.update(line_of(m.start()) for m in _JQUERY_SCAN.finditer(text))
    for bracket in "[【［":  # few brackets in a report: each tried where it is
        pos = text.find(bracket)
        while pos >= 0:
            placeholder = _MEDIA_BRACKETED.match(text, pos)
            if placeholder is not None:
                i = line_of(pos)
                end = placeholder.end() - starts[i]
                cuts.setdefault(i, []).append((pos - starts[i], end, MEDIA))
            pos = text.find(bracket, pos + 1)
    for a, b in _runs(text):
        token = text[a:b]
        if token in _CODE_WORDS:
            candidates.add(line_of(a))
            continue
        if lower_injected(text, a, b, p):
            i = line_of(a)
            cuts.setdefault(i, []).append((a - starts[i], b - starts[i], LOWER_RUN))
            continue
        if not injected(token, p):
            continue
        span = _glued(text, a, b)
        if span is not None:
            i = line_of(span[0])
            cuts.setdefault(i, []).append((span[0] - starts[i], span[1] - starts[i], INJECTED))

    lines: dict[int, Rule] = {}
    kept: list[int] | None = None
    for i in sorted(candidates | {i for i, c in cuts.items() if c[0][2] is MARKUP}):
        s = stripped[i]
        if marks[i] is not None or not s:
            continue
        verdict = line_verdict(s, p)
        if verdict is STRAY_LINE:
            if kept is None:
                kept = [j for j in range(len(stripped)) if marks[j] is None and stripped[j]]
            k = bisect.bisect_left(kept, i)
            if not _stray_in_context(i, k, kept, stripped, marks, p):
                verdict = None
        if verdict is not None:
            lines[i] = verdict
    _contents_heads(lines, stripped, marks)
    spans: dict[int, list[tuple[int, int, Rule]]] = {}
    for i, found in cuts.items():
        if i in lines or i in inline or marks[i] is not None or not stripped[i]:
            continue
        spans[i] = _finish(raw_lines[i], found)
    return lines, spans


def _contents_heads(lines: dict[int, Rule], stripped: list[str], marks: list[str | None]) -> None:
    """A contents heading alone (目录, 目 录) right above a contents line goes with it."""
    for i in [i for i, r in lines.items() if r is CONTENTS]:
        j = i - 1
        while j >= 0 and not stripped[j]:
            j -= 1
        if j >= 0 and marks[j] is None and j not in lines and _CONTENTS_HEAD.match(stripped[j]):
            lines[j] = CONTENTS


def _stray_in_context(
    i: int,
    k: int,
    kept: list[int],
    stripped: list[str],
    marks: list[str | None],
    p: AnomalyParams,
) -> bool:
    """A line without Han is stray where the report has no table: both kept neighbours are
    prose or absent, or it sits in an edge zone next to a removed line or outermost."""
    prev_ok = k == 0 or _is_prose(stripped[kept[k - 1]], p)
    next_ok = k == len(kept) - 1 or _is_prose(stripped[kept[k + 1]], p)
    if prev_ok and next_ok:
        return True
    in_head = k < p.edge_lines
    in_tail = len(kept) - 1 - k < p.edge_lines
    if not (in_head or in_tail):
        return False
    if (in_head and k == 0) or (in_tail and k == len(kept) - 1):
        return True
    return _next_to_removed(i, stripped, marks)


def _next_to_removed(i: int, stripped: list[str], marks: list[str | None]) -> bool:
    for step in (-1, 1):
        j = i + step
        while 0 <= j < len(stripped) and not stripped[j]:
            j += step
        if 0 <= j < len(stripped) and marks[j] is not None:
            return True
    return False
