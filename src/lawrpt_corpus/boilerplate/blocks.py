"""Whole blocks: the short fragments a line-by-line removal leaves between removed lines.

A source that splits its licence or chrome over many short lines loses the lines that a
rule or the corpus names and keeps the pieces between them: a lone ``。``, a lone law name
(``《中华人民共和国著作权法》``), a stray ``Copyright``, the half sentence ``追究法律责任``.
:func:`absorb` takes, given which lines of one document are already removed, the fragments
that belong to those removed blocks. It needs no corpus: it runs inside
:class:`~.strip.StripBoilerplate` after the rules and inside the corpus steps after their own
removals.

Every kept, non-blank line gets a *kind* by its shape alone:

* ``strong`` — a line no report writes on its own: only punctuation or symbols (no letter,
  no digit: ``。``, ``——``, ``©``), a Latin token without Han (``Copyright``,
  ``All Rights Reserved``; needs two ASCII letters, so a row of figures is never one), a
  bracketed name alone (``《…》``, ``【…】``, ``〔…〕``), or a piece starting with a
  punctuation mark that continues a sentence (``，``, ``。``, ``）``, ``》`` …); at most
  ``max_strong`` characters;
* ``weak`` — any other line of at most ``max_fragment`` characters with Han in it;
* ``keep`` — a report's own short line (at most 80 characters): a date, a signature, a
  title, a closing formula (the protected patterns of ``data/repeated.toml`` except the
  sentence and heading ones). Never taken; it does not end an edge block either;
* content — everything else, including every numbered heading (it ends an edge block:
  the body has begun).

Then, on the non-blank lines in order (blank lines neither count nor break a block):

``block.fragment``
    a run of at most ``max_gap`` strong lines with a removed line on both sides, or on one
    side when that side is a run of at least ``min_run`` removed lines;
``block.head`` / ``block.tail``
    the *edge block* is the longest run from the start (end) of the document of removed,
    strong, weak and keep lines. Its strong and weak lines that lie before its last
    (after its first) removed line go, when the block holds at least ``min_run`` removed
    lines and removed lines are at least ``edge_share`` of the lines taken with them.
    Keep lines (the title between breadcrumbs and a date line, a signature and date above a
    footer) always stay.

A weak line in the body is never taken: a short report heading between two removed lines
survives. Time and memory are linear in the number of lines; the kinds cost one pass of
bounded patterns per kept line.

**Gaps of earlier steps.** Each step sees only the text the steps before it left, so a lone
``。`` between a line :class:`~.strip.StripBoilerplate` (or ``RepeatedLines``) removed and one a
later corpus step removes would look like a fragment beside one removed line only. Every
step that removes whole lines therefore records, in ``doc.features[GAPS]`` (scratch, never
output), where removed lines sat in the text it leaves (:func:`carry_gaps`); the corpus
steps pass those *gaps* to :func:`absorb`, which counts each one as a removed line. The
record holds the line count it is valid for and is ignored when the text no longer has it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..document import Document
from ..text.chars import HAN_IDEOGRAPHS
from ._lines import line_starts, whole_line_spans
from .protect import protected

#: ``doc.features`` key: ``(line count, gap line indices)`` of the whole-line removals so far
GAPS = "boilerplate_gaps"

RULE_FRAGMENT = "block.fragment"
RULE_HEAD = "block.head"
RULE_TAIL = "block.tail"

STRONG = 3
WEAK = 2
#: a report's own short line (title, date, signature, closing formula): kept, and it does
#: not end an edge block
KEEP = 1
CONTENT = 0
#: the longest line that can be KEEP (a long title)
MAX_KEEP = 80

#: a letter or digit of any script (what a symbol-only line lacks)
_WORD = re.compile(r"[^\W_]")
_HAN = re.compile(f"[{HAN_IDEOGRAPHS}]")
_LATIN2 = re.compile(r"[A-Za-z][^A-Za-z]{0,3}[A-Za-z]")
_BRACKETED = re.compile(
    r"《[^《》\n]{1,60}》|【[^【】\n]{1,60}】|〔[^〔〕\n]{1,60}〕|〖[^〖〗\n]{1,60}〗"
)
#: punctuation that continues a sentence: a line starting with one is a broken-off piece
_CONTINUES = frozenset("，,、。．；;：:）)》〉」』”’】〕!！?？")


@dataclass(frozen=True, slots=True)
class BlockParams:
    """The thresholds of :func:`absorb` (see the module docstring)."""

    max_fragment: int = 12
    max_strong: int = 40
    max_gap: int = 2
    min_run: int = 2
    edge_share: float = 0.34


DEFAULT = BlockParams()


def kind(line: str, params: BlockParams = DEFAULT) -> int:
    """``STRONG``, ``WEAK``, ``KEEP`` or ``CONTENT`` for one stripped, non-blank line."""
    if len(line) > MAX_KEEP:
        return CONTENT
    return _kinds(params)(line)


@functools.lru_cache(maxsize=8)
def _kinds(params: BlockParams) -> Callable[[str], int]:
    """:func:`_short_kind` for these ``params``, memoized by line alone (a pure function of
    the line; chrome lines recur). One memo per parameter set, looked up once per document
    by :func:`absorb`: a memo keyed by ``(line, params)`` hashed the dataclass on every call
    (~2 µs of the ~2.2 µs a cached verdict cost, 27 lines per report)."""
    return functools.lru_cache(maxsize=1 << 14)(functools.partial(_short_kind, params=params))


def _short_kind(line: str, params: BlockParams) -> int:
    n = len(line)
    if _WORD.search(line) is None:
        return STRONG if n <= params.max_strong else CONTENT
    pid = protected(line)
    if pid is not None and pid != "sentence":
        # a numbered heading means the body has begun: it ends an edge block
        return CONTENT if pid.startswith("heading.") else KEEP
    if n > params.max_strong:
        return CONTENT
    han = _HAN.search(line) is not None
    if (not han and _LATIN2.search(line) is not None) or line[0] in _CONTINUES:
        return STRONG
    if _BRACKETED.fullmatch(line) is not None:
        return STRONG
    if han and n <= params.max_fragment:
        return WEAK
    return CONTENT


def absorb(
    stripped: Sequence[str],
    marks: Sequence[str | None],
    params: BlockParams = DEFAULT,
    gaps: Sequence[int] = (),
) -> list[str | None]:
    """``marks`` (a rule id per removed line, None per kept line) with the fragments of the
    removed blocks marked too (rule ids ``block.*``). ``stripped``: the document's lines,
    stripped. ``gaps``: line indices (0 … ``len(stripped)``) before which an earlier step
    removed a line; each counts as a removed line there. Lines already marked, and blank
    lines, are never changed."""
    out = list(marks)
    real = [i for i, s in enumerate(stripped) if s]
    if not real or all(marks[i] is None for i in real):
        return out  # nothing removed here (an earlier step's block pass already ran)
    if gaps:
        at = sorted(set(gaps))
        idx: list[int] = []
        g = 0
        for i in real:
            while g < len(at) and at[g] <= i:
                idx.append(-1)  # a line an earlier step removed: counted, never marked
                g += 1
            idx.append(i)
        idx.extend(-1 for _ in at[g:])
    else:
        idx = real
    removed = [i < 0 or marks[i] is not None for i in idx]
    kinds = _LazyKinds(stripped, idx, removed, _kinds(params))
    n = len(idx)
    _edge(idx, removed, kinds, out, params, RULE_HEAD, range(n))
    _edge(idx, removed, kinds, out, params, RULE_TAIL, range(n - 1, -1, -1))

    # runs of strong lines between (or beside) removed lines, in the body: only a run with
    # a removed line right before or right after it can be taken (``before`` or ``after``
    # is 0 otherwise), so only the runs starting next to a removed line are looked at, and
    # only their lines' kinds are computed (each maximal run once, in document order)
    def free(t: int) -> bool:
        return not removed[t] and out[idx[t]] is None and kinds[t] == STRONG

    for r in [r for r in range(n) if removed[r]]:
        for j, k in _runs_beside(r, removed, free):
            if k - j <= params.max_gap:
                before = _run(removed, j - 1, -1)
                after = _run(removed, k, 1)
                if (before and after) or max(before, after) >= params.min_run:
                    for t in range(j, k):
                        out[idx[t]] = RULE_FRAGMENT
    return out


def _runs_beside(r: int, removed: list[bool], free: Callable[[int], bool]) -> list[tuple[int, int]]:
    """The maximal runs ``[j, k)`` of ``free`` positions that touch the removed position
    ``r``: the one ending right before it (reported here only when no removed line sits
    right before the run: then it is reported from that line) and the one starting right
    after it. Each such run is so reported once."""
    n = len(removed)
    out: list[tuple[int, int]] = []
    if r > 0 and free(r - 1):
        j = r - 1
        while j > 0 and free(j - 1):
            j -= 1
        if j == 0 or not removed[j - 1]:
            out.append((j, r))
    if r + 1 < n and free(r + 1):
        k = r + 2
        while k < n and free(k):
            k += 1
        out.append((r + 1, k))
    return out


class _LazyKinds:
    """The kind of each position of ``idx`` (``CONTENT`` for a removed or long line),
    computed when first asked for: the block rules read the kinds near removed lines and
    at the document's edges only, not of every line of the body."""

    __slots__ = ("_idx", "_kind", "_of", "_removed", "_stripped")

    def __init__(
        self,
        stripped: Sequence[str],
        idx: list[int],
        removed: list[bool],
        of: Callable[[str], int],
    ) -> None:
        self._stripped, self._idx, self._removed, self._of = stripped, idx, removed, of
        self._kind: list[int | None] = [None] * len(idx)

    def __getitem__(self, j: int) -> int:
        got = self._kind[j]
        if got is None:
            line = self._stripped[self._idx[j]] if not self._removed[j] else ""
            got = CONTENT if not line or len(line) > MAX_KEEP else self._of(line)
            self._kind[j] = got
        return got


