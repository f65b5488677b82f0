"""The scored fallback: a small linear model for edge lines that no rule names.

A logistic regression over hashed character n-grams of the line (1–3 characters, after a
feature-only fold: NFKC, digits → ``0``, Latin lower-cased) plus a few layout features
(length buckets, how the line ends, digit / Latin / Han / separator shares, URL, date and
time shapes, ``|`` separators, bullets). Inference is numpy only; the weights are a data
file shipped with the package (``data/score_model.npz``) with its training provenance
(``data/score_model.json``: data files and their sha256, counts, parameters, the
leave-one-site-out figures). It is trained by ``benchmarks/train_boilerplate_score.py``.

Where it applies (the contract):

* only in the head and tail zones: the first / last ``zone_lines`` lines that neither a
  rule nor the model removed (a removed line does not use up the zone, as for rules);
* only to lines that do not read like prose or report structure: a line ending like a
  sentence (。；！？, optionally closed by a quote or bracket), a lead-in of 16 or more
  characters ending with a colon (…报告如下：; a field label such as 索引号： is
  shorter), an attachment label or list (附件…, judged by the rules with their
  context), a numbered item or heading (1. 1.2023年… （1） 一、 （一 第一条 ① 一是),
  a statute citation (第十二条第二款, 第3条(a)项; not 第1页), running prose without
  its end (20+ characters, mostly Han, or 12+ characters, Han with a clause mark ，、；
  — the last line of a truncated page), an unnumbered heading of parallel clauses opening
  with a heading verb (加强领导，完善制度: ``heading.clauses``), a
  closing formula (专此报告 …), a date line or a title ending with a document-type word
  (the RepeatedLines protections, ``data/repeated.toml``) is never scored; nor is a line
  longer than ``max_len`` characters;
* a line goes when its probability is at least ``threshold`` (high by default).

A removal's rule id is the constant :data:`RULE_ID` (``score.line``), so a build's
``removals_by_rule`` has one row for the layer; the explanation — the line's strongest
features (up to three, strongest first: n-grams in quotes, layout features by name), e.g.
``"下载"+"登录"+len≤8`` — is recomputed from the removed text by :meth:`ScoreModel.why`,
which is what ``inspect`` shows next to it.

Deterministic (crc32 hashing, fixed weights); linear in the line length; a line the model
keeps is kept on a second run too (the features of a line do not depend on its neighbours,
and the zones count only kept lines).
"""

from __future__ import annotations

import json
import re
import unicodedata
import zlib
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from io import BytesIO
from typing import Any

import numpy as np

from ..text.chars import HAN_IDEOGRAPHS
from .repeated import protect_patterns

#: The rule id of every score removal (constant: one row in ``removals_by_rule``).
RULE_ID = "score.line"

#: Layout feature names, in weight order (see :func:`layout_features`).
LAYOUT = (
    "len≤4",
    "len≤8",
    "len≤16",
    "len≤32",
    "len≤64",
    "len>64",
    "ends-sentence",
    "ends-colon",
    "ends-digit",
    "ends-latin",
    "ends-bracket",
    "digits",
    "latin",
    "han",
    "separators",
    "spaces",
    "url",
    "pipes≥2",
    "date",
    "time",
    "bullet",
    "commas≥2",
    "book-title",
    "ends-agency",
)
NGRAMS = (1, 2, 3)
DEFAULT_BITS = 16
#: How many lines' verdicts a model keeps (:meth:`ScoreModel.removable`).
MEMO_LINES = 1 << 14

_LATIN = re.compile(r"[A-Za-z]")
_DIGIT = re.compile(r"\d")
_HAN = re.compile(f"[{HAN_IDEOGRAPHS}]")
_SEP = re.compile(r"[|/>»＞<•·\-_=*~#>【】\[\]]")
_URL = re.compile(r"https?:|www\.|\.(?:com|cn|net|org|html?)\b", re.IGNORECASE)
_DATE = re.compile(r"(?:19|20)\d\d\s{0,2}[-年/.]\s{0,2}\d{1,2}")
_TIME = re.compile(r"\d{1,2}\s{0,2}:\s{0,2}\d{2}")
_SENTENCE_END = re.compile(r"[。；;！!？?][”’」』）)\]】]{0,2}$")
_ATTACHMENT = re.compile(r"附\s{0,2}件|附\s{0,2}[:：]")
_WORDY = re.compile(f"[A-Za-z{HAN_IDEOGRAPHS}]")
_CLAUSE = re.compile(f"[，、；]|[{HAN_IDEOGRAPHS}],[{HAN_IDEOGRAPHS}]")
_CITATION = re.compile(r"第[\d一二三四五六七八九十百零〇]{1,4}[条款项章节]")
_NUMBERED = re.compile(r"\d{1,3}\s{0,2}[.、．]|[(（](?:\d{1,3}|[一二三四五六七八九十]{1,3})")
_AGENCY_END = re.compile(r"(?:局|委|厅|办|院|政府|办公室|中心|委员会)$")
_FOLD = str.maketrans({c: "0" for c in "0123456789"})
#: protections of RepeatedLines that also hold here (report structure, not chrome)
_PROTECTED_IDS = (
    "heading.cn-numeral",
    "heading.paren",
    "heading.arabic",
    "heading.ordinal",
    "heading.circled",
    "heading.shi",
    "heading.clauses",
    "formula.closing",
    "date",
    "title",
)


