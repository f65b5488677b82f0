#!/usr/bin/env python
"""Measure lawrpt_corpus on synthetic corpora, against the I/O floor and peer tools.

    PYTHONPATH=src python benchmarks/run.py --sizes 10000 100000 --workers 2 --update-docs

For each size N (corpus generated once by ``generate.py`` and cached in ``--out``):

* ``build``   — ``lawrpt_corpus.build(...)`` of the N raw files, in a child process: wall
  time, docs/s, MB/s (raw input bytes), peak memory of the whole process tree;
* ``stages``  — each step of ``default_pipeline()`` alone, in one process (workers=1), on
  the documents as the earlier steps leave them (when the decode step rejects a file, the
  later steps get the file decoded with the generator's true codec, so every stage sees the
  whole corpus); corpus steps: ``prepare``, ``fit`` and ``apply`` timed separately;
* ``floor``   — the I/O floor: read every file, decode it (BOM → UTF-16/UTF-8, otherwise
  UTF-8 with ``errors="replace"``), write the texts to zstd parquet, same worker count;
* ``peers``   — data-juicer's nearest recipe (own virtualenv, see peers/) and datatrove's
  MinHash dedup, on the first ``--peer-docs`` documents decoded to UTF-8 JSON Lines, with
  our build re-run on the same documents for the ratio.

Writes ``OUT/results.json`` and prints a markdown table; ``--update-docs`` rewrites the
table between the markers of docs/performance.md. Peak memory is the sum of the
proportional set size (PSS, shared pages split between processes) of the process and all
its descendants, sampled every 0.1 s; ``maxrss`` (largest single process) is kept too.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DOCS = ROOT / "docs" / "performance.md"
MARK_START = "<!-- bench:table:start -->"
MARK_END = "<!-- bench:table:end -->"
PY_CODECS = {"big5": "cp950"}

sys.path.insert(0, str(HERE))
import generate  # noqa: E402


# --- measuring a child process tree ------------------------------------------------------
def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out.extend(int(c) for c in fh.read().split())
        except OSError:
            pass
    return out


def _tree_memory(pid: int) -> int:
    """Sum of PSS (else RSS) in bytes over ``pid`` and its descendants."""
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        stack.extend(_children(p))
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            try:
                with open(f"/proc/{p}/status") as fh:
                    for line in fh:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1]) * 1024
            except OSError:
                pass
    return total


def measure(
    cmd: list[str],
    env: dict[str, str] | None = None,
    log: Path | None = None,
    timeout: float | None = None,
) -> dict[str, Any]:
    """Run ``cmd``; wall seconds, peak tree memory, maxrss, stdout's last JSON line."""
    load0 = os.getloadavg()[0]
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out_fh = open(log, "wb") if log else subprocess.DEVNULL
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=out_fh, env=env, start_new_session=True
    )
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_memory(proc.pid))
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    timed_out = False
    try:
        stdout, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)  # the child's own process group only
        stdout, _ = proc.communicate()
    wall = time.perf_counter() - t0
    stop.set()
    sampler.join()
    if log:
        out_fh.close()  # type: ignore[union-attr]
    payload = _last_json(stdout.decode("utf-8", "replace"))
    if not payload and log:  # data-juicer sends our stdout through its logger to stderr
        payload = _last_json(log.read_text("utf-8", "replace"))
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "returncode": proc.returncode,
        "timed_out": timed_out,
        "wall_s": round(wall, 3),
        "peak_mem_bytes": peak,
        # CPU time of the whole child tree (children and the pool workers they waited for):
        # unlike wall time, it does not grow when other people's jobs share the cores.
        "cpu_s": round((ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime), 3),
        "load_avg_1m": [round(load0, 2), round(os.getloadavg()[0], 2)],
        "result": payload,
    }


def _last_json(text: str) -> dict[str, Any]:
    for line in reversed(text.splitlines()):
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    return {}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(ROOT / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


# --- children (run as `python run.py _build ...` etc.) ---------------------------------------
def child_build(inputs: list[str], out: str, workers: int) -> None:
    from lawrpt_corpus import build

    t0 = time.perf_counter()
    res = build(inputs, out, workers=workers, overwrite=True)
    secs = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "seconds": round(secs, 3),
                "counts": _short_counts(res.counts),
                "timings": res.summary.get("timings", {}),
                "pipeline": [s["name"] for s in res.summary.get("pipeline", [])],
            }
        )
    )


def _short_counts(counts: dict[str, Any]) -> dict[str, Any]:
    keep = (
        "inputs",
        "kept",
        "duplicates",
        "rejected",
        "rejected_by_reason",
        "bytes_in",
        "chars_in",
        "chars_out",
    )
    return {k: counts[k] for k in keep if k in counts}


