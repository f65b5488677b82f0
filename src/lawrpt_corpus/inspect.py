"""``inspect``: see what the pipeline did to one input, or to one document of a build.

Two entry points, both used by ``python -m lawrpt_corpus inspect``:

* :func:`trace_input` runs the per-document steps of a pipeline on one raw input (a file,
  or one record of a ``.jsonl[.gz]``) one step at a time, and records what each step did:
  the text before and after, its removals (rule, text), its in-place edits (rule, count),
  flags, and whether it rejected the input. From the per-step texts it builds *segments*:
  the final text with every removed span re-inserted where it was cut (kind ``removed``,
  labelled with its rule) and every in-place change marked (kind ``changed``, with the
  text it replaced as kind ``replaced``). Positions are recovered by diffing each step's
  text before/after (lines first, then characters inside changed lines), so the build
  itself never has to store offsets. With ``corpus`` inputs, the corpus steps are fitted
  on that corpus first and applied too (repeated-line removal, deduplication).
* :func:`lookup_dataset` finds a document of a built dataset folder by id or source and
  returns its data row, every manifest row merged into it (with the similarity parsed
  from the manifest ``reason``), and its removals.

Both return plain JSON-able dicts (``schema_version`` :data:`SCHEMA_VERSION`, documented
in docs/inspect.md); :func:`render_trace` / :func:`render_lookup` print them with rich.
Nothing here raises for a bad input: an input the build would reject is traced up to the
step that rejects it, and the reason is part of the result.
"""

from __future__ import annotations

import copy
import gzip
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .defaults import default_pipeline
from .document import METADATA_FIELDS, Document, located_changes
from .engines.local import LocalEngine
from .io.readers import DEFAULT_MAX_BYTES, InputItem, iter_inputs, load_document
from .io.readers import _file_item as file_item
from .io.readers import _is_jsonl as is_jsonl
from .io.readers import _jsonl_item as jsonl_item
from .pipeline import Observer, Pipeline, apply_corpus_steps

SCHEMA_VERSION = 2


class InspectError(Exception):
    """The input cannot be found or addressed (bad path, no such record); for the user."""