def feature_text(line: str) -> str:
    """The line as the n-grams see it: NFKC (features only, never the output), digits → 0,
    Latin lower-cased, runs of spaces → one space."""
    return " ".join(unicodedata.normalize("NFKC", line).translate(_FOLD).lower().split())


def layout_features(line: str) -> np.ndarray:
    """The layout features of a stripped line, in :data:`LAYOUT` order (0/1 or a share)."""
    n = len(line)
    f = np.zeros(len(LAYOUT), dtype=np.float32)
    if n == 0:
        return f
    f[0] = n <= 4
    f[1] = 4 < n <= 8
    f[2] = 8 < n <= 16
    f[3] = 16 < n <= 32
    f[4] = 32 < n <= 64
    f[5] = n > 64
    f[6] = bool(_SENTENCE_END.search(line))
    last = line[-1]
    f[7] = last in "：:"
    f[8] = last.isdigit()
    f[9] = bool(_LATIN.match(last))
    f[10] = last in ")）]】>》|"
    f[11] = len(_DIGIT.findall(line)) / n
    f[12] = len(_LATIN.findall(line)) / n
    f[13] = len(_HAN.findall(line)) / n
    f[14] = len(_SEP.findall(line)) / n
    f[15] = sum(1 for c in line if c.isspace()) / n
    f[16] = bool(_URL.search(line))
    f[17] = line.count("|") >= 2
    f[18] = bool(_DATE.search(line))
    f[19] = bool(_TIME.search(line))
    f[20] = line[0] in "•·-*►>▶◆■●○"
    f[21] = (line.count("，") + line.count(",")) >= 2
    f[22] = "《" in line
    f[23] = bool(_AGENCY_END.search(line))
    return f


def ngram_ids(line: str, bits: int) -> tuple[list[int], list[str]]:
    """Hashed ids (crc32, ``bits`` bits) of the 1–3-grams of the folded line with ``^``/``$``
    boundary marks, and the n-grams themselves (for explanations)."""
    s = "^" + feature_text(line) + "$"
    mask = (1 << bits) - 1
    ids: list[int] = []
    grams: list[str] = []
    for n in NGRAMS:
        for i in range(len(s) - n + 1):
            g = s[i : i + n]
            if g in ("^", "$"):
                continue
            grams.append(g)
            ids.append(zlib.crc32(g.encode("utf-8")) & mask)
    return ids, grams


def not_scored(line: str, max_len: int = 200) -> bool:
    """True for a line the model never judges: prose, report structure, or too long."""
    if not line or len(line) > max_len or _SENTENCE_END.search(line):
        return True
    if len(line) >= 16 and line[-1] in "：:":
        return True  # a lead-in (现将有关情况报告如下：), not a field label (索引号：)
    if len(line) >= 12:
        han = len(_HAN.findall(line)) / len(line)
        if (han >= 0.85 and len(line) >= 20) or (han >= 0.6 and _CLAUSE.search(line)):
            return True  # running prose cut short (a truncated page's last line)
    if _ATTACHMENT.match(line) or _NUMBERED.match(line):
        return True  # 附件 labels, numbered items (1.2023年度…统计表): report structure
    if _CITATION.search(line):
        return True  # a statute citation (第十二条第二款, 第3条(a)项) is report text
    return any(p.search(line) for _, p in _protected())


@lru_cache(maxsize=1)
def _protected() -> tuple[tuple[str, Any], ...]:
    return tuple((i, p) for i, p in protect_patterns() if i in _PROTECTED_IDS)


