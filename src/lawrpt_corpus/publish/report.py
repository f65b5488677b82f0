"""``report.html``: one self-contained page that shows what a build did.

Written by :func:`write_report` into the dataset folder from the build summary (the
content of build.json) plus per-document columns read back from the staged parquet
shards (lengths, width profiles, duplicate clusters from the manifest). Charts are plotly.js
figures written as figure dicts (the Python plotly package is not imported); plotly.js (its
1.2 MB "basic" bundle: bar, pie, scatter) is inlined once in the page, so it works offline
(no CDN, no network).
Every count shown comes from build.json or from the shards written by the same build.

Each chart has a stable element id (``chart-<name>``, see :data:`CHARTS`) and every
headline number a ``data-count`` attribute, so tools and tests can find them.
"""

from __future__ import annotations

import contextlib
import html
import json
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

#: The charts of the page, by element id suffix, in page order.
CHARTS: tuple[str, ...] = (
    "funnel",
    "rejected",
    "removals",
    "removal-categories",
    "encodings",
    "scripts",
    "width",
    "year",
    "province",
    "admin_level",
    "doc_type",
    "length",
    "clusters",
    "repeated",
    "timings",
)

_PALETTE = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#ff9da6")
_FONT = 'system-ui, "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif'
_TOP = 25  # bars / rows shown in "largest" lists
_LABEL = 48  # characters of a label shown on a chart axis


def category(rule: str) -> str:
    """A removal rule's category: its id up to the first ``.``, ``:`` or ``/``."""
    for i, ch in enumerate(rule):
        if ch in ".:/":
            return rule[:i] or rule
    return rule


def write_report(
    staging_dir: Path, summary: dict[str, Any], shards: tuple[Any, str] | None = None
) -> None:
    """Write ``staging_dir/report.html`` for the build summarised by ``summary``.

    ``staging_dir`` holds the finished ``data/`` and ``manifest/`` shards — or ``shards``,
    ``(fsspec filesystem, folder)``, does (workers uploaded them to object storage). Missing
    keys in ``summary`` (a stage not built yet) give empty charts that say so, never an error.
    """
    staging_dir = Path(staging_dir)
    page = render(summary, read_aggregates(staging_dir, shards))
    (staging_dir / "report.html").write_text(page, encoding="utf-8")


# -- per-document aggregates from the shards ------------------------------------------------
def _shard_files(folder: Path, shards: tuple[Any, str] | None, sub: str) -> list[str]:
    if shards is None:
        return [str(f) for f in sorted((folder / sub).glob("*.parquet"))]
    fs, root = shards
    return sorted(str(f) for f in fs.glob(f"{root}/{sub}/*.parquet"))


def read_aggregates(folder: Path, shards: tuple[Any, str] | None = None) -> dict[str, Any]:
    """What the page shows from the shards: ``lengths`` (``n_chars``) and ``widths``
    (``width_profile``) of kept documents as numpy arrays in the columns' own dtypes (exact
    values: the histograms' bins depend on all of them), ``clusters``: the page's largest
    :data:`_TOP` duplicate clusters, each with its kept source and every member's source and
    reason, and ``n_clusters``, the number of duplicate clusters.

    Memory per document: the two arrays (4 + 4 bytes with the build's int32 / float32
    columns), and per duplicate one fixed-width byte string of its ``id`` while the clusters
    are counted; no Python object per document. The manifest is read three times (duplicate
    ids; kept sources of the clusters that can be listed; members of the listed ones), one
    batch in memory at a time. The shards are under ``folder``, or under ``shards`` =
    ``(fsspec filesystem, folder)``."""
    import numpy as np

    fs = shards[0] if shards is not None else None
    lengths: list[Any] = []
    widths: list[Any] = []
    for f in _shard_files(folder, shards, "data"):
        # not pq.read_table: see _manifest_batches
        for batch in _batches(f, fs, ("n_chars", "width_profile")):
            names = batch.schema.names
            if "n_chars" in names:
                lengths.append(_values(batch.column("n_chars")))
            if "width_profile" in names:
                widths.append(_values(batch.column("width_profile")))
    manifests = _shard_files(folder, shards, "manifest")
    return {
        "lengths": _concat(lengths, np.int64),
        "widths": _concat(widths, np.float32),
        **_top_clusters(manifests, fs),
    }