def _list_files(corpus: Path) -> list[tuple[str, Path]]:
    truth = corpus / "truth.jsonl"
    out = []
    with open(truth, encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            out.append((rec["file"], corpus / rec["file"]))
    return out


def _truth_codecs(corpus: Path) -> dict[str, str]:
    codecs: dict[str, str] = {}
    with open(corpus / "truth.jsonl", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            enc = PY_CODECS.get(rec["encoding"], rec["encoding"])
            if rec["bom"]:
                enc = {"utf-8": "utf-8-sig", "utf-16-le": "utf-16"}.get(enc, enc)
            codecs[rec["file"]] = enc
    return codecs


def child_stages(corpus: str, limit: int, chunk: int = 1000) -> None:
    """Each step of default_pipeline() alone, one process, streaming in chunks."""
    from lawrpt_corpus import DecodeStep, Document, default_pipeline
    from lawrpt_corpus.engines.base import Spill, _kept_after, pickle_batch

    pipe = default_pipeline()
    root = Path(corpus)
    files = _list_files(root)[:limit]
    codecs = _truth_codecs(root)
    dsteps = pipe.document_steps
    csteps = pipe.corpus_steps
    secs: dict[str, float] = {"read": 0.0}
    for s in dsteps:
        secs[s.name] = 0.0
    for s in csteps:
        secs[f"{s.name}.prepare"] = 0.0
    rejected: dict[str, int] = {s.name: 0 for s in dsteps}
    fallback = 0
    n_bytes = 0
    spill = Spill()
    seq = 0
    for start in range(0, len(files), chunk):
        t0 = time.perf_counter()
        docs = []
        for rel, path in files[start : start + chunk]:
            with open(path, "rb") as fh:
                raw = fh.read()
            n_bytes += len(raw)
            docs.append(Document.from_bytes(rel, raw))
        secs["read"] += time.perf_counter() - t0
        for step in dsteps:
            t0 = time.perf_counter()
            out = [step(d) if d.kept else d for d in docs]
            secs[step.name] += time.perf_counter() - t0
            for i, d in enumerate(out):
                if not d.kept:
                    rejected[step.name] += 1
                    if isinstance(step, DecodeStep):
                        # later stages get the file decoded with its true codec
                        fresh = Document.from_bytes(docs[i].source, b"")
                        fresh.raw_sha256 = d.raw_sha256
                        fresh.text = (files[start + i][1].read_bytes()).decode(
                            codecs[d.source], "replace"
                        )
                        fresh.encoding = codecs[d.source]
                        out[i] = fresh
                        fallback += 1
            docs = out
        for step in csteps:
            t0 = time.perf_counter()
            for d in docs:
                if d.kept:
                    step.prepare(d)
            secs[f"{step.name}.prepare"] += time.perf_counter() - t0
        for d in docs:
            d.seq = seq
            seq += 1
        spill.append_pickled(len(docs), pickle_batch(docs))  # pickled batches, as engines write
    t0 = time.perf_counter()
    n_pass = sum(1 for _ in spill)
    replay = time.perf_counter() - t0
    secs["(replay spill)"] = replay
    for step in csteps:
        t0 = time.perf_counter()
        step.fit(_kept_after(spill, []))  # re-iterable, as the engine gives it
        secs[f"{step.name}.fit"] = max(0.0, time.perf_counter() - t0 - replay)
        t0 = time.perf_counter()
        for d in spill:
            if d.kept:
                step.apply(d)
        secs[f"{step.name}.apply"] = max(0.0, time.perf_counter() - t0 - replay)
    spill.cleanup()
    print(
        json.dumps(
            {
                "docs": len(files),
                "bytes": n_bytes,
                "seconds": secs,
                "rejected": rejected,
                "truth_decoded_fallback": fallback,
                "replayed": n_pass,
                "steps": [s.name for s in pipe.steps],
            }
        )
    )


def _floor_batch(paths: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out = []
    for rel, path in paths:
        with open(path, "rb") as fh:
            raw = fh.read()
        if raw.startswith(b"\xff\xfe") or raw.startswith(b"\xfe\xff"):
            text = raw.decode("utf-16", "replace")
        elif raw.startswith(b"\xef\xbb\xbf"):
            text = raw[3:].decode("utf-8", "replace")
        else:
            text = raw.decode("utf-8", "replace")
        out.append((rel, text))
    return out


def child_floor(corpus: str, out: str, workers: int, limit: int, batch: int = 32) -> None:
    """Read + strict decode (errors='replace') + zstd parquet, on ``workers`` processes."""
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    import pyarrow as pa
    import pyarrow.parquet as pq

    files = [(rel, str(p)) for rel, p in _list_files(Path(corpus))[:limit]]
    t0 = time.perf_counter()
    outdir = Path(out)
    shutil.rmtree(outdir, ignore_errors=True)
    outdir.mkdir(parents=True)
    schema = pa.schema([("source", pa.string()), ("text", pa.string())])
    writer = pq.ParquetWriter(outdir / "floor.parquet", schema, compression="zstd")
    rows: list[tuple[str, str]] = []
    n = 0

    def flush() -> None:
        if rows:
            writer.write_table(
                pa.table(
                    {"source": [r[0] for r in rows], "text": [r[1] for r in rows]}, schema=schema
                )
            )
            rows.clear()

    batches = [files[i : i + batch] for i in range(0, len(files), batch)]
    if workers <= 1:
        for b in batches:
            rows.extend(_floor_batch(b))
            n += len(b)
            if len(rows) >= 1000:
                flush()
    else:
        with ProcessPoolExecutor(workers) as pool:
            pending: deque = deque()
            it = iter(batches)
            while True:
                while len(pending) < workers * 4:
                    b = next(it, None)
                    if b is None:
                        break
                    pending.append(pool.submit(_floor_batch, b))
                if not pending:
                    break
                got = pending.popleft().result()
                rows.extend(got)
                n += len(got)
                if len(rows) >= 1000:
                    flush()
    flush()
    writer.close()
    print(
        json.dumps(
            {
                "seconds": round(time.perf_counter() - t0, 3),
                "docs": n,
                "parquet_bytes": (outdir / "floor.parquet").stat().st_size,
            }
        )
    )


# --- quality against the truth file ----------------------------------------------------------
def quality(build_out: Path, corpus: Path) -> dict[str, Any]:
    """Check a build against ``truth.jsonl``: decoding, duplicates, boilerplate, metadata.

    * ``decoded_by_codec``: share of files of each true codec that were not rejected;
    * ``duplicates``: per kind, ``caught`` = copies represented by the same kept file as their
      original (one is a ``duplicate`` row of the other, or both of a third copy), over copies
      whose original was not rejected either;
      ``false_links`` = duplicate rows pointing to a file of another report;
      ``kept_groups_ok`` = reports (with a file not rejected) that have exactly one kept file;
    * ``boilerplate_left``: per category, share of inserted lines still verbatim in kept text;
    * ``metadata``: per field, share of kept rows with a value, and share of those right.
    """
    import pyarrow.parquet as pq

    truth: dict[str, dict[str, Any]] = {}
    with open(corpus / "truth.jsonl", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            truth[rec["file"].removeprefix("raw/")] = rec
    man = [
        row
        for f in sorted((build_out / "manifest").glob("*.parquet"))
        for row in pq.read_table(f, columns=["source", "id", "status", "duplicate_of"]).to_pylist()
    ]
    # byte-identical files share an id: an id stands for its kept file
    by_id = {r["id"]: r["source"] for r in man if r["status"] == "kept"}
    status = {r["source"]: r["status"] for r in man}
    dec: dict[str, list[int]] = {}
    for src, rec in truth.items():
        d = dec.setdefault(rec["encoding"] + ("+bom" if rec["bom"] else ""), [0, 0])
        d[1] += 1
        d[0] += status.get(src) != "rejected"
    groups: dict[str, list[str]] = {}
    for src, rec in truth.items():
        groups.setdefault(rec["doc"], []).append(src)
    dup_of = {r["source"]: by_id.get(r["duplicate_of"] or "") for r in man}

    def rep(src: str) -> str | None:  # the kept file that stands for ``src``
        return src if status.get(src) == "kept" else dup_of.get(src)

    kinds: dict[str, list[int]] = {}
    for srcs in groups.values():
        orig = next((s for s in srcs if truth[s]["kind"] == "original"), None)
        for src in srcs:
            kind = truth[src]["kind"]
            if kind == "original" or orig is None:
                continue
            if "rejected" in (status.get(src), status.get(orig)):
                continue  # a decode failure, counted above, not a dedup result
            k = kinds.setdefault(kind, [0, 0])
            k[1] += 1
            # caught: the copy and its original end up represented by the same kept file
            k[0] += rep(src) is not None and rep(src) == rep(orig)
    links = [r for r in man if r["status"] == "duplicate" and r["duplicate_of"]]
    false_links = sum(
        1
        for r in links
        if truth.get(by_id.get(r["duplicate_of"], ""), {}).get("doc") != truth[r["source"]]["doc"]
    )
    live = [srcs for srcs in groups.values() if any(status.get(s) != "rejected" for s in srcs)]
    kept_ok = sum(1 for srcs in live if sum(status.get(s) == "kept" for s in srcs) == 1)
    from lawrpt_corpus import Document, ScriptNormalize, Typography

    typo, script = Typography(), ScriptNormalize()

    @functools.lru_cache(maxsize=65536)
    def as_built(line: str) -> str:
        doc = Document(source="truth", raw_sha256="", n_bytes=0)
        doc.text = line.strip()
        return script(typo(doc)).text

    left: dict[str, list[int]] = {}
    per_layer: dict[str, list[int]] = {}
    meta: dict[str, list[int]] = {}
    fields = ("year", "province", "agency", "title")
    for f in sorted((build_out / "data").glob("*.parquet")):
        table = pq.read_table(f, columns=["source", "text", "removed", *fields])
        for row in table.to_pylist():
            rec = truth.get(row["source"])
            if rec is None:
                continue
            inserted = [as_built(b["text"]) for b in rec["boilerplate"]]
            for r in row["removed"] or ():
                # per layer (rule id prefix): removals, and those that are not (part of) a
                # line the generator inserted as boilerplate — report text, or noise the
                # generator did not label (a dangling 附件, a truncated page's last line)
                lay = per_layer.setdefault(_layer(r["rule"]), [0, 0])
                lay[0] += 1
                cut = r["text"].strip()
                lay[1] += bool(cut) and not any(cut in line for line in inserted)
            for b in rec["boilerplate"]:
                c = left.setdefault(b["cat"], [0, 0])
                c[1] += 1
                # the line as the build's normalising steps would have written it (a dash
                # run becomes ——, a traditional mirror's line simplified): else a surviving
                # line is counted as removed
                c[0] += as_built(b["text"]) in row["text"]
            for name in fields:
                m = meta.setdefault(name, [0, 0, 0])  # rows, filled, right
                m[0] += 1
                if row[name] is not None:
                    m[1] += 1
                    m[2] += row[name] == rec[name]

    def share(a: int, b: int) -> float | None:
        return round(a / b, 4) if b else None

    # what the generalizing layers (issue #18) removed: build.json's removals by rule family
    by_rule = json.loads((build_out / "build.json").read_text(encoding="utf-8"))["counts"]
    layers: dict[str, int] = {}
    for rule, count in (by_rule.get("removals_by_rule") or {}).items():
        family = rule.split(".")[0]
        if family in ("template", "span", "block", "mirror", "repeated-line"):
            layers[family] = layers.get(family, 0) + count

    return {
        "layer_removals": dict(sorted(layers.items())),
        "decoded_by_codec": {k: share(*v) for k, v in sorted(dec.items())},
        "duplicates": {
            "caught_by_kind": {k: share(*v) for k, v in sorted(kinds.items())},
            "links": len(links),
            "false_links": false_links,
            "kept_groups_ok": share(kept_ok, len(live)),
        },
        "boilerplate_left": {k: share(*v) for k, v in sorted(left.items())},
        "removals_by_layer": {
            k: {"removed": v[0], "not_inserted": v[1]} for k, v in sorted(per_layer.items())
        },
        "metadata": {
            k: {"filled": share(v[1], v[0]), "right": share(v[2], v[1])}
            for k, v in sorted(meta.items())
        },
    }


def _layer(rule: str) -> str:
    """The boilerplate layer of a removal's rule id: ``rules`` for the rule packs' categories,
    else the id's prefix (``repeated-line``, ``score``, …)."""
    head = rule.split(".", 1)[0]
    return "rules" if head in {"advertising", "paywall", "chrome", "structure"} else head


# --- the driver ------------------------------------------------------------------------------
def ensure_corpus(out: Path, n: int, seed: int) -> Path:
    corpus = out / f"corpus-{n}-s{seed}"
    meta = corpus / "corpus.json"
    if meta.exists():
        info = json.loads(meta.read_text())
        if (
            info.get("n") == n
            and info.get("seed") == seed
            and (info.get("generator") == generate.GENERATOR)
        ):
            return corpus
    shutil.rmtree(corpus, ignore_errors=True)
    t0 = time.perf_counter()
    generate.generate(n, corpus, seed)
    print(f"generated {n} files in {time.perf_counter() - t0:.1f} s → {corpus}", file=sys.stderr)
    return corpus


def subset_dir(corpus: Path, k: int) -> Path:
    """A folder of symlinks to the first ``k`` files (same order), for same-docs comparisons."""
    sub = corpus.parent / f"{corpus.name}-first{k}"
    marker = sub / ".complete"
    if marker.exists():
        return sub
    shutil.rmtree(sub, ignore_errors=True)
    for rel, path in _list_files(corpus)[:k]:
        dst = sub / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(path.resolve(), dst)
    marker.write_text("")
    return sub


def peer_jsonl(corpus: Path, k: int) -> Path:
    """The first ``k`` documents decoded with their true codec, as UTF-8 JSON Lines."""
    path = corpus / f"peer-first{k}.jsonl"
    if path.exists():
        return path
    codecs = _truth_codecs(corpus)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for rel, p in _list_files(corpus)[:k]:
            text = p.read_bytes().decode(codecs[rel], "replace")
            fh.write(json.dumps({"id": rel, "text": text}, ensure_ascii=False) + "\n")
    tmp.rename(path)
    return path


def rate(docs: int, nbytes: int, secs: float) -> dict[str, float]:
    secs = max(secs, 1e-9)
    return {"docs_per_s": round(docs / secs, 1), "mb_per_s": round(nbytes / 1e6 / secs, 2)}


def machine_info() -> dict[str, Any]:
    cpu = platform.processor()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    from importlib import metadata

    versions = {}
    for name in ("lawrpt_corpus", "regex", "opencc", "pyarrow", "numpy", "chardet", "numba"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    git = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "memory_gb": round(mem / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
        "git": git,
        "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
    }


def run_size(n: int, args: argparse.Namespace, me: list[str]) -> dict[str, Any]:
    out: Path = args.out
    corpus = ensure_corpus(out, n, args.seed)
    info = json.loads((corpus / "corpus.json").read_text())
    nbytes = info["bytes"]
    res: dict[str, Any] = {"docs": n, "bytes": nbytes, "corpus": info}
    env = _env()
    logs = out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    build_out = out / f"build-{n}"

    print(f"[{n}] build (workers={args.workers}) …", file=sys.stderr)
    m = measure(
        [*me, "_build", str(corpus / "raw"), str(build_out), str(args.workers)],
        env=env,
        log=logs / f"build-{n}.log",
    )
    m["seconds"] = m["result"].get("seconds", m["wall_s"])
    m.update(rate(n, nbytes, m["seconds"]))
    res["build"] = m
    if m["returncode"] == 0:
        try:
            res["quality"] = quality(build_out, corpus)
            from bench_metadata import truth_quality  # real titles/issuers, labeled

            res["quality"]["metadata_truth"] = truth_quality()["all"]
        except Exception as exc:  # report, never lose the timings
            res["quality"] = {"error": f"{type(exc).__name__}: {exc}"}
    shutil.rmtree(build_out, ignore_errors=True)

    print(f"[{n}] I/O floor …", file=sys.stderr)
    m = measure(
        [*me, "_floor", str(corpus), str(out / f"floor-{n}"), str(args.workers), str(n)],
        env=env,
        log=logs / f"floor-{n}.log",
    )
    m["seconds"] = m["result"].get("seconds", m["wall_s"])
    m.update(rate(n, nbytes, m["seconds"]))
    res["floor"] = m
    shutil.rmtree(out / f"floor-{n}", ignore_errors=True)

    if not args.no_stages:
        print(f"[{n}] stages alone (1 process) …", file=sys.stderr)
        m = measure([*me, "_stages", str(corpus), str(n)], env=env, log=logs / f"stages-{n}.log")
        stages = m["result"]
        table = {}
        for name, secs in stages.get("seconds", {}).items():
            table[name] = {"seconds": round(secs, 3), **rate(stages["docs"], stages["bytes"], secs)}
        res["stages"] = {
            "per_stage": table,
            "peak_mem_bytes": m["peak_mem_bytes"],
            "rejected": stages.get("rejected"),
            "truth_decoded_fallback": stages.get("truth_decoded_fallback"),
            "steps": stages.get("steps"),
            "wall_s": m["wall_s"],
            "returncode": m["returncode"],
        }

    if not args.no_peers and n == args.sizes[0]:
        try:
            res["peers"] = run_peers(corpus, n, args, me, env, logs)
        except Exception as exc:  # a broken peer setup must not lose the other figures
            res["peers_error"] = f"{type(exc).__name__}: {exc}"
            print(f"[{n}] peers failed: {res['peers_error']}", file=sys.stderr)
    return res


def run_peers(
    corpus: Path, n: int, args: argparse.Namespace, me: list[str], env: dict[str, str], logs: Path
) -> dict[str, Any]:
    k = min(n, args.peer_docs)
    peers: dict[str, Any] = {"docs": k}
    jsonl = peer_jsonl(corpus, k)
    kbytes = sum(p.stat().st_size for _, p in _list_files(corpus)[:k])
    peers["bytes"] = kbytes
    sub = subset_dir(corpus, k)
    print(f"[{n}] our build on the peers' {k} docs …", file=sys.stderr)
    m = measure(
        [*me, "_build", str(sub), str(args.out / f"build-peer-{n}"), str(args.workers)],
        env=env,
        log=logs / f"build-peer-{n}.log",
    )
    m["seconds"] = m["result"].get("seconds", m["wall_s"])
    m.update(rate(k, kbytes, m["seconds"]))
    peers["ours"] = m
    shutil.rmtree(args.out / f"build-peer-{n}", ignore_errors=True)
    vpy = args.peer_venv / "bin" / "python"
    if not vpy.exists():
        peers["data-juicer"] = {
            "skipped": f"no virtualenv at {args.peer_venv}: run "
            "benchmarks/peers/setup_datajuicer.sh"
        }
        return peers
    penv = {k_: v for k_, v in os.environ.items() if k_ != "PYTHONPATH"}
    for name, script, kk in (
        ("data-juicer", "run_datajuicer.py", k),
        ("datatrove", "run_datatrove.py", min(k, args.datatrove_docs)),
    ):
        print(f"[{n}] peer {name} on {kk} docs …", file=sys.stderr)
        work = args.out / f"peer-{name}-{n}"
        shutil.rmtree(work, ignore_errors=True)
        src = jsonl if kk == k else peer_jsonl(corpus, kk)
        m = measure(
            [
                str(vpy),
                str(HERE / "peers" / script),
                str(src),
                str(work),
                "--np",
                str(args.workers),
            ],
            env=penv,
            log=logs / f"{name}-{n}.log",
            timeout=args.peer_timeout,
        )
        m["docs"] = kk
        m["seconds"] = m["result"].get("seconds", m["wall_s"])
        m.update(rate(kk, sum(p.stat().st_size for _, p in _list_files(corpus)[:kk]), m["seconds"]))
        m["result"].pop("recipe", None)
        if m["returncode"] != 0 or m["timed_out"]:
            m["failed"] = True
        peers[name] = m
        shutil.rmtree(work, ignore_errors=True)
    return peers


# --- report ------------------------------------------------------------------------------------
def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.0f}%"


def _shares(d: dict[str, float | None]) -> str:
    return ", ".join(f"{k} {_pct(v)}" for k, v in d.items())


def _cpu(m: dict[str, Any]) -> str:
    return f"{m['cpu_s']:.1f}" if "cpu_s" in m else "—"


def _mb(b: int | float) -> str:
    return f"{b / 2**20:,.0f} MiB"


def _machine_line(machine: dict[str, Any]) -> str:
    versions = ", ".join(f"{k} {v}" for k, v in machine.get("versions", {}).items())
    return (
        f"Machine: {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores, "
        f"{machine.get('memory_gb', '?')} GB, Python {machine.get('python', '?')}; {versions}."
    )


def render(results: dict[str, Any]) -> str:
    sizes = results["sizes"]
    lines = [
        f"Measured {results['machine']['date_utc']} UTC, commit `{results['machine']['git']}`, "
        f"pipeline: {' → '.join(results['pipeline'])}; workers={results['workers']}; "
        f"load average at start {results['machine']['load_avg_at_start'][0]} "
        f"on {results['machine']['usable_cores']} cores.",
        "",
        _machine_line(results["machine"]),
        "",
        "| docs | measurement | seconds | process wall s | CPU s | docs/s | MB/s | peak memory "
        "| load (start→end) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for n, r in sizes.items():
        for key, label in (("build", "full `build`"), ("floor", "I/O floor (read+decode+parquet)")):
            m = r[key]
            lines.append(
                f"| {int(n):,} | {label} | {m['seconds']:.1f} | {m['wall_s']:.1f} | {_cpu(m)} | "
                f"{m['docs_per_s']:,.0f} | "
                f"{m['mb_per_s']:.1f} | {_mb(m['peak_mem_bytes'])} | "
                f"{m['load_avg_1m'][0]}→{m['load_avg_1m'][1]} |"
            )
        p = r.get("peers")
        if p:
            k = p["docs"]
            lines.append(
                f"| {k:,} | full `build` (peers' docs) | {p['ours']['seconds']:.1f} | "
                f"{p['ours']['wall_s']:.1f} | {_cpu(p['ours'])} | "
                f"{p['ours']['docs_per_s']:,.0f} | {p['ours']['mb_per_s']:.1f} | "
                f"{_mb(p['ours']['peak_mem_bytes'])} | "
                f"{p['ours']['load_avg_1m'][0]}→{p['ours']['load_avg_1m'][1]} |"
            )
            for name in ("data-juicer", "datatrove"):
                m = p.get(name)
                if not m:
                    continue
                if "skipped" in m:
                    lines.append(f"| {k:,} | {name} | skipped: {m['skipped']} | | | | | | |")
                    continue
                note = " (failed, see logs)" if m.get("failed") else ""
                lines.append(
                    f"| {m['docs']:,} | {name}{note} | {m['seconds']:.1f} | {m['wall_s']:.1f} | "
                    f"{_cpu(m)} | {m['docs_per_s']:,.1f} | {m['mb_per_s']:.2f} | "
                    f"{_mb(m['peak_mem_bytes'])} | "
                    f"{m['load_avg_1m'][0]}→{m['load_avg_1m'][1]} |"
                )
    for n, r in sizes.items():
        st = r.get("stages")
        if not st:
            continue
        lines += [
            "",
            f"Each stage alone, {int(n):,} docs, one process (peak {_mb(st['peak_mem_bytes'])}):",
            "",
            "| stage | seconds | docs/s | MB/s |",
            "|---|---:|---:|---:|",
        ]
        for name, s in st["per_stage"].items():
            if s["seconds"] < 0.005:
                lines.append(f"| {name} | {s['seconds']:.3f} | — | — |")
                continue
            lines.append(
                f"| {name} | {s['seconds']:.2f} | {s['docs_per_s']:,.0f} | {s['mb_per_s']:.1f} |"
            )
        rej = {k: v for k, v in (st.get("rejected") or {}).items() if v}
        if rej:
            lines.append("")
            lines.append(
                f"Rejected by stage: {rej}; {st['truth_decoded_fallback']} files "
                "were decoded with their true codec for the later stages."
            )
    for n, r in sizes.items():
        q = r.get("quality")
        if not q or "error" in q:
            continue
        d = q["duplicates"]
        lines += [
            "",
            f"Quality against the truth file, {int(n):,} docs (share of files):",
            "",
            f"* decoded (not rejected), by true codec: {_shares(q['decoded_by_codec'])}",
            f"* copies caught (pairs both decoded), by kind: {_shares(d['caught_by_kind'])}; "
            f"{d['false_links']} of {d['links']} duplicate links point to another report; "
            f"reports with exactly one kept file: {_pct(d['kept_groups_ok'])}",
            "* inserted boilerplate lines still in the kept text: "
            + _shares(q["boilerplate_left"]),
            "* removals by layer (of which not an inserted boilerplate line): "
            + ", ".join(
                f"{k} {v['removed']:,} ({v['not_inserted']:,})"
                for k, v in (q.get("removals_by_layer") or {}).items()
            ),
            "* removals by the corpus and block layers (template, span, block, mirror, "
            "repeated-line): "
            + (", ".join(f"{k} {v:,}" for k, v in q.get("layer_removals", {}).items()) or "none"),
            "* metadata (filled / right when filled): "
            + ", ".join(
                f"{k} {_pct(v['filled'])} / {_pct(v['right'])}" for k, v in q["metadata"].items()
            ),
        ]
        if "metadata_truth" in q:
            mtq = q["metadata_truth"]
            lines.append(
                f"* metadata on the labeled truth set ({mtq['rows']} real titles/issuers; "
                "precision / coverage): "
                + ", ".join(
                    f"{k} {_pct(v['precision'])} / {_pct(v['coverage'])}"
                    for k, v in mtq["fields"].items()
                )
            )
    lines += ["", "Targets:", "", "| target | measured | met |", "|---|---|---|"]
    for t in results["targets"]:
        lines.append(f"| {t['target']} | {t['measured']} | {t['met']} |")
    return "\n".join(lines) + "\n"


def targets(results: dict[str, Any]) -> list[dict[str, str]]:
    sizes = {int(k): v for k, v in results["sizes"].items()}
    out: list[dict[str, str]] = []

    def add(target: str, measured: str, met: bool | None) -> None:
        out.append(
            {
                "target": target,
                "measured": measured,
                "met": "n/a" if met is None else ("yes" if met else "**no**"),
            }
        )

    for n, r in sorted(sizes.items()):
        b = r["build"]
        add(
            f"build ≥ 2,000 docs/s ({n:,})",
            f"{b['docs_per_s']:,.0f} docs/s",
            b["docs_per_s"] >= 2000,
        )
        if "cpu_s" in b:
            idle = n / max(b["cpu_s"] / results["workers"], 1e-9)
            add(
                f"build docs/s on idle cores, CPU-time estimate ({n:,})",
                f"{idle:,.0f} docs/s = docs ÷ (CPU s ÷ {results['workers']} workers)",
                idle >= 2000,
            )
        ratio = b["seconds"] / max(r["floor"]["seconds"], 1e-9)
        add(f"build within 5× of the I/O floor ({n:,})", f"{ratio:.1f}×", ratio <= 5)
        p = r.get("peers") or {}
        dj = p.get("data-juicer") or {}
        if dj and "skipped" not in dj and not dj.get("failed"):
            x = p["ours"]["docs_per_s"] / max(dj["docs_per_s"], 1e-9)
            add(f"build ≥ 20× data-juicer's docs/s ({dj['docs']:,} docs)", f"{x:,.0f}×", x >= 20)
        dt = p.get("datatrove") or {}
        if dt and "skipped" not in dt and not dt.get("failed"):
            x = p["ours"]["docs_per_s"] / max(dt["docs_per_s"], 1e-9)
            add(f"build vs datatrove MinHash ({dt['docs']:,} docs)", f"{x:,.1f}× its docs/s", None)
    if len(sizes) >= 2:
        small, big = min(sizes), max(sizes)
        ratio = sizes[big]["build"]["seconds"] / sizes[small]["build"]["seconds"]
        limit = 1.1 * big / small
        add(f"{big:,} docs ≤ {limit:.0f}× the time of {small:,}", f"{ratio:.1f}×", ratio <= limit)
        b_cpu, s_cpu = sizes[big]["build"].get("cpu_s"), sizes[small]["build"].get("cpu_s")
        if b_cpu and s_cpu:
            add(
                f"{big:,} docs ≤ {limit:.0f}× the CPU time of {small:,}",
                f"{b_cpu / s_cpu:.1f}×",
                b_cpu / s_cpu <= limit,
            )
    big = max(sizes)
    peak = sizes[big]["build"]["peak_mem_bytes"]
    add(f"peak memory ≤ 1.5 GB ({big:,})", _mb(peak), peak <= 1.5e9 if big >= 100_000 else None)
    return out


def update_docs(table: str, path: Path = DOCS) -> None:
    text = path.read_text(encoding="utf-8")
    a, b = text.index(MARK_START), text.index(MARK_END)
    path.write_text(text[: a + len(MARK_START)] + "\n" + table + text[b:], encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_build":
        child_build([argv[1]], argv[2], int(argv[3]))
        return 0
    if argv and argv[0] == "_stages":
        child_stages(argv[1], int(argv[2]))
        return 0
    if argv and argv[0] == "_floor":
        child_floor(argv[1], argv[2], int(argv[3]), int(argv[4]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=HERE / "out")
    ap.add_argument("--no-peers", action="store_true", help="skip data-juicer and datatrove")
    ap.add_argument("--no-stages", action="store_true", help="skip the stage-alone timings")
    ap.add_argument(
        "--peer-docs",
        type=int,
        default=2000,
        help="documents given to the peers (first K of each corpus; default 2000)",
    )
    ap.add_argument(
        "--datatrove-docs",
        type=int,
        default=300,
        help="documents given to datatrove (its jieba tokenizer is slow; default 300)",
    )
    ap.add_argument("--peer-timeout", type=float, default=3600)
    ap.add_argument("--peer-venv", type=Path, default=HERE / "out" / "venv-dj")
    ap.add_argument("--update-docs", action="store_true", help="rewrite docs/performance.md")
    ap.add_argument(
        "--report-only",
        action="store_true",
        help="measure nothing: print (and with --update-docs, write) OUT/results.json's table",
    )
    ap.add_argument(
        "--merge",
        action="store_true",
        help="keep the other sizes already in OUT/results.json (re-measure only these)",
    )
    args = ap.parse_args(argv)
    if args.report_only:
        saved = json.loads((args.out / "results.json").read_text())
        saved["targets"] = targets(saved)
        table = render(saved)
        print(table)
        if args.update_docs:
            update_docs(table)
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    me = [sys.executable, str(Path(__file__).resolve())]
    sys.path.insert(0, str(ROOT / "src"))
    from lawrpt_corpus import default_pipeline

    results: dict[str, Any] = {
        "machine": machine_info(),
        "workers": args.workers,
        "seed": args.seed,
        "pipeline": [s.name for s in default_pipeline().steps],
        "sizes": {},
    }
    prior = args.out / "results.json"
    if args.merge and prior.exists():
        old = json.loads(prior.read_text())
        if old.get("workers") == args.workers and old.get("pipeline") == results["pipeline"]:
            results["sizes"] = old["sizes"]
            results["merged_from"] = old["machine"]
    for n in args.sizes:
        old_entry = results["sizes"].get(str(n), {})
        results["sizes"][str(n)] = run_size(n, args, me)
        if "peers" in old_entry and "peers" not in results["sizes"][str(n)]:
            results["sizes"][str(n)]["peers"] = old_entry["peers"]  # kept from the merged run
        results["sizes"] = dict(sorted(results["sizes"].items(), key=lambda kv: int(kv[0])))
        results["targets"] = targets(results)
        (args.out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    results["machine"]["load_avg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["targets"] = targets(results)
    (args.out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    table = render(results)
    print(table)
    if args.update_docs:
        update_docs(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