def _run(removed: list[bool], start: int, step: int) -> int:
    """How many removed lines in a row from ``start`` going ``step`` (0 outside)."""
    count = 0
    j = start
    while 0 <= j < len(removed) and removed[j]:
        count += 1
        j += step
    return count


def _edge(
    idx: list[int],
    removed: list[bool],
    kinds: _LazyKinds,
    out: list[str | None],
    params: BlockParams,
    rule: str,
    order: range,
) -> None:
    """Mark the fragments of the head (``order`` ascending) or tail block."""
    n_removed = 0
    taken: list[int] = []
    pending: list[int] = []
    for j in order:
        if removed[j]:
            n_removed += 1
            taken.extend(pending)
            pending = []
        elif kinds[j] >= WEAK:
            pending.append(j)
        elif kinds[j] == CONTENT:
            break
    if n_removed < params.min_run or not taken:
        return
    if n_removed < params.edge_share * (n_removed + len(taken)):
        return
    for j in taken:
        out[idx[j]] = rule


def carry_gaps(features: dict[str, Any], lines: Sequence[str], marks: Sequence[str | None]) -> None:
    """Record in ``features[GAPS]`` where the lines ``marks`` removes (and the gaps recorded
    before, valid for ``lines``) sit in the text left after removing them: the index of the
    kept line each run of removed lines preceded (the kept line count for a run at the end)."""
    n = len(lines)
    old = gaps_for(features, n)
    if not old and all(m is None for m in marks):
        return
    # after[i]: the index, in the text left, of the first kept line at or after line i
    after = [0] * (n + 1)
    count = 0
    for i in range(n):
        after[i] = count
        if marks[i] is None:
            count += 1
    after[n] = count
    out = {after[g] for g in old}
    out.update(after[i] for i, m in enumerate(marks) if m is not None)
    features[GAPS] = (count, tuple(sorted(out)))


def remove_marked_lines(
    doc: Document,
    lines: Sequence[str],
    stripped: Sequence[str],
    marks: Sequence[str | None],
    *,
    blocks: bool,
) -> None:
    """A corpus layer's whole-line removals applied to ``doc`` (``lines`` its text's lines,
    ``stripped`` them stripped, ``marks`` the rule id of each line it removes): widened by
    :func:`absorb` to the fragments around them when ``blocks``, the gaps carried for the
    layers after it, each line removed with one line break; a document left blank is
    rejected as ``boilerplate-only``."""
    if blocks:
        marks = absorb(stripped, marks, gaps=gaps_for(doc.features, len(lines)))
    carry_gaps(doc.features, lines, marks)
    doc.remove_spans(whole_line_spans(lines, line_starts(lines), marks))
    if not doc.text.strip():
        doc.reject("boilerplate-only")


def gaps_for(features: dict[str, Any], n_lines: int) -> tuple[int, ...]:
    """The recorded gaps, if they were recorded for a text of ``n_lines`` lines."""
    rec = features.get(GAPS)
    if not rec or rec[0] != n_lines:
        return ()
    return tuple(rec[1])
