"""Command line: ``python -m lawrpt_corpus build|push|inspect``. A thin layer over the API."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .build import DEFAULT_LICENSE, DEFAULT_OUT, BuildError, BuildResult, build, default_inputs
from .engines.base import SPILL_CHUNK
from .io.readers import DEFAULT_MAX_BYTES, count_inputs, glob_matches

log = logging.getLogger("lawrpt_corpus")


def _prog() -> str:
    """``lawrpt-corpus`` when run as the console script, else ``python -m lawrpt_corpus``."""
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    return name if name.startswith("lawrpt-corpus") else "python -m lawrpt_corpus"


def _parser() -> argparse.ArgumentParser:
    from ._version import __version__

    parser = argparse.ArgumentParser(
        prog=_prog(),
        description="Turn scraped Chinese rule-of-law work reports into a clean, "
        "deduplicated Hugging Face dataset.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    b = sub.add_parser(
        "build",
        help="build the dataset folder from raw reports",
        description="Read INPUTs (folders, files, .jsonl[.gz]), clean and deduplicate them, "
        "and write the dataset folder OUT (parquet shards, manifest, card, build.json).",
    )
    b.add_argument(
        "inputs",
        nargs="*",
        metavar="INPUT",
        help="folders (searched recursively), files (text, HTML, PDF, DOCX, OFD), .warc[.gz] "
        "crawls, .jsonl[.gz] files with a 'text' or 'html' field, .parquet files (one input "
        "per row, text in --text-column), or hf://datasets/OWNER/NAME (default: the "
        "bundled seed reports)",
    )
    b.add_argument(
        "--hf-dataset",
        action="append",
        default=[],
        metavar="NAME",
        help="also read the Hub dataset OWNER/NAME (streamed; one input per row, its text in "
        "--text-column); same as the INPUT hf://datasets/OWNER/NAME; repeatable",
    )
    b.add_argument("--hf-split", default="train", help="split of the Hub datasets (default: train)")
    b.add_argument(
        "--text-column",
        default="text",
        metavar="COL",
        help="column holding the text (or raw bytes) in parquet and Hub dataset inputs "
        "(default: text)",
    )
    b.add_argument(
        "--out",
        "-o",
        default=None,
        help=f"output folder (default: {DEFAULT_OUT}, which is replaced by each build; an "
        "explicit --out that exists needs --overwrite)",
    )
    b.add_argument(
        "--workers", "-w", type=int, default=None, help="worker processes (default: all cores)"
    )
    b.add_argument(
        "--glob",
        action="append",
        default=None,
        metavar="PATTERN",
        help="take only the files inside folders whose name matches PATTERN (case-insensitive, "
        "braces expand: '*.{html,pdf}'); repeatable, a file matching any pattern is taken "
        "(default: every file; what no step reads is listed as unsupported_format:<ext>)",
    )
    b.add_argument(
        "--max-bytes",
        type=int,
        default=DEFAULT_MAX_BYTES,
        help="inputs larger than this are rejected as too_large without being read "
        f"(default: {DEFAULT_MAX_BYTES})",
    )
    b.add_argument(
        "--engine",
        default="local",
        choices=["local", "ray"],
        help="local process pool (default) or Ray (needs the ray extra; see docs/scaling.md)",
    )
    b.add_argument(
        "--ray-address",
        default=None,
        help="address of a running Ray cluster (e.g. auto, ray://head:10001); "
        "default: start a local Ray instance with --workers CPUs",
    )
    b.add_argument(
        "--ray-read-in-driver",
        action="store_true",
        help="with --ray-address: read input files in this process and ship their bytes "
        "(for a cluster without shared storage; default: the workers read the inputs)",
    )
    b.add_argument(
        "--rules",
        action="append",
        default=[],
        metavar="FILE",
        help="extra boilerplate rule pack (TOML, see docs/boilerplate.md); repeatable",
    )
    b.add_argument(
        "--no-site-repeat",
        action="store_true",
        help="keep the lines one site repeats on its own pages (the site-repeat layer groups "
        "pages by the host of their URL: JSONL records with a url, WARC records; see "
        "docs/boilerplate.md)",
    )
    b.add_argument(
        "--license",
        default=DEFAULT_LICENSE,
        metavar="ID",
        help="the dataset card's Hub licence id, e.g. cc-by-4.0 (default: other, with a "
        "LICENSE.md that says the texts are the issuing bodies' publications)",
    )
    b.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    b.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted build of OUT from its last checkpoint (same inputs and "
        "pipeline); the result is the same as an uninterrupted build",
    )
    b.add_argument(
        "--checkpoint-every",
        type=int,
        default=SPILL_CHUNK,
        metavar="N",
        help=f"checkpoint processed documents every N inputs (default: {SPILL_CHUNK})",
    )
    b.add_argument("--quiet", "-q", action="store_true", help="no progress bar, no summary")

    p = sub.add_parser(
        "push",
        help="upload a built dataset folder to the Hugging Face Hub",
        description="Upload DIR to the dataset repository OWNER/NAME. The token comes from "
        "HF_TOKEN or the login cache (`hf auth login`) and is never printed. HF_ENDPOINT "
        "selects another Hub.",
    )
    p.add_argument("folder", metavar="DIR", help="a folder written by `build`")
    p.add_argument("--repo-id", required=True, help="OWNER/NAME of the dataset repository")
    p.add_argument("--private", action="store_true", help="create the repository as private")
    p.add_argument("--revision", default=None, help="branch to push to (created if needed)")
    p.add_argument("--message", "-m", default=None, help="commit message")

    i = sub.add_parser(
        "inspect",
        help="show what the pipeline does to one input, or to one document of a build",
        description="Run the per-document pipeline on FILE (or record N of a .jsonl) and "
        "show the codec, width profile, script, metadata with evidence, and the cleaned text "
        "with every removal and in-place change marked. With --dataset OUT, KEY is an id or "
        "source of the built dataset OUT: show its manifest rows, duplicate cluster and "
        "removals. Exit 0 even when the input would be rejected (the reason is shown).",
    )
    i.add_argument(
        "target",
        metavar="FILE|KEY",
        help="a raw input file, or (with --dataset) a document id, raw sha256 or source",
    )
    i.add_argument(
        "--record",
        type=int,
        default=None,
        metavar="N",
        help="the record on line N (from 1) of a .jsonl/.jsonl.gz FILE, or the Nth record "
        "(from 1) of a .warc/.warc.gz FILE",
    )
    i.add_argument("--dataset", default=None, metavar="OUT", help="a folder written by `build`")
    i.add_argument(
        "--corpus",
        nargs="+",
        default=None,
        metavar="INPUT",
        help="also fit the corpus steps (repeated lines, dedup) on these inputs "
        "and apply them, as a build of INPUT would",
    )
    i.add_argument(
        "--max-bytes",
        type=int,
        default=DEFAULT_MAX_BYTES,
        help=f"as for build (default: {DEFAULT_MAX_BYTES})",
    )
    i.add_argument(
        "--rules",
        action="append",
        default=[],
        metavar="FILE",
        help="extra boilerplate rule pack, as given to build: show what a --rules build "
        "does to FILE; repeatable",
    )
    i.add_argument("--json", action="store_true", help="print one JSON document (docs/inspect.md)")
    return parser


def _run_build(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    err = Console(stderr=True)
    if args.workers is not None and args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    if args.checkpoint_every < 1:
        print("error: --checkpoint-every must be at least 1", file=sys.stderr)
        return 2
    from .defaults import default_pipeline

    try:
        pipeline = default_pipeline(rules=args.rules, site_repeat=not args.no_site_repeat)
    except (OSError, ValueError) as exc:
        print(f"error: --rules: {exc}", file=sys.stderr)
        return 2
    engine = None
    if args.engine == "ray":
        from .engines.ray_engine import RayEngine, RayUnavailable

        try:
            engine = RayEngine(
                args.workers,
                ray_address=args.ray_address,
                read_in_driver=args.ray_read_in_driver,
            )
        except RayUnavailable as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    elif args.ray_address is not None or args.ray_read_in_driver:
        print("error: --ray-address and --ray-read-in-driver need --engine ray", file=sys.stderr)
        return 2
    if args.engine == "ray" and args.resume:
        print(
            "error: --resume works with the local engine only (--engine local); "
            "a Ray build starts again from the beginning",
            file=sys.stderr,
        )
        return 2
    if args.glob:
        code = _report_globs(args)
        if code:
            return code
    show = not args.quiet and err.is_terminal
    progress = Progress(
        TextColumn("[bold]{task.description:<22}[/]"),
        BarColumn(bar_width=None),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:>6.0f} docs/s"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not show,
        transient=True,
    )
    from .io.records import HF_PREFIX, is_hub

    inputs = list(args.inputs) + [
        name if is_hub(name) else HF_PREFIX + name for name in args.hf_dataset
    ]
    total = None
    if show and not any(is_hub(p) for p in inputs):  # a streamed Hub dataset has no length
        roots = [Path(p) for p in inputs] if inputs else default_inputs()
        total = count_inputs([p for p in roots if p.exists()], args.glob)
    # not entered when hidden: rich before 14 writes a newline on stop even when disabled
    with progress if show else contextlib.nullcontext():
        task = progress.add_task("reading", total=total, rate=0.0)
        current = {"stage": ""}
        started = {"t": time.perf_counter()}

        def tick(stage: str, done: int) -> None:
            now = time.perf_counter()
            if stage != current["stage"]:
                current["stage"] = stage
                started["t"] = now
                label = {"documents": "cleaning documents", "write": "writing dataset"}
                progress.update(
                    task,
                    description=label.get(stage, stage),
                    completed=0,
                    total=None if stage.startswith("fit:") else total,
                )
            rate = done / max(now - started["t"], 1e-9)
            progress.update(task, completed=done, rate=rate)

        try:
            result = build(
                inputs or None,
                args.out or DEFAULT_OUT,
                workers=args.workers,
                engine=engine,
                pipeline=pipeline,
                glob=args.glob,
                max_bytes=args.max_bytes,
                overwrite=args.overwrite or args.out is None,
                resume=args.resume,
                checkpoint_every=args.checkpoint_every,
                progress=tick if show else None,
                license=args.license,
                text_column=args.text_column,
                hf_split=args.hf_split,
            )
        except BuildError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            progress.stop()
            print(_interrupted(args.out or DEFAULT_OUT, engine is not None), file=sys.stderr)
            return 130
        except OSError as exc:  # the output's disk or folder failed mid-build
            print(f"error: writing {args.out or DEFAULT_OUT}: {exc}", file=sys.stderr)
            return 1
        except Exception as exc:
            if engine is None:
                raise
            from .engines.ray_engine import cluster_failure

            what = cluster_failure(exc)
            if what is None:  # a bug of ours (also when raised in a Ray task): traceback
                raise
            # the Ray cluster gave up (lost head node, a node lost beyond the retries): one
            # line; nothing was published (the output appears only when complete) and the
            # staging folder is removed (a Ray build keeps no checkpoint)
            print(
                f"error: the Ray cluster failed mid-build ({what}); nothing was written — "
                "check the cluster's nodes (ray status) and run the same command again "
                "(a Ray build starts from the beginning)",
                file=sys.stderr,
            )
            return 1
    if not args.quiet:
        _print_summary(result)
    return 0


def _interrupted(out: str | Path, ray: bool = False) -> str:
    """The one line printed on Ctrl-C: what was kept and how to continue. A Ray build
    (``ray``) keeps no checkpoint at all (``--resume`` is for the local engine): it says so,
    not "before the first checkpoint", which promised one."""
    from .publish.writer import saved_chunks

    if ray:
        return (
            "interrupted; nothing was written — a Ray build keeps no checkpoint: run the "
            "same command again to build from the beginning"
        )
    n = saved_chunks(out)
    if n:
        return (
            f"interrupted: {n} checkpoint chunk(s) saved; run the same command with "
            "--resume to continue from them"
        )
    return "interrupted before the first checkpoint; nothing was written"


def _report_globs(args: argparse.Namespace) -> int:
    """Say what each ``--glob`` pattern matched (stderr); 2 when nothing matched at all."""
    roots = [Path(p) for p in args.inputs] if args.inputs else default_inputs()
    folders = [p for p in roots if p.is_dir()]
    if not folders:
        return 0
    counts = glob_matches(folders, args.glob)
    for pattern, n in counts.items():
        if n == 0:
            print(f"warning: --glob {pattern!r} matched no file", file=sys.stderr)
        elif not args.quiet:
            print(f"--glob {pattern!r}: {n} file(s)", file=sys.stderr)
    if not any(counts.values()) and len(folders) == len(roots):
        names = ", ".join(str(f) for f in folders)
        print(f"error: no file under {names} matches --glob {args.glob}", file=sys.stderr)
        return 2
    return 0


def _print_summary(result: BuildResult) -> None:
    from rich.console import Console
    from rich.table import Table

    c = result.summary["counts"]
    table = Table(title=f"lawrpt_corpus build → {result.out}", show_header=False)
    table.add_column("", style="bold")
    table.add_column("", justify="right")
    table.add_row("inputs", str(c["inputs"]))
    table.add_row("kept", str(c["kept"]))
    table.add_row("duplicates", str(c["duplicates"]))
    table.add_row("rejected", str(c["rejected"]))
    for reason, n in c["rejected_by_reason"].items():
        table.add_row(f"  rejected: {reason}", str(n))
    table.add_row("characters in", f"{c['chars_in']:,}")
    table.add_row("characters out", f"{c['chars_out']:,}")
    table.add_row("removals", str(sum(c["removals_by_rule"].values())))
    table.add_row("time", f"{result.summary['timings']['total']:.2f} s")
    Console().print(table)


def _run_push(args: argparse.Namespace) -> int:
    from .publish.push import PushError, push

    try:
        url = push(
            args.folder,
            args.repo_id,
            private=args.private,
            revision=args.revision,
            message=args.message,
            backoff=float(os.environ.get("LAWRPT_PUSH_BACKOFF", "1.0")),
        )
    except PushError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"pushed {args.folder} → {url}")
    return 0


def _run_inspect(args: argparse.Namespace) -> int:
    import json

    from rich.console import Console

    from .defaults import default_pipeline
    from .inspect import (
        InspectError,
        lookup_dataset,
        read_input,
        render_lookup,
        render_trace,
        trace_input,
    )

    try:
        pipeline = default_pipeline(rules=args.rules)
    except (OSError, ValueError) as exc:
        print(f"error: --rules: {exc}", file=sys.stderr)
        return 2
    try:
        if args.dataset is not None:
            result = lookup_dataset(args.dataset, args.target)
        else:
            doc = read_input(args.target, args.record, args.max_bytes)
            info = {"path": args.target, "record": args.record, "rules": list(args.rules)}
            result = trace_input(doc, pipeline, corpus=args.corpus, input_info=info)
    except InspectError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n")
    elif args.dataset is not None:
        render_lookup(result, Console(highlight=False))
    else:
        render_trace(result, Console(highlight=False))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(levelname)s: %(message)s")
    if args.command == "build":
        return _run_build(args)
    if args.command == "push":
        if "://" in args.folder and not args.folder.startswith("file://"):
            print(
                f"error: push uploads a local folder; {args.folder} is on object storage: "
                "copy the files its _COMPLETE.json lists to a folder and push that",
                file=sys.stderr,
            )
            return 2
        if not Path(args.folder).is_dir():
            print(f"error: {args.folder} is not a folder", file=sys.stderr)
            return 2
        return _run_push(args)
    if args.command == "inspect":
        return _run_inspect(args)
    return 2  # pragma: no cover - argparse enforces the choices
