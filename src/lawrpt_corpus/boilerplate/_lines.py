"""Line bookkeeping shared by the boilerplate steps."""

from __future__ import annotations

from collections.abc import Sequence


def line_starts(lines: Sequence[str]) -> list[int]:
    """Offset of each line of ``"\\n".join(lines)``."""
    starts = []
    pos = 0
    for ln in lines:
        starts.append(pos)
        pos += len(ln) + 1
    return starts


def whole_line_spans(
    lines: Sequence[str], starts: Sequence[int], marks: Sequence[str | None]
) -> list[tuple[int, int, str]]:
    """``(start, end, rule)`` spans removing each marked line together with one line break.

    A line takes the break after it. In a text without a trailing break, the final run of
    removed (or blank) lines takes the breaks before them instead, so the text does not end
    with a new dangling break.
    """
    n = len(lines)
    tail_from = n
    while tail_from > 0 and (marks[tail_from - 1] is not None or not lines[tail_from - 1]):
        tail_from -= 1
    text_end = starts[-1] + len(lines[-1]) if n else 0
    no_final_break = n > 0 and bool(lines[-1])
    spans = []
    for i, rule in enumerate(marks):
        if rule is None:
            continue
        start, end = starts[i], starts[i] + len(lines[i])
        if no_final_break and i >= tail_from and i > 0:
            spans.append((start - 1, end, rule))
        else:
            spans.append((start, min(end + 1, text_end), rule))
    return spans
