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
import difflib
import gzip
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .boilerplate.score import RULE_ID as SCORE_RULE_ID
from .boilerplate.score import default_model as default_score_model
from .defaults import default_pipeline
from .document import METADATA_FIELDS, Document
from .engines.local import LocalEngine
from .io.readers import DEFAULT_MAX_BYTES, InputItem, iter_inputs, iter_warc_items, load_document
from .io.readers import _file_item as file_item
from .io.readers import _is_jsonl as is_jsonl
from .io.readers import _is_warc as is_warc
from .io.readers import _jsonl_item as jsonl_item
from .pipeline import Pipeline, prepare_corpus_steps, run_document_steps

SCHEMA_VERSION = 1

#: Above this many characters on each side, a changed block is marked whole instead of
#: being diffed character by character (difflib is quadratic in the worst case).
_CHAR_DIFF_LIMIT = 20_000


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
    if is_warc(p):
        if record is None:
            raise InspectError(f"{p} is a WARC file; choose a record with --record N")
        if record < 1:
            raise InspectError("--record counts records from 1")
        for n, item in enumerate(iter_warc_items(p, p.name, max_bytes), start=1):
            if n == record:
                return load_document(item)
        raise InspectError(f"{p.name} has fewer than {record} records")
    if record is not None:
        if not is_jsonl(p):
            raise InspectError("--record needs a .jsonl, .jsonl.gz, .warc or .warc.gz file")
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
def _removal(rule: str, text: str) -> dict[str, Any]:
    """``{rule, text}``, plus ``why`` for a score removal: the features that pushed the line
    out, recomputed from its text with the shipped model (the rule id is constant)."""
    out: dict[str, Any] = {"rule": rule, "text": text}
    if rule == SCORE_RULE_ID:
        model = default_score_model()
        if model is not None:
            out["why"] = model.why(text.strip())
    return out


def _edit_counts(doc: Document) -> dict[tuple[str, str], int]:
    return {(e.step, e.rule): e.count for e in doc.edits}


def _snapshot(doc: Document) -> dict[str, Any]:
    return {
        "text": doc.text,
        "n_removed": len(doc.removed),
        "n_spans": len(doc.features.get("removal_spans", ())),
        "edits": _edit_counts(doc),
        "flags": list(doc.flags),
        "status": doc.status,
    }