# -- reading one input ----------------------------------------------------------------------
def read_input(
    path: str | Path, record: int | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Document:
    """A fresh document for ``path``, read exactly as the build reads it.

    ``record`` selects the record on line ``record`` (1-based, as in the source
    ``FILE#L<n>``) of a JSON Lines file. Unreadable, too large or malformed inputs come back
    rejected with the build's reason. Raises :class:`InspectError` if ``path`` does not
    exist or the record cannot be addressed.
    """
    p = Path(path)
    if not p.exists() and not p.is_symlink():
        raise InspectError(f"{p} does not exist")
    if p.is_dir():
        raise InspectError(f"{p} is a folder; give one file")
    if record is not None:
        if not is_jsonl(p):
            raise InspectError("--record needs a .jsonl or .jsonl.gz file")
        if record < 1:
            raise InspectError("--record counts lines from 1")
        return load_document(_jsonl_record(p, record, max_bytes))
    if is_jsonl(p):
        raise InspectError(f"{p} is a JSON Lines file; choose a record with --record N")
    return load_document(file_item(p, p.name, max_bytes))


def _jsonl_record(path: Path, line_no: int, max_bytes: int) -> InputItem:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            for n, line in enumerate(fh, start=1):
                if n == line_no:
                    if not line.strip():
                        raise InspectError(f"line {line_no} of {path.name} is blank")
                    return jsonl_item(line, f"{path.name}#L{line_no}", max_bytes)
    except (OSError, EOFError) as exc:
        return InputItem(path.name, error=f"unreadable:{exc.__class__.__name__}")
    raise InspectError(f"{path.name} has no line {line_no}")


# -- tracing --------------------------------------------------------------------------------
def _edit_counts(doc: Document) -> dict[tuple[str, str], int]:
    return {(e.step, e.rule): e.count for e in doc.edits}


#: One located change of one call: (start, end, replacement, rule, is a removal).
_Change = tuple[int, int, str, str, bool]


def _calls(before: Document, after: Document) -> list[list[_Change]]:
    """What the step did, from the trail it recorded: its change calls in order, each a
    list of changes located in the text that call saw."""
    by_call: dict[int, list[_Change]] = {}
    for r in after.removed[len(before.removed) :]:
        if r.start >= 0:
            by_call.setdefault(r.call, []).append(
                (r.start, r.start + len(r.text), "", r.rule, True)
            )
    for e in after.edit_trail()[len(before.edit_spans) :]:
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
        {"rule": r.rule, "text": r.text, "start": r.start}
        for r in after.removed[len(before.removed) :]
    ]
    spans = [
        {"rule": e.rule, "start": e.start, "end": e.end, "before": e.before, "after": e.after}
        for e in after.edit_trail()[len(before.edit_spans) :]
    ]
    calls = _calls(before, after)
    # the text before the step, rebuilt by undoing its calls from the end: equal to the
    # text the step was given when the trail explains the whole change
    olds = {(r.call, r.start): r.text for r in after.removed[len(before.removed) :]}
    olds.update({(e.call, e.start): e.before for e in after.edit_trail()[len(before.edit_spans) :]})
    call_ids = sorted(
        {r.call for r in after.removed[len(before.removed) :] if r.start >= 0}
        | {e.call for e in after.edit_trail()[len(before.edit_spans) :]}
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
    removals = [
        {"step": s["name"], "rule": r["rule"], "text": r["text"]}
        for s in steps
        for r in s["removals"]
    ]
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


# -- a built dataset ------------------------------------------------------------------------
def _similarity(status: str, reason: str | None) -> tuple[str | None, float | None]:
    """``near:0.93`` → ("near", 0.93); ``exact`` → ("exact", 1.0); kept → (None, None)."""
    if status != "duplicate" or not reason:
        return None, None
    kind, _, num = reason.partition(":")
    if kind == "exact":
        return "exact", 1.0
    try:
        return kind, float(num)
    except ValueError:
        return kind, None


def _read(folder: Path, sub: str, key_filter: Any) -> list[dict[str, Any]]:
    import pyarrow.dataset as ds

    files = sorted((folder / sub).glob("*.parquet"))
    if not files:
        return []
    table = ds.dataset([str(f) for f in files], format="parquet").to_table(filter=key_filter)
    return list(table.to_pylist())


def lookup_dataset(out: str | Path, key: str) -> dict[str, Any]:
    """Find ``key`` (a document id, a raw sha256, or a source) in the dataset folder ``out``.

    Returns the data row of the kept document the input became (or was merged into), all
    manifest rows merged into it with their similarity, and its removals grouped by rule.
    A rejected input is found in the manifest and returned with its reason and no row.
    Raises :class:`InspectError` if ``out`` is not a dataset folder or ``key`` is unknown.
    """
    import pyarrow.dataset as ds

    folder = Path(out)
    if not (folder / "manifest").is_dir():
        raise InspectError(f"{folder} is not a dataset folder (no manifest/)")
    import pyarrow.compute as pc

    f = ds.field
    key_filter = (f("source") == key) | (f("id") == key)
    if len(key) >= 16 and all(ch in "0123456789abcdef" for ch in key):
        # an input's own id (a duplicate's is not its manifest ``id``) or its full sha256
        key_filter = key_filter | pc.starts_with(f("raw_sha256"), pattern=key)
    by_input = _read(folder, "manifest", key_filter)
    matched = [r for r in by_input if r["source"] == key or r["raw_sha256"] == key]
    matched = matched or [r for r in by_input if r["raw_sha256"][:16] == key]
    doc_id = next((r["id"] for r in matched if r["id"]), None)
    if doc_id is None and any(r["id"] == key for r in by_input):
        doc_id = key
    if doc_id is None and not matched:
        raise InspectError(f"no input with id, sha256 or source {key!r} in {folder}")
    row = None
    members: list[dict[str, Any]] = []
    if doc_id is not None:
        rows = _read(folder, "data", f("id") == doc_id)
        row = rows[0] if rows else None
        members = _read(folder, "manifest", f("id") == doc_id)
        members.sort(key=lambda r: (r["status"] != "kept", r["source"]))
    for m in members + matched:
        m["merge"], m["similarity"] = _similarity(m["status"], m["reason"])
    removals = list(row["removed"]) if row else []
    by_rule: dict[str, dict[str, int]] = {}
    for r in removals:
        agg = by_rule.setdefault(r["rule"], {"count": 0, "chars": 0})
        agg["count"] += 1
        agg["chars"] += len(r["text"])
    return {
        "schema_version": SCHEMA_VERSION,
        "dataset": str(folder),
        "key": key,
        "matched": matched,
        "id": doc_id,
        "row": row,
        "cluster": members,
        "removals": removals,
        "removals_by_rule": dict(sorted(by_rule.items())),
    }


# -- rendering ------------------------------------------------------------------------------
_STYLE = {
    "removed": "strike bold red",
    "replaced": "strike dim magenta",
    "changed": "black on yellow",
}


def render_trace(result: dict[str, Any], console: Any) -> None:
    """Print a trace (from :func:`trace_input`) with colour."""
    from rich.table import Table
    from rich.text import Text

    status = result["status"]
    colour = {"kept": "green", "duplicate": "yellow"}.get(status, "red")
    head = Text.assemble(
        ("input ", "bold"),
        (str(result["source"]), "cyan"),
        f"  id {result['id']}  {result['n_bytes']:,} bytes  → ",
        (status.upper(), f"bold {colour}"),
    )
    if result["reason"]:
        head.append(f"  reason: {result['reason']}", style=f"bold {colour}")
        if result["rejected_by"]:
            head.append(f" (at {result['rejected_by']})")
    console.print(head)
    if result["error"]:
        console.print(Text(f"error: {result['error']}", style="red"))
    if status == "rejected":
        console.print(
            Text("The build would reject this input; it would appear only in the manifest.")
        )
    dec = result["decode"]
    info = Table(show_header=False, box=None, pad_edge=False)
    info.add_column(style="bold")
    info.add_column()
    info.add_row("codec", f"{dec['encoding'] or '—'}  (decode rule: {dec['rule'] or '—'})")
    info.add_row("width profile", _show(result["width_profile"]))
    info.add_row("script", _show(result["script"]))
    info.add_row("flags", ", ".join(result["flags"]) or "—")
    info.add_row("sections", " | ".join(result["sections"]) or "—")
    console.print(info)

    meta = Table(title="metadata", title_justify="left")
    for col in ("field", "value", "rule", "evidence line / why null"):
        meta.add_column(col)
    for name, m in result["metadata"].items():
        if m["value"] is None:
            meta.add_row(name, Text("null", style="dim"), "—", Text(m["why_null"] or "", "dim"))
        else:
            where = m["line_text"] or _show(m["line"])
            if isinstance(m["line"], int):
                where = f"L{m['line']}: {m['line_text'] or ''}"
            meta.add_row(name, str(m["value"]), m["rule"] or "—", _cut(where, 60))
    console.print(meta)

    steps = Table(title="steps", title_justify="left")
    for col in ("step", "chars", "removals", "edits", "flags", "status"):
        steps.add_column(col)
    for s in result["steps"]:
        edits = ", ".join(f"{e['rule']}×{e['count']}" for e in s["edits"])
        steps.add_row(
            f"{s['name']} {s['version']}" + (" (corpus)" if s["kind"] == "corpus" else ""),
            f"{s['chars_before']:,} → {s['chars_after']:,}",
            str(len(s["removals"])),
            edits or "—",
            ", ".join(s["flags_added"]) or "—",
            s["status"] + (f": {s['reason']}" if s["reason"] else ""),
        )
    console.print(steps)
    if not result["corpus_applied"] and status == "kept":
        console.print(
            Text(
                "corpus steps (repeated lines, deduplication) were not applied: "
                "pass --corpus INPUT... to apply them as a build of INPUT would.",
                style="dim",
            )
        )
    if result["removals_by_rule"]:
        rem = Table(title="removals by rule", title_justify="left")
        for col in ("rule", "count", "chars"):
            rem.add_column(col)
        for rule, agg in result["removals_by_rule"].items():
            rem.add_row(rule, str(agg["count"]), str(agg["chars"]))
        console.print(rem)
    if result["segments"]:
        console.print(
            Text.assemble(
                ("cleaned text", "bold"),
                "   removed: ",
                ("[-rule: ", "bold white on red"),
                ("text", _STYLE["removed"]),
                ("-]", "bold white on red"),
                "   changed in place: ",
                ("old", _STYLE["replaced"]),
                ("new", _STYLE["changed"]),
                ("⟨step:rule⟩", "dim yellow"),
            )
        )
        console.print(segments_text(result["segments"]))


def segments_text(segments: list[dict[str, Any]]) -> Any:
    """The in-place view as a rich Text.

    A change's ``⟨step:rule⟩`` label is printed at its first occurrence in each line only
    (the colour marks every change; the steps table has the counts).
    """
    from rich.text import Text

    out = Text()
    labelled: set[str] = set()
    for seg in segments:
        kind = seg["kind"]
        if kind == "text":
            out.append(seg["text"])
        elif kind == "removed":
            body = seg["text"]
            tail = "\n" if body.endswith("\n") else ""
            out.append(f"[-{seg['rule']}: ", style="bold white on red")
            out.append(body[: len(body) - len(tail)], style=_STYLE["removed"])
            out.append("-]", style="bold white on red")
            out.append(tail)
        elif kind == "replaced":
            out.append(seg["text"], style=_STYLE["replaced"])
        else:
            out.append(seg["text"], style=_STYLE["changed"])
            if seg["rule"] not in labelled:
                out.append(f"⟨{seg['rule']}⟩", style="dim yellow")
                labelled.add(seg["rule"])
        if "\n" in seg["text"]:
            labelled.clear()
    return out


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "—" if value is None else str(value)


def render_lookup(result: dict[str, Any], console: Any) -> None:
    """Print a dataset lookup (from :func:`lookup_dataset`) with colour."""
    from rich.table import Table
    from rich.text import Text

    row = result["row"]
    for m in result["matched"]:
        if m["status"] == "rejected":
            console.print(
                Text.assemble(
                    ("input ", "bold"),
                    (m["source"], "cyan"),
                    " was ",
                    ("REJECTED", "bold red"),
                    f": {m['reason']}",
                )
            )
    if row is None:
        if result["id"] is not None:
            console.print(Text(f"document {result['id']} is not in data/", style="red"))
        return
    info = Table(title=f"document {row['id']}", title_justify="left", show_header=False)
    info.add_column(style="bold")
    info.add_column()
    for key in (
        "source",
        "encoding",
        "decode_rule",
        "n_chars",
        "script",
        "width_profile",
        *METADATA_FIELDS,
    ):
        if key in row:
            info.add_row(key, _show(row[key]))
    info.add_row("flags", ", ".join(row.get("flags") or []) or "—")
    info.add_row("sections", " | ".join(row.get("sections") or []) or "—")
    console.print(info)
    cl = Table(title="manifest rows merged into this document", title_justify="left")
    for col in ("source", "status", "reason", "similarity", "n_bytes", "encoding"):
        cl.add_column(col)
    for m in result["cluster"]:
        cl.add_row(
            m["source"],
            m["status"],
            _show(m["reason"]),
            "—" if m["similarity"] is None else f"{m['similarity']:.2f}",
            f"{m['n_bytes']:,}",
            _show(m["encoding"]),
        )
    console.print(cl)
    if result["removals_by_rule"]:
        rem = Table(title="removals by rule", title_justify="left")
        for col in ("rule", "count", "chars"):
            rem.add_column(col)
        for rule, agg in result["removals_by_rule"].items():
            rem.add_row(rule, str(agg["count"]), str(agg["chars"]))
        console.print(rem)
        for r in result["removals"]:
            console.print(
                Text.assemble((f"[-{r['rule']}: ", "bold white on red"), (r["text"], "strike red"))
            )
    else:
        console.print(Text("no removals", style="dim"))
    if row.get("edits"):
        console.print(
            "in-place edits: "
            + ", ".join(f"{e['step']}:{e['rule']}×{e['count']}" for e in row["edits"])
        )