def _values(column: Any) -> Any:
    """A numeric arrow array's non-null values as a numpy array of its own dtype (copied
    from the arrow buffer: ``Array.to_numpy`` would import pandas, ~0.1 s and ~27 MB)."""
    import numpy as np

    dtype = _NUMPY.get(str(column.type))
    if dtype is None or column.null_count:
        values = [v for v in column.to_pylist() if v is not None]
        floating = dtype is not None and np.dtype(dtype).kind == "f"
        return np.asarray(values, dtype=np.float64 if floating else np.int64)
    size = np.dtype(dtype).itemsize
    buffer = column.buffers()[1]
    return np.frombuffer(buffer, dtype=dtype, count=len(column), offset=column.offset * size).copy()


#: arrow's numeric types (by name) as numpy dtypes.
_NUMPY = {
    **{f"int{n}": f"int{n}" for n in (8, 16, 32, 64)},
    **{f"uint{n}": f"uint{n}" for n in (8, 16, 32, 64)},
    "halffloat": "float16",
    "float": "float32",
    "double": "float64",
}


def _concat(parts: list[Any], dtype: Any) -> Any:
    import numpy as np

    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


def _ids(values: list[str]) -> Any:
    """Document ids as a fixed-width byte-string array (UTF-8)."""
    import numpy as np

    return np.array([v.encode("utf-8") for v in values], dtype=np.bytes_)


def _top_clusters(manifests: list[str], fs: Any) -> dict[str, Any]:
    """The largest :data:`_TOP` duplicate clusters, ordered as the page lists them: by
    size (descending), then the kept document's source (``""`` when the manifest has no
    kept row for the id), then the first duplicate row of the cluster in file order; each
    cluster's members sorted by similarity (descending), then source, then file order."""
    import numpy as np

    # pass 1: the id of every duplicate row, counted
    parts = []
    for batch in _manifest_batches(manifests, fs, ["id"], "duplicate"):
        parts.append(_ids([v for v in batch["id"] if v]))
    dup_ids = _concat(parts, np.bytes_)
    if dup_ids.size == 0:
        return {"clusters": [], "n_clusters": 0}
    uniq, first, sizes = np.unique(dup_ids, return_index=True, return_counts=True)
    del dup_ids, parts
    # clusters that can be listed: those at least as large as the _TOP-th largest
    floor = np.sort(sizes)[::-1][min(_TOP, sizes.size) - 1]
    eligible = sizes >= floor
    seen = np.zeros(uniq.size, dtype=bool)
    # (-size, source or "", first duplicate row, cluster, source)
    best: list[tuple[int, str, int, int, str | None]] = []
    # pass 2: the kept source of each eligible cluster (its first kept row), best _TOP kept
    for batch in _manifest_batches(manifests, fs, ["id", "source"], "kept"):
        ids = _ids([v or "" for v in batch["id"]])
        pos = np.minimum(np.searchsorted(uniq, ids), uniq.size - 1)
        hit = (uniq[pos] == ids) & (ids != b"")
        rows = np.flatnonzero(hit)
        if rows.size == 0:
            continue
        cl = pos[rows]
        cl, at = np.unique(cl, return_index=True)  # each cluster's first row in the batch
        rows = rows[at]
        new = ~seen[cl] & eligible[cl]
        seen[cl] = True
        cands = [
            (-int(sizes[c]), batch["source"][r] or "", int(first[c]), int(c), batch["source"][r])
            for c, r in zip(cl[new].tolist(), rows[new].tolist(), strict=True)
        ]
        if cands:
            best = sorted(best + cands)[:_TOP]
    # eligible clusters without a kept row sort with the source ""
    orphans = np.flatnonzero(eligible & ~seen)
    if orphans.size:
        order = np.lexsort((first[orphans], -sizes[orphans]))[:_TOP]
        best += [(-int(sizes[c]), "", int(first[c]), c, None) for c in orphans[order].tolist()]
        best = sorted(best)[:_TOP]
    top = [c for _, _, _, c, _ in best]
    kept_source = {c: src for _, _, _, c, src in best}
    # pass 3: the members of the listed clusters
    wanted = {uniq[c].decode("utf-8"): c for c in top}
    members: dict[int, list[dict[str, Any]]] = {c: [] for c in top}
    for batch in _manifest_batches(manifests, fs, ["id", "source", "reason"], "duplicate"):
        for doc_id, source, reason in zip(
            batch["id"], batch["source"], batch["reason"], strict=True
        ):
            c = wanted.get(doc_id)
            if c is not None:
                members[c].append({"source": source, "reason": reason})
    clusters = [
        {
            "id": uniq[c].decode("utf-8"),
            "source": kept_source[c],
            "members": sorted(members[c], key=_sim_key),
        }
        for c in top
    ]
    return {"clusters": clusters, "n_clusters": int(uniq.size)}