def _step_record(
    name: str, version: str, kind: str, before: dict[str, Any], doc: Document
) -> dict[str, Any]:
    after_edits = _edit_counts(doc)
    edits = [
        {"step": s, "rule": r, "count": n - before["edits"].get((s, r), 0)}
        for (s, r), n in after_edits.items()
        if n - before["edits"].get((s, r), 0) > 0
    ]
    removals = [_removal(r.rule, r.text) for r in doc.removed[before["n_removed"] :]]
    spans = list(doc.features.get("removal_spans", ()))[before["n_spans"] :]
    return {
        "_spans": spans,
        "name": name,
        "version": version,
        "kind": kind,
        "status": doc.status,
        "reason": doc.reason if doc.status != before["status"] else None,
        "chars_before": len(before["text"]),
        "chars_after": len(doc.text),
        "changed_text": doc.text != before["text"],
        "removals": removals,
        "edits": edits,
        "flags_added": [f for f in doc.flags if f not in before["flags"]],
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
    """Run ``pipeline`` (default: :func:`~lawrpt_corpus.default_pipeline`) on ``doc``, step by step.

    The document ends exactly as :meth:`Pipeline.process` leaves it (checked: the result's
    ``trace_consistent``). Corpus steps only ``prepare`` unless ``corpus`` (input paths) is
    given; then they are fitted on it and applied to ``doc`` as in a build of ``corpus``.
    Returns the JSON-able trace described in docs/inspect.md.
    """
    pipeline = pipeline or default_pipeline()
    reference = pipeline.process(copy.deepcopy(doc))
    raw = doc.raw
    steps: list[dict[str, Any]] = []
    texts: list[tuple[dict[str, Any], str, str]] = []  # (step record, before, after)
    rejected_on_read = not doc.kept
    for step in pipeline.document_steps:
        if not doc.kept:
            break
        before = _snapshot(doc)
        doc.raw = raw
        doc = run_document_steps([step], doc)
        rec = _step_record(step.name, step.version, "document", before, doc)
        steps.append(rec)
        if doc.kept:
            start = before["text"] or _baseline(raw, doc, rec)
            texts.append((rec, start, doc.text))
    doc.raw = None
    corpus_applied = False
    doc = prepare_corpus_steps(pipeline.corpus_steps, doc)
    consistent = (
        doc.text == reference.text
        and doc.removed == reference.removed
        and doc.edits == reference.edits
        and doc.status == reference.status
        and doc.reason == reference.reason
    )
    if corpus and doc.kept:
        doc.seq = _fit_corpus(pipeline, corpus, doc)
        corpus_applied = True
        for cstep in pipeline.corpus_steps:
            if not doc.kept:
                break
            before = _snapshot(doc)
            doc = cstep.apply(doc)
            rec = _step_record(cstep.name, cstep.version, "corpus", before, doc)
            steps.append(rec)
            if doc.kept:
                texts.append((rec, before["text"], doc.text))
    segments = _segments(texts) if texts else []
    for rec in steps:
        rec.pop("_spans", None)
    if not segments and doc.text:
        segments = [{"kind": "text", "text": doc.text}]
    return _trace_result(
        doc, steps, segments, consistent, corpus_applied, rejected_on_read, input_info
    )


def _baseline(raw: bytes | None, doc: Document, step: dict[str, Any]) -> str:
    """What a step that makes the text from bytes (decode) is compared with.

    If it logged in-place edits (a mojibake repair), the bytes decoded plainly with the
    chosen codec, so the repair shows as changes; otherwise its own output (no changes).
    """
    if step["edits"] and raw is not None and doc.encoding:
        try:
            return raw.decode(doc.encoding, errors="replace")
        except LookupError:
            pass
    return doc.text


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


# -- positions from diffs -------------------------------------------------------------------
def _char_opcodes(a: str, b: str) -> list[tuple[str, int, int, int, int]]:
    """Opcodes turning ``a`` into ``b`` at character offsets: lines first, then characters."""
    la = a.splitlines(keepends=True)
    lb = b.splitlines(keepends=True)
    oa = _offsets(la)
    ob = _offsets(lb)
    out: list[tuple[str, int, int, int, int]] = []
    sm = difflib.SequenceMatcher(None, la, lb, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        a1, a2, b1, b2 = oa[i1], oa[i2], ob[j1], ob[j2]
        if tag != "replace":
            out.append((tag, a1, a2, b1, b2))
            continue
        sa, sb = a[a1:a2], b[b1:b2]
        if len(sa) > _CHAR_DIFF_LIMIT or len(sb) > _CHAR_DIFF_LIMIT:
            out.append(("replace", a1, a2, b1, b2))
            continue
        cm = difflib.SequenceMatcher(None, sa, sb, autojunk=False)
        for t, c1, c2, d1, d2 in cm.get_opcodes():
            out.append((t, a1 + c1, a1 + c2, b1 + d1, b1 + d2))
    return out


def _span_opcodes(
    step: dict[str, Any], before: str, after: str
) -> tuple[list[tuple[str, int, int, int, int]], dict[int, str]] | None:
    """Exact opcodes of a step that only removed spans, from its recorded positions.

    ``None`` when the step also edited text, or its removals lack positions (a step that
    used ``log_removal`` directly): the caller falls back to diffing.
    """
    spans = step.get("_spans") or []
    removals = step["removals"]
    if step["edits"] or not removals or len(spans) != len(removals):
        return None
    live = [(0, len(before))]  # ranges of ``before`` that make up the current text
    cut: list[tuple[int, int, str]] = []
    i = 0
    while i < len(spans):
        j = i
        while j < len(spans) and spans[j][0] == spans[i][0]:
            j += 1
        # one remove_spans call: its offsets refer to the same text; cut from the end
        for k in range(j - 1, i - 1, -1):
            _, start, end = spans[k]
            live = _cut_live(live, start, end, removals[k]["rule"], cut)
        i = j
    if "".join(before[a:b] for a, b in live) != after:
        return None
    ops: list[tuple[str, int, int, int, int]] = []
    rule_at: dict[int, str] = {}
    pos = 0
    shift = 0
    for a1, a2, rule in sorted(cut):
        if a1 > pos:
            ops.append(("equal", pos, a1, pos - shift, a1 - shift))
        ops.append(("delete", a1, a2, a1 - shift, a1 - shift))
        rule_at[a1] = rule
        shift += a2 - a1
        pos = a2
    if pos < len(before):
        ops.append(("equal", pos, len(before), pos - shift, len(before) - shift))
    return ops, rule_at


def _cut_live(
    live: list[tuple[int, int]], start: int, end: int, rule: str, cut: list[tuple[int, int, str]]
) -> list[tuple[int, int]]:
    """Remove current-text offsets ``[start, end)`` from ``live``; record the cut pieces."""
    out: list[tuple[int, int]] = []
    pos = 0
    for a, b in live:
        lo, hi = max(start, pos), min(end, pos + b - a)
        if lo < hi:
            if lo > pos:
                out.append((a, a + lo - pos))
            cut.append((a + lo - pos, a + hi - pos, rule))
            if hi < pos + b - a:
                out.append((a + hi - pos, b))
        else:
            out.append((a, b))
        pos += b - a
    return out


def _offsets(lines: list[str]) -> list[int]:
    pos = [0]
    for line in lines:
        pos.append(pos[-1] + len(line))
    return pos


class _Labeller:
    """Assigns the step's removal rules to the deleted pieces found by the diff."""

    def __init__(self, step: dict[str, Any], deleted: list[str]):
        self.removals = step["removals"]
        self.fallback = _step_label(step)
        self.stream: list[str] | None = None
        joined = "".join(deleted)
        if self.removals and joined == "".join(r["text"] for r in self.removals):
            self.stream = [r["rule"] for r in self.removals for _ in r["text"]]
        self.pos = 0
        self.used = [False] * len(self.removals)

    def pieces(self, text: str) -> list[tuple[str, str]]:
        """``text`` (one deleted piece) split into (piece, rule) by the removals' order."""
        if self.stream is not None:
            rules = self.stream[self.pos : self.pos + len(text)]
            self.pos += len(text)
            out: list[tuple[str, str]] = []
            start = 0
            for i in range(1, len(text) + 1):
                if i == len(text) or rules[i] != rules[start]:
                    out.append((text[start:i], rules[start]))
                    start = i
            return out
        for k, r in enumerate(self.removals):
            if not self.used[k] and (text in r["text"] or r["text"] in text):
                self.used[k] = text == r["text"] or r["text"] in text
                return [(text, r["rule"])]
        return [(text, self.fallback)]


def _step_label(step: dict[str, Any]) -> str:
    rules = sorted({e["rule"] for e in step["edits"]})
    if len(rules) == 1:
        return f"{step['name']}:{rules[0]}"
    return str(step["name"])


def _segments(texts: list[tuple[dict[str, Any], str, str]]) -> list[dict[str, Any]]:
    """Final text as segments, with every removed or replaced piece back in place.

    Segments of kind ``text`` / ``changed`` concatenate to the final text; ``removed`` and
    ``replaced`` segments carry the text that was there before, with the step and rule.
    """
    # A segment: [kind, text, step, rule]. Live segments (text/changed) make up the current
    # text; dead ones (removed/replaced) stay where they were, for display.
    segs: list[list[Any]] = []
    for step, before, after in texts:
        if not segs and before:
            segs = [["text", before, None, None]]
        segs = _merge(_apply_step(segs, step, before, after))
    return [
        {"kind": k, "text": t, **({"step": s, "rule": r} if k != "text" else {})}
        for k, t, s, r in segs
    ]


def _apply_step(
    segs: list[list[Any]], step: dict[str, Any], before: str, after: str
) -> list[list[Any]]:
    """``segs`` (whose live text is ``before``) updated by one step's change to ``after``."""
    exact = _span_opcodes(step, before, after)
    ops = exact[0] if exact else _char_opcodes(before, after)
    rule_at = exact[1] if exact else {}
    labeller = _Labeller(step, [before[a1:a2] for t, a1, a2, _, _ in ops if t == "delete"])
    label = _step_label(step)
    new: list[list[Any]] = []
    bounds: list[tuple[int, int, int]] = []  # (start, end, segment index) of live text
    pos = 0
    for i, seg in enumerate(segs):
        if seg[0] in _LIVE:
            bounds.append((pos, pos + len(seg[1]), i))
            pos += len(seg[1])
    emitted: set[int] = set()

    def dead_up_to(index: int) -> None:
        for k in range(index):
            if k not in emitted and segs[k][0] not in _LIVE:
                new.append(segs[k])
                emitted.add(k)

    def take(a1: int, a2: int, make: Any) -> None:
        """Append ``make(piece, segment)`` for each live piece of ``before[a1:a2]``."""
        for s, e, i in bounds:
            lo, hi = max(s, a1), min(e, a2)
            if lo < hi:
                dead_up_to(i)
                new.extend(make(before[lo:hi], segs[i]))

    name = step["name"]
    for tag, a1, a2, b1, b2 in ops:
        if tag == "equal":
            take(a1, a2, lambda piece, seg: [[seg[0], piece, seg[2], seg[3]]])
        elif tag == "delete":
            take(
                a1,
                a2,
                lambda piece, _, a1=a1: (
                    [["removed", piece, name, rule_at[a1]]]
                    if a1 in rule_at
                    # a step that removed nothing only normalised (whitespace, invisibles)
                    else [["replaced", piece, name, label]]
                    if not step["removals"]
                    else [["removed", t, name, r] for t, r in labeller.pieces(piece)]
                ),
            )
        else:
            if tag == "insert":
                hit = next((i for s, e, i in bounds if s <= a1 < e), None)
                if hit is not None:
                    dead_up_to(hit)
            else:
                take(a1, a2, lambda piece, _: [["replaced", piece, name, label]])
            new.append(["changed", after[b1:b2], name, label])
    dead_up_to(len(segs))
    return new


_LIVE = ("text", "changed")


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
    removals = [_removal(r["rule"], r["text"]) for r in row["removed"]] if row else []
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
    ext = result["extraction"]
    fmt = ext["format"] or "txt"
    if ext["extractor"]:
        units = f", {ext['units']} page(s)" if fmt in ("pdf", "ofd") else ""
        fmt += f"  (extractor: {ext['extractor']}{units})"
    if ext["detail"]:
        fmt += f"  ({ext['detail']})"
    info.add_row("format", fmt)
    info.add_row("codec", f"{dec['encoding'] or '—'}  (decode rule: {dec['rule'] or '—'})")
    for key, value in ext["page"].items():
        if key == "attachments":
            value = " | ".join(f"{a['text']} → {a['href']}" for a in value)
        info.add_row(f"page {key}", str(value))
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
                "corpus steps (repeated lines, templates, deduplication) were not applied: "
                "pass --corpus INPUT... to apply them as a build of INPUT would.",
                style="dim",
            )
        )
    if result["extraction"]["dropped"]:
        dropped = Table(
            title="dropped by extraction (page chrome, running headers/footers, page numbers)",
            title_justify="left",
        )
        dropped.add_column("rule")
        dropped.add_column("text")
        for r in result["extraction"]["dropped"]:
            dropped.add_row(r["rule"], r["text"])
        console.print(dropped)
    if result["removals_by_rule"]:
        rem = Table(title="removals by rule", title_justify="left")
        for col in ("rule", "count", "chars"):
            rem.add_column(col)
        for rule, agg in result["removals_by_rule"].items():
            rem.add_row(rule, str(agg["count"]), str(agg["chars"]))
        console.print(rem)
        scored = [r for r in result["removals"] if r.get("why")]
        if scored:
            why = Table(title="score removals: why", title_justify="left")
            for col in ("text", "top features"):
                why.add_column(col)
            for r in scored:
                why.add_row(r["text"], r["why"])
            console.print(why)
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
            why = f" ({r['why']})" if r.get("why") else ""
            console.print(
                Text.assemble(
                    (f"[-{r['rule']}{why}: ", "bold white on red"), (r["text"], "strike red")
                )
            )
    else:
        console.print(Text("no removals", style="dim"))
    if row.get("edits"):
        console.print(
            "in-place edits: "
            + ", ".join(f"{e['step']}:{e['rule']}×{e['count']}" for e in row["edits"])
        )
