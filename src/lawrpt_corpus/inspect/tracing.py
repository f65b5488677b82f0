"""Tracing for ``inspect``: run a pipeline on one input with an observer and turn the
located trail each step left into per-step records and display segments (no diff)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..defaults import default_pipeline
from ..document import METADATA_FIELDS, Document, EditSpan, located_changes
from ..engines.local import LocalEngine
from ..io.readers import iter_inputs
from ..pipeline import Observer, Pipeline, apply_corpus_steps
from .reading import SCHEMA_VERSION, removal_record


# -- tracing --------------------------------------------------------------------------------
def _edit_counts(doc: Document) -> dict[tuple[str, str], int]:
    return {(e.step, e.rule): e.count for e in doc.edits}


#: One located change of one call: (start, end, replacement, rule, is a removal).
_Change = tuple[int, int, str, str, bool]


def _calls(before: Document, after: Document, new_spans: list[EditSpan]) -> list[list[_Change]]:
    """What the step did, from the trail it recorded (``new_spans``: the edit spans it
    added): its change calls in order, each a list of changes located in the text that call
    saw."""
    by_call: dict[int, list[_Change]] = {}
    for r in after.removed[len(before.removed) :]:
        if r.start >= 0:
            by_call.setdefault(r.call, []).append(
                (r.start, r.start + len(r.text), "", r.rule, True)
            )
    for e in new_spans:
        by_call.setdefault(e.call, []).append((e.start, e.end, e.after, e.rule, False))
    return [sorted(by_call[c]) for c in sorted(by_call)]


def _undo(text: str, changes: list[_Change], pieces: list[str]) -> str:
    """The text one call changed, from the text it made (``pieces``: what each change
    replaced, in order)."""
    out: list[str] = []
    pos = shift = 0
    for (start, end, repl, _, _), old in zip(changes, pieces, strict=True):
        at = start + shift
        out.append(text[pos:at])
        out.append(old)
        pos = at + len(repl)
        shift += len(repl) - (end - start)
    out.append(text[pos:])
    return "".join(out)


def _step_record(step: Any, kind: str, before: Document, after: Document) -> dict[str, Any]:
    """One step's record, and (private keys) its located calls and the texts around it."""
    was = _edit_counts(before)
    edits = [
        {"step": s, "rule": r, "count": n - was.get((s, r), 0)}
        for (s, r), n in _edit_counts(after).items()
        if n - was.get((s, r), 0) > 0
    ]
    removals = [
        removal_record(r.rule, r.text, r.start) for r in after.removed[len(before.removed) :]
    ]
    # the spans this step added: the trail only grows, and the first ``edit_spans_kept`` of
    # it are the spans recorded before the step
    new_spans = after.edit_trail()[before.edit_spans_kept :]
    spans = [
        {"rule": e.rule, "start": e.start, "end": e.end, "before": e.before, "after": e.after}
        for e in new_spans
    ]
    calls = _calls(before, after, new_spans)
    # the text before the step, rebuilt by undoing its calls from the end: equal to the
    # text the step was given when the trail explains the whole change
    olds = {(r.call, r.start): r.text for r in after.removed[len(before.removed) :]}
    olds.update({(e.call, e.start): e.before for e in new_spans})
    call_ids = sorted(
        {r.call for r in after.removed[len(before.removed) :] if r.start >= 0}
        | {e.call for e in new_spans}
    )
    start_text = after.text
    for cid, changes in zip(reversed(call_ids), reversed(calls), strict=True):
        start_text = _undo(start_text, changes, [olds[(cid, c[0])] for c in changes])
    if not before.text and not calls and edits and before.raw and after.encoding:
        # a decoder that repaired without locating: its input is the plainly decoded bytes
        try:
            start_text = before.raw.decode(after.encoding, errors="replace")
        except LookupError:
            pass
    dropped = after.edit_spans_dropped - before.edit_spans_dropped
    located = not dropped and (start_text == before.text or (not before.text and bool(calls)))
    return {
        "_calls": calls,
        "_before": before.text or start_text,  # a decoder's: the text before its repairs
        "_after": after.text,
        "name": step.name,
        "version": step.version,
        "kind": kind,
        "status": after.status,
        "reason": after.reason if after.status != before.status else None,
        "chars_before": len(before.text),
        "chars_after": len(after.text),
        "changed_text": after.text != before.text,
        "removals": removals,
        "edits": edits,
        "edit_spans": spans,
        "edit_spans_dropped": dropped,
        "located": located or after.text == before.text,
        "flags_added": [f for f in after.flags if f not in before.flags],
    }