def _batches(path: str, fs: Any, columns: Sequence[str], batch_size: int = 65536) -> Iterator[Any]:
    """Record batches of those of ``columns`` that the parquet file ``path`` has (none when
    it has none of them), read through the fsspec filesystem ``fs`` if any (the file is
    closed when the batches are exhausted).

    Decoded in this thread, without pre-buffering (session 25): the page reads a few small
    columns, and Arrow's thread pools and read-ahead buffers cost the driver's peak ~8 MB
    of RSS at the end of every build (the threads' allocator arenas), for no speed it
    needs."""
    import pyarrow.parquet as pq

    with contextlib.ExitStack() as stack:
        source = path if fs is None else stack.enter_context(fs.open(path, "rb"))
        pf = stack.enter_context(pq.ParquetFile(source, pre_buffer=False))
        names = pf.schema_arrow.names
        cols = [c for c in columns if c in names]
        if cols:
            yield from pf.iter_batches(batch_size=batch_size, columns=cols, use_threads=False)


#: Manifest rows per batch: the rows' values become Python lists one batch at a time
#: (~270 B per row with id, source and status).
_MANIFEST_BATCH = 8192


def _manifest_batches(
    files: list[str], fs: Any, columns: list[str], status: str
) -> Iterator[dict[str, list[Any]]]:
    """``columns`` of the manifest rows whose ``status`` is ``status``, one batch at a time
    (a dict of column → values, in file order, None for a column the file lacks; batches
    without such a row, or without a ``status`` column, are skipped;
    ``fs``: the fsspec filesystem the files are on, or None for local paths).

    Read with ``ParquetFile`` and filtered in Python: ``pq.read_table`` and
    ``pyarrow.dataset`` import ``pyarrow.compute`` and pandas (~1 s of every build's CPU),
    and a filter's Python values go through ``pa.scalar``, which imports pandas too.
    """
    for f in files:
        for batch in _batches(f, fs, ["status", *columns], _MANIFEST_BATCH):
            names = batch.schema.names
            statuses = batch.column("status").to_pylist() if "status" in names else []
            if status not in statuses:
                continue
            keep = [i for i, st in enumerate(statuses) if st == status]
            values = {
                c: batch.column(c).to_pylist() if c in names else [None] * len(statuses)
                for c in columns
            }
            yield {c: [v[i] for i in keep] for c, v in values.items()}


def _sim_key(member: dict[str, Any]) -> tuple[float, str]:
    return (-(similarity(member["reason"]) or 0.0), member["source"])


def similarity(reason: str | None) -> float | None:
    """``near:0.93`` → 0.93, ``contained:0.97`` → 0.97, ``exact`` → 1.0, else None."""
    if not reason:
        return None
    kind, _, num = reason.partition(":")
    if kind == "exact":
        return 1.0
    try:
        return float(num)
    except ValueError:
        return None


def repeated_lines(summary: dict[str, Any]) -> list[tuple[str, int | None]]:
    """Candidate repeated lines from the corpus steps' stats, most frequent first.

    Accepts a list under any key containing ``candidate`` (items: strings, ``[line, n]``
    pairs, or dicts with a ``line``/``text`` and a ``docs``/``count``/``n``/``df``), or a
    ``{line: n}`` mapping.
    """
    found: list[tuple[str, int | None]] = []
    for stats in (summary.get("corpus") or {}).values():
        if not isinstance(stats, dict):
            continue
        for key, value in stats.items():
            if "candidate" not in key:
                continue
            if isinstance(value, dict):
                value = list(value.items())
            if not isinstance(value, list):
                continue
            for item in value:
                line, n = _candidate(item)
                if line is not None:
                    found.append((line, n))
    found.sort(key=lambda x: (-(x[1] or 0), x[0]))
    return found


