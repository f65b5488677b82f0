"""Rendering for ``inspect``: a trace or a dataset lookup printed with rich."""

from __future__ import annotations

from typing import Any

from ..document import METADATA_FIELDS

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
                "corpus steps (repeated lines, templates, same-site lines, deduplication) "
                "were not applied: "
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