def _fit_corpus(pipeline: Pipeline, corpus: Sequence[str | Path], target: Document) -> int:
    """Run the pipeline over ``corpus`` (fits its corpus steps); ``target``'s seq or -1.

    The target is the corpus input with the same bytes (and, if several, the same source).
    """
    same_source = same_bytes = -1
    for doc in LocalEngine(1).run(pipeline, iter_inputs(list(corpus))):
        if doc.raw_sha256 == target.raw_sha256:
            if same_bytes < 0:
                same_bytes = doc.seq
            if same_source < 0 and doc.source == target.source:
                same_source = doc.seq
    return same_source if same_source >= 0 else same_bytes


def trace_input(
    doc: Document,
    pipeline: Pipeline | None = None,
    corpus: Sequence[str | Path] | None = None,
    input_info: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run ``pipeline`` (default: :func:`~lawrpt_corpus.default_pipeline`) on ``doc`` with an
    observer, and record what each step did from the trail it left.

    The document ends exactly as :meth:`Pipeline.process` leaves it (checked: the result's
    ``trace_consistent``). Corpus steps only ``prepare`` unless ``corpus`` (input paths) is
    given; then they are fitted on it and applied to ``doc`` as in a build of ``corpus``.
    Returns the JSON-able trace described in docs/inspect.md.
    """
    pipeline = pipeline or default_pipeline()
    reference = pipeline.process(copy.deepcopy(doc))
    steps: list[dict[str, Any]] = []
    rejected_on_read = not doc.kept

    def observer(kind: str) -> Observer:
        def observe(step: Any, before: Document, after: Document) -> None:
            steps.append(_step_record(step, kind, before, after))

        return observe

    doc = pipeline.process(doc, observer("document"))
    consistent = (
        doc.text == reference.text
        and doc.removed == reference.removed
        and doc.edits == reference.edits
        and doc.status == reference.status
        and doc.reason == reference.reason
    )
    corpus_applied = False
    if corpus and doc.kept:
        doc.seq = _fit_corpus(pipeline, corpus, doc)
        corpus_applied = True
        doc = apply_corpus_steps(pipeline.corpus_steps, doc, observer("corpus"))
    segments = _segments(steps)
    for rec in steps:
        for key in ("_calls", "_before", "_after"):
            rec.pop(key, None)
    if not segments and doc.text:
        segments = [{"kind": "text", "text": doc.text}]
    return _trace_result(
        doc, steps, segments, consistent, corpus_applied, rejected_on_read, input_info
    )


def _trace_result(
    doc: Document,
    steps: list[dict[str, Any]],
    segments: list[dict[str, Any]],
    consistent: bool,
    corpus_applied: bool,
    rejected_on_read: bool,
    input_info: dict[str, Any] | None,
) -> dict[str, Any]:
    removals = [{"step": s["name"], **r} for s in steps for r in s["removals"]]
    by_rule: dict[str, dict[str, int]] = {}
    for r in removals:
        agg = by_rule.setdefault(r["rule"], {"count": 0, "chars": 0})
        agg["count"] += 1
        agg["chars"] += len(r["text"])
    rejected_by = None
    if doc.status == "rejected":
        rejected_by = (
            "read"
            if rejected_on_read
            else next((s["name"] for s in steps if s["status"] == "rejected"), None)
        )
    width = doc.width_profile
    return {
        "schema_version": SCHEMA_VERSION,
        "input": dict(input_info or {}),
        "source": doc.source,
        "id": doc.id,
        "raw_sha256": doc.raw_sha256,
        "n_bytes": doc.n_bytes,
        "status": doc.status,
        "reason": doc.reason,
        "rejected_by": rejected_by,
        "error": doc.features.get("error"),
        "would_be_kept": doc.status == "kept",
        "decode": {"encoding": doc.encoding, "rule": doc.decode_rule},
        "extraction": _extraction(doc, removals),
        "width_profile": _jsonable(width),
        "script": doc.script,
        "metadata": _metadata(doc, steps),
        "sections": list(doc.sections),
        "flags": list(doc.flags),
        "steps": steps,
        "removals": removals,
        "removals_by_rule": dict(sorted(by_rule.items())),
        "edits": [{"step": e.step, "rule": e.rule, "count": e.count} for e in doc.edits],
        "segments": segments,
        "text": doc.text,
        "n_chars": len(doc.text),
        "trace_consistent": consistent,
        "corpus_applied": corpus_applied,
    }


def _extraction(doc: Document, removals: list[dict[str, Any]]) -> dict[str, Any]:
    """What the extract step read: format, extractor, pages, page metadata, what it dropped."""
    from dataclasses import asdict

    page = asdict(doc.page) if doc.page is not None else {}
    page["attachments"] = [{"href": h, "text": t} for h, t in page.get("attachments", [])]
    return {
        "format": doc.format,
        "extractor": doc.extractor,
        "units": doc.features.get("extract_units"),
        "detail": doc.features.get("extract_detail"),
        "page": {k: v for k, v in page.items() if v not in (None, [])},
        "dropped": [r for r in removals if r["rule"].startswith("extract.")],
    }


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    try:
        return float(value)
    except (TypeError, ValueError):
        return repr(value)


def _metadata(doc: Document, steps: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each metadata field: value, the evidence (rule, line), or why it is null."""
    evidence = doc.features.get("metadata_evidence") or {}
    ran = {s["name"] for s in steps}
    lines = doc.text.splitlines()
    out: dict[str, dict[str, Any]] = {}
    for name in METADATA_FIELDS:
        value = doc.meta.get(name)
        ev = evidence.get(name) if isinstance(evidence, dict) else None
        ev = ev if isinstance(ev, dict) else {}
        line = ev.get("line")
        entry: dict[str, Any] = {
            "value": _jsonable(value),
            "rule": ev.get("rule"),
            "line": _jsonable(line),
            "line_text": _line_text(line, lines),
            "why_null": None,
        }
        if value is None:
            given = ev.get("why") or ev.get("why_null") or ev.get("reason")
            if given:
                entry["why_null"] = str(given)
            elif doc.status == "rejected":
                entry["why_null"] = f"input rejected ({doc.reason}) before metadata was extracted"
            elif not any("metadata" in n for n in ran):
                entry["why_null"] = "no metadata step in the pipeline"
            else:
                entry["why_null"] = "no rule matched"
        out[name] = entry
    return out


def _line_text(line: Any, lines: list[str]) -> str | None:
    """The evidence line's text: ``line`` is a 1-based line number of the text, or the text."""
    if isinstance(line, str):
        return line
    if isinstance(line, int) and not isinstance(line, bool) and 1 <= line <= len(lines):
        return lines[line - 1]
    return None


# -- segments from the trail ----------------------------------------------------------------
def _segments(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Final text as segments, with every removed or replaced piece back in place.

    Segments of kind ``text`` / ``changed`` concatenate to the final text; ``removed`` and
    ``replaced`` segments carry the text that was there before, with the step and rule.
    Built by replaying each step's located calls; a step whose trail does not explain its
    whole change (a count-only edit, a trail past its bound, a step that sets ``text``
    without recording) is shown as one replaced block: what differs between its input and
    output after their common prefix and suffix.
    """
    # A segment: [kind, text, step, rule]. Live segments (text/changed) make up the current
    # text; dead ones (removed/replaced) stay where they were, for display.
    segs: list[list[Any]] = []
    for rec in steps:
        if rec["status"] != "kept" or (not rec["changed_text"] and segs):
            continue
        before, after = rec["_before"], rec["_after"]
        if not segs:
            if not before:
                continue
            segs = [["text", before, None, None]]
        calls = rec["_calls"] if rec["located"] else [_unlocated(before, after, rec)]
        for changes in calls:
            segs = _merge(_apply_call(segs, changes, rec["name"]))
    return [
        {"kind": k, "text": t, **({"step": s, "rule": r} if k != "text" else {})}
        for k, t, s, r in segs
    ]


def _unlocated(before: str, after: str, rec: dict[str, Any]) -> list[_Change]:
    """The change of a step whose trail does not explain it, located by
    :func:`~lawrpt_corpus.document.located_changes` (linear: position by position, line by
    line, else one block). Labelled with the step's rule when it logged one, else its name;
    a step that removed only (and said what) shows removals."""
    rules = sorted({e["rule"] for e in rec["edits"]})
    removal = not rec["edits"] and bool(rec["removals"])
    if removal:
        rules = sorted({r["rule"] for r in rec["removals"]})
    label = rules[0] if len(rules) == 1 else str(rec["name"])
    return [(s, e, a, label, removal and not a) for s, e, a in located_changes(before, after)]


_LIVE = ("text", "changed")


def _apply_call(segs: list[list[Any]], changes: list[_Change], name: str) -> list[list[Any]]:
    """``segs`` after one change call: the live text is cut at every change; what a change
    covers becomes dead (``removed`` for a removal, ``replaced`` for an edit) and its
    replacement follows it as ``changed``. When it covers what an earlier step wrote, the
    text that step replaced takes its place (so the dead pieces still spell the input)."""
    cuts = sorted({p for c in changes for p in (c[0], c[1])})
    # (live start, segment, whole): segments split at the cuts; ``whole`` when not split
    pieces: list[tuple[int, list[Any], bool]] = []
    pos = 0
    for seg in segs:
        if seg[0] not in _LIVE:
            pieces.append((pos, seg, True))
            continue
        text, start = seg[1], pos
        inner = [c - start for c in cuts if start < c < start + len(text)]
        for a, b in zip([0, *inner], [*inner, len(text)], strict=True):
            pieces.append((start + a, [seg[0], text[a:b], seg[2], seg[3]], not inner))
        pos += len(text)
    out: list[list[Any]] = []
    ci = 0  # the first change whose replacement is not out yet (changes do not overlap)
    for at, seg, whole in pieces:
        if seg[0] not in _LIVE:
            out.append(seg)
            continue
        # a change's replacement goes right before the first live piece at or past its end
        while ci < len(changes) and changes[ci][1] <= at:
            if changes[ci][2]:
                out.append(["changed", changes[ci][2], name, _label(name, changes[ci])])
            ci += 1
        if ci < len(changes) and changes[ci][0] <= at:
            c = changes[ci]
            kind, label = "removed" if c[4] else "replaced", _label(name, c)
            prior = out[-1] if out else None
            if (
                seg[0] == "changed"
                and whole
                and prior is not None
                and prior[0] == "replaced"
                and prior[2:] == seg[2:]
            ):
                # text an earlier step wrote, taken away again: what that step replaced
                # (shown just before) is what this change takes from the input
                out[-1] = [kind, prior[1], name, label]
            else:
                out.append([kind, seg[1], name, label])
        else:
            out.append(seg)
    for c in changes[ci:]:
        if c[2]:
            out.append(["changed", c[2], name, _label(name, c)])
    return out


def _label(name: str, change: _Change) -> str:
    """A removal is labelled with its rule id; an edit with ``step:rule``."""
    rule = change[3]
    return rule if change[4] or rule == name else f"{name}:{rule}"


def _merge(segs: list[list[Any]]) -> list[list[Any]]:
    out: list[list[Any]] = []
    for seg in segs:
        if not seg[1]:
            continue
        if out and out[-1][0] == seg[0] and out[-1][2] == seg[2] and out[-1][3] == seg[3]:
            out[-1] = [seg[0], out[-1][1] + seg[1], seg[2], seg[3]]
        else:
            out.append(list(seg))
    return out