def _candidate(item: Any) -> tuple[str | None, int | None]:
    if isinstance(item, str):
        return item, None
    if isinstance(item, list | tuple) and item and isinstance(item[0], str):
        n = item[1] if len(item) > 1 and isinstance(item[1], int) else None
        return item[0], n
    if isinstance(item, dict):
        line = next((item[k] for k in ("line", "text") if isinstance(item.get(k), str)), None)
        n = next(
            (item[k] for k in ("docs", "count", "n", "df") if isinstance(item.get(k), int)), None
        )
        return line, n
    return None, None


# -- the page -------------------------------------------------------------------------------
def _short(label: Any) -> str:
    text = str(label).replace("\n", " ")
    return text if len(text) <= _LABEL else text[: _LABEL - 1] + "…"


# -- figures as plotly.js figure dicts -------------------------------------------------------
# Each chart is the ``{"data": [...], "layout": {...}}`` that plotly's ``Figure.to_dict()``
# gave for the same figure built with ``plotly.graph_objects`` (until session 20), written
# directly: the graph objects validated every property on every update (~0.45 s of a build's
# CPU, and ~0.3 s of importing their classes) for a few bar charts. tests/publish pins the
# parsed figures equal to the plotly-built ones of a fixed set of summaries (golden file).
Fig = dict[str, Any]


def _fig(title: str | None = None) -> Fig:
    layout: dict[str, Any] = {}
    if title is not None:
        layout["title"] = {"text": title}
    return {"data": [], "layout": layout}


def _axes(fig: Fig, letter: str) -> list[dict[str, Any]]:
    """The layout's ``xaxis*`` / ``yaxis*`` objects, as plotly's ``update_xaxes`` selects
    them: every one the layout has, or a new ``xaxis`` / ``yaxis`` when it has none."""
    layout = fig["layout"]
    names = [k for k in layout if k == f"{letter}axis" or k.startswith(f"{letter}axis")]
    if not names:
        layout[f"{letter}axis"] = {}
        names = [f"{letter}axis"]
    names.sort(key=lambda k: int(k[5:] or 1))
    return [layout[k] for k in names]


def _update_axes(fig: Fig, letter: str, **props: Any) -> None:
    for axis in _axes(fig, letter):
        axis.update(props)


def _empty(fig: Fig, message: str) -> Fig:
    fig["layout"].setdefault("annotations", []).append(
        {
            "font": {"size": 14},
            "showarrow": False,
            "text": message,
            "x": 0.5,
            "xref": "paper",
            "y": 0.5,
            "yref": "paper",
        }
    )
    _update_axes(fig, "x", visible=False)
    _update_axes(fig, "y", visible=False)
    return fig


def _texts(values: list[Any]) -> list[str]:
    """A ``text`` array as plotly stores it: every value a string."""
    return [str(v) for v in values]


def _bars(counts: dict[str, Any], title: str, empty: str, horizontal: bool = True) -> Fig:
    """Bars of the largest counts (horizontal), or of every label in label order (vertical)."""
    if horizontal:
        items = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[:_TOP]
    else:
        items = sorted(counts.items(), key=lambda kv: str(kv[0]))
    fig = _fig(title)
    if not items:
        return _empty(fig, empty)
    labels = [_short(k) for k, _ in items]
    values = [v for _, v in items]
    bar = {"text": _texts(values), "textposition": "auto", "type": "bar"}
    if horizontal:
        fig["data"].append({"orientation": "h", "x": values, "y": labels, **bar})
        _update_axes(fig, "y", autorange="reversed", automargin=True, type="category")
    else:
        fig["data"].append({"x": labels, "y": values, **bar})
        _update_axes(fig, "x", type="category")
    return fig


def _funnel(c: dict[str, Any], decoded: int) -> Fig:
    """The funnel as centred horizontal bars (a plain bar trace: the page's plotly.js bundle
    has bar, pie and scatter only), each labelled with its count and share of the inputs."""
    stages = ["inputs", "decoded", "kept + duplicate", "kept"]
    values = [c.get("inputs", 0), decoded, c.get("kept", 0) + c.get("duplicates", 0)]
    values.append(c.get("kept", 0))
    first = values[0] or 1
    labels = [f"{v:,} ({100 * v / first:.0f}%)" for v in values]
    fig = _fig("inputs → decoded → kept (rejected and duplicates fall out)")
    fig["data"].append(
        {
            "base": [-v / 2 for v in values],
            "hoverinfo": "y+text",
            "hovertext": labels,
            "insidetextanchor": "middle",
            "orientation": "h",
            "text": labels,
            "textposition": "inside",
            "x": values,
            "y": stages,
            "type": "bar",
        }
    )
    _update_axes(fig, "y", autorange="reversed", type="category")
    _update_axes(fig, "x", visible=False)
    return fig