@dataclass
class ScoreModel:
    """Weights of the linear model and the parameters of where it applies."""

    ngram_w: np.ndarray  # float32, 2**bits
    layout_w: np.ndarray  # float32, len(LAYOUT)
    bias: float
    bits: int = DEFAULT_BITS
    threshold: float = 0.9
    zone_lines: int = 12
    max_len: int = 200
    meta: dict[str, Any] = field(default_factory=dict)
    #: verdicts of :meth:`removable` by line (chrome lines recur from page to page; a pure
    #: function of the line and the weights, which are not changed once a model scores)
    _verdicts: dict[str, bool] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_verdicts"] = {}  # a worker starts with an empty memo
        return state

    # -- scoring ---------------------------------------------------------------------------
    def logit(self, line: str) -> float:
        ids, _ = ngram_ids(line, self.bits)
        z = float(self.bias) + float(self.layout_w @ layout_features(line))
        if ids:
            z += float(self.ngram_w[np.asarray(ids, dtype=np.int64)].sum())
        return z

    def probability(self, line: str) -> float:
        z = self.logit(line)
        return float(1.0 / (1.0 + np.exp(-z)))

    def explain(self, line: str, k: int = 3) -> list[str]:
        """The ``k`` features that push the line most towards boilerplate, strongest first."""
        ids, grams = ngram_ids(line, self.bits)
        contrib: dict[str, float] = {}
        for i, g in zip(ids, grams, strict=True):
            key = '"' + g.replace("^", "").replace("$", "") + '"'
            if key != '""':
                contrib[key] = contrib.get(key, 0.0) + float(self.ngram_w[i])
        for name, w, v in zip(LAYOUT, self.layout_w, layout_features(line), strict=True):
            if v:
                contrib[name] = contrib.get(name, 0.0) + float(w * v)
        top = [kv for kv in sorted(contrib.items(), key=lambda kv: (-kv[1], kv[0])) if kv[1] > 0]
        # n-grams of only digits, punctuation or spaces (":0", "000") explain little: named
        # features first, those only to fill up
        named = [n for n, _ in top if not n.startswith('"') or _WORDY.search(n)]
        rest = [n for n, _ in top if n not in named]
        return (named + rest)[:k]

    def rule_id(self, line: str) -> str:
        """The removal's rule id: always :data:`RULE_ID` (the explanation is :meth:`why`)."""
        return RULE_ID

    def why(self, line: str) -> str:
        """The explanation of a removal, e.g. ``"下载"+"登录"+len≤8`` (a pure function of
        the line and the weights, so ``inspect`` recomputes it from the removed text)."""
        return "+".join(self.explain(line))

    def removable(self, line: str) -> bool:
        """The full test: a line the model may judge, and judges boilerplate (memoized per
        line, at most :data:`MEMO_LINES` lines, then the memo starts again)."""
        verdict = self._verdicts.get(line)
        if verdict is None:
            verdict = (
                not not_scored(line, self.max_len) and self.probability(line) >= self.threshold
            )
            if len(self._verdicts) >= MEMO_LINES:
                self._verdicts.clear()
            self._verdicts[line] = verdict
        return verdict

    # -- persistence -----------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        buf = BytesIO()
        np.savez_compressed(
            buf,
            ngram_w=self.ngram_w.astype(np.float32),
            layout_w=self.layout_w.astype(np.float32),
            bias=np.asarray([self.bias], dtype=np.float64),
        )
        return buf.getvalue()

    def meta_json(self) -> str:
        head = {
            "format": "lawrpt_corpus score model v1",
            "bits": self.bits,
            "ngrams": list(NGRAMS),
            "layout": list(LAYOUT),
            "threshold": self.threshold,
            "zone_lines": self.zone_lines,
            "max_len": self.max_len,
        }
        return json.dumps({**head, **self.meta}, ensure_ascii=False, indent=1) + "\n"

    @classmethod
    def from_bytes(cls, weights: bytes, meta_json: str) -> ScoreModel:
        meta = json.loads(meta_json)
        if meta.get("format") != "lawrpt_corpus score model v1":
            raise ValueError("score model: unknown format")
        if list(meta.get("layout", ())) != list(LAYOUT):
            raise ValueError("score model: layout features differ from this version's")
        with np.load(BytesIO(weights)) as z:
            ngram_w = z["ngram_w"].astype(np.float32)
            layout_w = z["layout_w"].astype(np.float32)
            bias = float(z["bias"][0])
        bits = int(meta["bits"])
        if ngram_w.shape != (1 << bits,):
            raise ValueError("score model: weight vector does not match its bits")
        extra = {
            k: v
            for k, v in meta.items()
            if k not in ("format", "bits", "ngrams", "layout", "threshold", "zone_lines", "max_len")
        }
        return cls(
            ngram_w,
            layout_w,
            bias,
            bits,
            float(meta["threshold"]),
            int(meta["zone_lines"]),
            int(meta["max_len"]),
            extra,
        )


@lru_cache(maxsize=1)
def default_model() -> ScoreModel | None:
    """The shipped model, or None when the package carries none."""
    base = resources.files("lawrpt_corpus.boilerplate") / "data"
    weights, meta = base / "score_model.npz", base / "score_model.json"
    if not weights.is_file() or not meta.is_file():
        return None
    return ScoreModel.from_bytes(weights.read_bytes(), meta.read_text(encoding="utf-8"))


def score_zones(
    stripped: list[str],
    marks: list[str | None],
    model: ScoreModel,
    keep: Collection[int] = (),
) -> int:
    """Mark (in ``marks``) the head- and tail-zone lines the model removes; returns how many.

    ``stripped``: the document's lines, stripped; ``marks``: the rule id already claiming
    each line, or None for a kept line; ``keep``: kept lines the model must not judge
    (lines a rule cut a span from). Blank lines are skipped and never count. Walks from
    each end over the first ``zone_lines`` kept lines; a line the model removes does not
    use up the zone.
    """
    n = 0
    for order in (range(len(stripped)), range(len(stripped) - 1, -1, -1)):
        kept = 0
        for i in order:
            if kept >= model.zone_lines:
                break
            s = stripped[i]
            if not s or marks[i] is not None:
                continue
            if i not in keep and model.removable(s):
                marks[i] = model.rule_id(s)
                n += 1
            else:
                kept += 1
    return n