def _removals(c: dict[str, Any]) -> Fig:
    counts = c.get("removals_by_rule") or {}
    chars = c.get("removed_chars_by_rule") or {}
    rules = sorted(counts, key=lambda r: (-counts[r], r))[:_TOP]
    # plotly's make_subplots(rows=1, cols=2, shared_yaxes=True, subplot_titles=...)
    title = {"font": {"size": 16}, "showarrow": False, "xanchor": "center", "xref": "paper"}
    title |= {"y": 1.0, "yanchor": "bottom", "yref": "paper"}
    fig: Fig = {
        "data": [],
        "layout": {
            "xaxis": {"anchor": "y", "domain": [0.0, 0.45]},
            "yaxis": {"anchor": "x", "domain": [0.0, 1.0]},
            "xaxis2": {"anchor": "y2", "domain": [0.55, 1.0]},
            "yaxis2": {
                "anchor": "x2",
                "domain": [0.0, 1.0],
                "matches": "y",
                "showticklabels": False,
            },
            "annotations": [
                {**title, "text": "removals", "x": 0.225},
                {**title, "text": "characters removed", "x": 0.775},
            ],
            "title": {"text": "removals by rule"},
            "showlegend": True,
        },
    }
    if not rules:
        return _empty(fig, "no removals in this build")
    by_cat: dict[str, list[str]] = defaultdict(list)
    for r in rules:
        by_cat[category(r)].append(r)
    for k, (cat, rs) in enumerate(sorted(by_cat.items())):
        labels = [_short(r) for r in rs]
        common = {"legendgroup": cat, "marker": {"color": _PALETTE[k % len(_PALETTE)]}}
        common |= {"name": cat, "orientation": "h"}
        fig["data"].append(
            {**common, "x": [counts[r] for r in rs], "y": labels, "type": "bar"}
            | {"xaxis": "x", "yaxis": "y"}
        )
        fig["data"].append(
            {**common, "showlegend": False, "x": [chars.get(r, 0) for r in rs], "y": labels}
            | {"type": "bar", "xaxis": "x2", "yaxis": "y2"}
        )
    _update_axes(
        fig,
        "y",
        categoryorder="array",
        categoryarray=[_short(r) for r in rules],
        autorange="reversed",
    )
    _update_axes(fig, "y", automargin=True)
    return fig


def _categories(c: dict[str, Any]) -> Fig:
    counts: Counter[str] = Counter()
    chars: Counter[str] = Counter()
    for rule, n in (c.get("removals_by_rule") or {}).items():
        counts[category(rule)] += n
    for rule, n in (c.get("removed_chars_by_rule") or {}).items():
        chars[category(rule)] += n
    fig = _fig("removals by category")
    if not counts:
        return _empty(fig, "no removals in this build")
    cats = sorted(counts, key=lambda k: (-counts[k], k))
    fig["data"] += [
        {"name": "removals", "offsetgroup": "1", "x": cats, "y": [counts[k] for k in cats]}
        | {"type": "bar"},
        {"name": "characters", "offsetgroup": "2", "x": cats, "y": [chars[k] for k in cats]}
        | {"yaxis": "y2", "type": "bar"},
    ]
    fig["layout"]["barmode"] = "group"
    fig["layout"]["yaxis"] = {"title": {"text": "removals"}}
    fig["layout"]["yaxis2"] = {"title": {"text": "characters"}, "overlaying": "y", "side": "right"}
    return fig


def _histogram(values: Any, title: str, xtitle: str, empty: str) -> Fig:
    import numpy as np

    fig = _fig(title)
    if len(values) == 0:
        return _empty(fig, empty)
    arr = np.asarray(values, dtype=float)
    edges = np.histogram_bin_edges(arr, bins="auto")
    if len(edges) > 61:
        edges = np.histogram_bin_edges(arr, bins=60)
    counts, edges = np.histogram(arr, bins=edges)
    centers = ((edges[:-1] + edges[1:]) / 2).tolist()
    widths = (edges[1:] - edges[:-1]).tolist()
    hover = [
        f"{a:,.4g} – {b:,.4g}: {n}" for a, b, n in zip(edges[:-1], edges[1:], counts, strict=True)
    ]
    fig["data"].append(
        {"hoverinfo": "text", "hovertext": hover, "width": widths, "x": centers}
        | {"y": counts.tolist(), "type": "bar"}
    )
    fig["layout"]["xaxis"] = {"title": {"text": xtitle}}
    fig["layout"]["yaxis"] = {"title": {"text": "documents"}}
    fig["layout"]["bargap"] = 0.02
    return fig


def _clusters(clusters: list[dict[str, Any]]) -> Fig:
    fig = _fig("largest duplicate clusters (inputs merged)")
    top = clusters[:_TOP]
    if not top:
        return _empty(fig, "no duplicates in this build")
    labels = [_short(c["source"] or c["id"]) for c in top]
    sizes = [len(c["members"]) + 1 for c in top]
    fig["data"].append(
        {"orientation": "h", "text": _texts(sizes), "textposition": "auto", "x": sizes}
        | {"y": labels, "type": "bar"}
    )
    _update_axes(fig, "y", autorange="reversed", automargin=True)
    _update_axes(fig, "x", title={"text": "inputs in cluster (kept + duplicates)"})
    return fig


def _timings(t: dict[str, Any]) -> Fig:
    stages = {k: v for k, v in t.items() if k != "total"}
    title = "time per stage (s)"
    if "total" in t:
        title += f" — total {t['total']:.2f} s"
    fig = _fig(title)
    if not stages:
        return _empty(fig, "no timings recorded")
    values = list(stages.values())
    fig["data"].append(
        {"orientation": "h", "text": _texts(values), "x": values, "y": list(stages)}
        | {"type": "bar"}
    )
    _update_axes(fig, "y", autorange="reversed", automargin=True)
    return fig


def figures(summary: dict[str, Any], agg: dict[str, Any]) -> dict[str, Any]:
    """Every chart of the page, by :data:`CHARTS` name."""
    c = summary.get("counts") or {}
    dist = summary.get("distributions") or {}
    decoded = sum((dist.get("encoding") or {}).values())
    width_dist = dist.get("width_profile")
    lines = repeated_lines(summary)
    figs = {
        "funnel": _funnel(c, decoded),
        "rejected": _bars(c.get("rejected_by_reason") or {}, "rejected by reason", "none"),
        "removals": _removals(c),
        "removal-categories": _categories(c),
        "encodings": _bars(dist.get("encoding") or {}, "encodings of the inputs", "none"),
        "scripts": _bars(dist.get("script") or {}, "scripts (kept documents)", "none"),
        "width": (
            _bars(width_dist, "width profiles", "none")
            if isinstance(width_dist, dict) and width_dist
            else _histogram(
                agg["widths"],
                "width profile (share of half-width , ; : ! ? ( ) next to Han, as input)",
                "share of half-width marks (1 = all half-width, 0 = all full-width)",
                "no width profile recorded in this build",
            )
        ),
        "year": _bars(dist.get("year") or {}, "year covered", "none", horizontal=False),
        "province": _bars(dist.get("province") or {}, "province", "none"),
        "admin_level": _bars(dist.get("admin_level") or {}, "administrative level", "none"),
        "doc_type": _bars(dist.get("doc_type") or {}, "document type", "none"),
        "length": _histogram(
            agg["lengths"],
            "document length (characters, kept documents)",
            "characters",
            "no kept documents",
        ),
        "clusters": _clusters(agg["clusters"]),
        "repeated": _bars(
            {line: n or 0 for line, n in lines[:_TOP]},
            "candidate repeated lines (documents containing them)",
            "no candidate repeated lines reported",
        ),
        "timings": _timings(summary.get("timings") or {}),
    }
    return figs


def _table(
    head: list[str], rows: list[list[Any]], attrs: list[dict[str, str]] | None = None
) -> str:
    out = ["<table><thead><tr>", *(f"<th>{html.escape(h)}</th>" for h in head), "</tr></thead>"]
    out.append("<tbody>")
    for i, row in enumerate(rows):
        extra = attrs[i] if attrs else {}
        cells = []
        for j, cell in enumerate(row):
            attr = "".join(f' {k}="{html.escape(v)}"' for k, v in extra.items()) if j == 1 else ""
            cls = ' class="num"' if isinstance(cell, int | float) else ""
            shown = f"{cell:,}" if isinstance(cell, int) else str(cell)
            cells.append(f"<td{cls}{attr}>{html.escape(shown)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _funnel_table(c: dict[str, Any], decoded: int) -> str:
    rows: list[list[Any]] = [
        ["inputs", c.get("inputs", 0)],
        ["decoded", decoded],
        ["kept", c.get("kept", 0)],
        ["duplicates", c.get("duplicates", 0)],
        ["rejected", c.get("rejected", 0)],
    ]
    attrs = [{"data-count": r[0]} for r in rows]
    for reason, n in (c.get("rejected_by_reason") or {}).items():
        rows.append([f"rejected: {reason}", n])
        attrs.append({"data-count": f"rejected:{reason}"})
    return _table(["stage", "documents"], rows, attrs)


def _short_json(value: Any, limit: int = 300) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_CLUSTER_HEAD = [
    "kept source",
    "id",
    "duplicates",
    "members (reason: exact / near:s / contained:s)",
]

_CSS = """
html{overflow-y:scroll}
body{font-family:system-ui,-apple-system,"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;
margin:0;background:#f6f7f9;color:#1d232b}
header{background:#1d3557;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;opacity:.85;font-size:14px}
main{padding:12px 28px 40px;max-width:1500px}
section{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12);
margin:16px 0;padding:12px 18px}
h2{font-size:18px;margin:6px 0 10px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:12px}
.grid.one{grid-template-columns:1fr}
.chart{min-height:360px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
th,td{border-bottom:1px solid #e3e6ea;padding:4px 10px;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.src{font-family:ui-monospace,monospace;font-size:12px}
.muted{color:#69727d}
"""


#: plotly.js inlined in the page: the "basic" partial bundle (bar, pie, scatter), 1.2 MB
#: instead of the 4.7 MB full bundle (see assets/plotly-basic.PROVENANCE.md: a page asset, not
#: pipeline data, so it is no part of the resume fingerprint).
PLOTLY_JS = Path(__file__).with_name("assets") / "plotly-basic.min.js"
#: The trace types that bundle draws; :func:`render` refuses a figure with another one.
BUNDLE_TRACES = frozenset({"bar", "pie", "scatter"})


def styled(fig: Fig) -> Fig:
    """``fig`` (changed in place) with the page's style: plotly's "none" template (no
    template to copy per figure; the few styles that matter are set here instead), the
    palette, the font, white backgrounds, light grid lines on every axis."""
    fig["layout"].update(
        template={"data": {"scatter": [{"type": "scatter"}]}},
        height=380,
        margin={"l": 10, "r": 10, "t": 50, "b": 30},
        colorway=list(_PALETTE),
        font={"family": _FONT, "size": 12, "color": "#2a3f5f"},
        paper_bgcolor="white",
        plot_bgcolor="white",
    )
    grid = {"gridcolor": "#ebf0f8", "zerolinecolor": "#d0d7e2", "automargin": True}
    _update_axes(fig, "x", **grid)
    _update_axes(fig, "y", **grid)
    return fig


def _json(value: Any) -> str:
    """JSON as plotly.io writes figures into a page: compact, ASCII, and ``<``, ``>``, ``/``
    escaped (a string cannot close the script element)."""
    out = json.dumps(value, separators=(",", ":"))
    for unsafe, safe in (("<", "\\u003c"), (">", "\\u003e"), ("/", "\\u002f")):
        out = out.replace(unsafe, safe)
    return out


def chart_div(fig: Fig, div_id: str) -> str:
    """The chart's ``<div>`` and ``Plotly.newPlot`` script, as ``plotly.io.to_html(fig,
    full_html=False, include_plotlyjs=False, div_id=div_id, config=...)`` writes them for a
    figure whose layout has a ``height`` (the page's plotly.js draws it)."""
    config = json.dumps({"displayModeBar": False, "responsive": True})
    height = f"{fig['layout']['height']}px"
    return (
        f'<div style="height:{height}; width:100%;">{" " * 28}'
        f'<div id="{div_id}" class="plotly-graph-div" style="height:100%; width:100%;"></div>'
        f"{' ' * 12}<script>{' ' * 16}window.PLOTLYENV=window.PLOTLYENV || {{}};{' ' * 32}"
        f'if (document.getElementById("{div_id}")) {{{" " * 20}Plotly.newPlot({" " * 24}'
        f'"{div_id}",{" " * 24}{_json(fig["data"])},{" " * 24}{_json(fig["layout"])},'
        f"{' ' * 24}{config}{' ' * 20}){' ' * 16}}};{' ' * 12}</script>{' ' * 8}</div>"
    )


def render(summary: dict[str, Any], agg: dict[str, Any]) -> str:
    """The whole page as a string (deterministic for the same inputs)."""
    c = summary.get("counts") or {}
    dist = summary.get("distributions") or {}
    decoded = sum((dist.get("encoding") or {}).values())
    figs = figures(summary, agg)
    div: dict[str, str] = {}
    for name, fig in figs.items():
        missing = {t["type"] for t in fig["data"]} - BUNDLE_TRACES
        if missing:  # would render as an empty chart: a bug, not bad input
            raise ValueError(f"chart {name}: trace types {sorted(missing)} not in the bundle")
        styled(fig)
        div[name] = chart_div(fig, f"chart-{name}")

    def charts(*names: str) -> str:
        # auto-fill, not auto-fit: each chart is drawn as soon as its script is parsed, so
        # its cell must already have its final width (auto-fit would widen the first one).
        cls = "grid one" if len(names) == 1 else "grid"
        cells = "".join(f'<div class="chart">{div[n]}</div>' for n in names)
        return f'<div class="{cls}">{cells}</div>'

    versions = summary.get("versions") or {}
    engine = f"{summary.get('engine', '?')} engine, {summary.get('workers', '?')} worker(s)"
    head = (
        f"lawrpt_corpus {versions.get('lawrpt_corpus', '')} · {engine} · "
        f"{c.get('inputs', 0):,} inputs → {c.get('kept', 0):,} documents · "
        f"{c.get('chars_in', 0):,} → {c.get('chars_out', 0):,} characters"
    )
    removal_rows = [
        [rule, category(rule), n, (c.get("removed_chars_by_rule") or {}).get(rule, 0)]
        for rule, n in sorted(
            (c.get("removals_by_rule") or {}).items(), key=lambda kv: (-kv[1], kv[0])
        )
    ]
    cluster_rows = []
    for cl in agg["clusters"][:_TOP]:
        members = "; ".join(f"{m['source']} ({m['reason']})" for m in cl["members"])
        cluster_rows.append([cl["source"] or "", cl["id"], len(cl["members"]), members])
    line_rows = [[ln, n if n is not None else ""] for ln, n in repeated_lines(summary)[:100]]
    pipeline_rows = [
        [
            s.get("name", ""),
            s.get("version", ""),
            json.dumps(s.get("params", {}), ensure_ascii=False),
        ]
        for s in summary.get("pipeline") or []
    ]
    body = f"""
<header><h1>lawrpt_corpus build report</h1><p>{html.escape(head)}</p></header>
<main>
<section id="funnel"><h2>Funnel</h2>
{_funnel_table(c, decoded)}
{charts("funnel", "rejected")}</section>
<section id="removals"><h2>Removals by rule and category</h2>
{charts("removals", "removal-categories")}
{_table(["rule", "category", "removals", "characters"], removal_rows)}</section>
<section id="inputs"><h2>Encodings, scripts and width profiles</h2>
{charts("encodings", "scripts", "width")}</section>
<section id="metadata"><h2>Years, provinces, administrative levels, document types</h2>
{charts("year", "province", "admin_level", "doc_type")}</section>
<section id="length"><h2>Document length</h2>{charts("length")}</section>
<section id="duplicates"><h2>Largest duplicate clusters</h2>
{charts("clusters")}
{_table(_CLUSTER_HEAD, cluster_rows)}</section>
<section id="repeated"><h2>Candidate repeated lines (to promote into rules)</h2>
{charts("repeated")}
{_table(["line", "documents"], line_rows)}</section>
<section id="timings"><h2>Time per stage</h2>{charts("timings")}</section>
<section id="pipeline"><h2>Pipeline</h2>
{_table(["step", "version", "parameters"], pipeline_rows)}
<p class="muted">Numbers come from build.json of the same build; lengths, width profiles and
clusters from its parquet shards.</p></section>
</main>"""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>lawrpt_corpus build report</title>"
        f"<style>{_CSS}</style>"
        f'<script type="text/javascript">{PLOTLY_JS.read_text(encoding="utf-8")}</script>'
        f"</head><body>{body}</body></html>\n"
    )
