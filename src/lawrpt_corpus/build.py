"""``build``: inputs → the dataset folder of the contract (docs/dataset.md).

This module is imported by ``import lawrpt_corpus`` and by the CLI for its option defaults,
so it imports only what those need at module level (document, pipeline, engines.base, io):
the default pipeline's stages, the local engine and ``publish/`` (pyarrow, filelock, the
Hub libraries) are imported inside :func:`build` when a build runs.
"""

from __future__ import annotations

import itertools
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .document import DUPLICATE, KEPT
from .engines.base import SPILL_CHUNK
from .io.fs import is_url, url_problem
from .io.item import ContainerItem
from .io.readers import (
    DEFAULT_GLOB,
    DEFAULT_MAX_BYTES,
    Globs,
    InputItem,
    glob_patterns,
    iter_inputs,
)
from .io.records import (
    DEFAULT_TEXT_COLUMN,
    HubDataset,
    RecordsError,
    is_hub,
    is_hub_file_path,
    iter_hub,
    open_hub,
)

if TYPE_CHECKING:
    from .engines.base import Engine
    from .pipeline import Pipeline

log = logging.getLogger(__name__)
DEFAULT_OUT = Path("build/lawrpt-corpus")
#: ``publish.writer.DEFAULT_SHARD_ROWS`` and ``publish.card.LICENSE``, written out so that
#: the signature does not import pyarrow (tests/test_build_defaults.py pins them equal).
DEFAULT_SHARD_ROWS = 20_000
DEFAULT_LICENSE = "other"
_DEPENDENCIES = (
    "regex",
    "ahocorasick-rs",
    "filelock",
    "opencc",
    "chardet",
    "datasets",
    "huggingface_hub",
    "pyarrow",
    "numpy",
    "numba",  # optional ([fast]): the compiled MinHash kernel, same output
)


class BuildError(Exception):
    """A build that cannot start (bad arguments); the message is for the user."""


def default_inputs() -> list[Path]:
    """The seed reports: shipped in the wheel as ``_seeds``, or ``seeds/`` of a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_seeds", here.parent.parent / "seeds"):
        if candidate.is_dir():
            return [candidate]
    raise BuildError("the seed reports are not installed; give INPUT paths")


@dataclass
class BuildResult:
    """What a build wrote and its summary (the content of build.json)."""

    #: the dataset folder, or the object-storage URL (``s3://…``) it was published to
    out: Path | str
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, Any]:
        return dict(self.summary["counts"])


def _versions() -> dict[str, str]:
    from importlib import metadata as importlib_metadata

    from ._version import __version__

    out = {"lawrpt_corpus": __version__}  # this code's version, not an installed copy's
    for name in _DEPENDENCIES:
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def check_out(out: Path, overwrite: bool, inputs: Sequence[Path] = ()) -> None:
    """Refuse an output that exists (unless ``overwrite``) or cannot be written.

    Also refused, because replacing them would destroy something that is not a build: the
    current folder or one of its parents, the file system root, a folder that holds an
    input, and a place under something that is not a folder (``/dev/null/x``).
    """
    resolved = out.resolve()
    cwd = Path.cwd().resolve()
    if resolved == cwd or resolved in cwd.parents or resolved == Path(resolved.anchor):
        raise BuildError(f"output {out} is the current folder or one of its parents")
    for p in inputs:
        real = p.resolve()
        if real == resolved or resolved in real.parents:
            raise BuildError(f"output {out} holds the input {p}; choose another --out")
    if out.exists():
        if not overwrite:
            raise BuildError(f"output {out} exists; pass --overwrite to replace it")
        if not out.is_dir():
            raise BuildError(f"output {out} exists and is not a folder")
    probe = resolved.parent
    while not probe.exists() and not probe.is_symlink():
        probe = probe.parent
    if not probe.is_dir():
        raise BuildError(f"output {out} cannot be created: {probe} is not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise BuildError(f"output {out} is not writable")


def _local_out(out: str | os.PathLike[str]) -> Path:
    """``--out`` as a local path (``file:///x`` is the folder ``/x``)."""
    if is_url(out):
        from fsspec.core import url_to_fs

        return Path(url_to_fs(str(out))[1])
    return Path(out)


def _check_remote_out(url: str, overwrite: bool, specs: Sequence[object]) -> tuple[Any, str]:
    """Refuse an object-storage ``--out`` that holds an input, exists without
    ``overwrite``, or cannot be reached or written (one line); its ``(filesystem, root)``."""
    from .publish.remote import OutputError, check_remote_out

    for spec in specs:
        if isinstance(spec, str) and (spec.rstrip("/") + "/").startswith(url + "/"):
            raise BuildError(f"output {url} holds the input {spec}; choose another --out")
    try:
        return check_remote_out(url, overwrite)
    except OutputError as exc:
        raise BuildError(str(exc)) from None


def _iter_specs(
    specs: Sequence[Path | HubDataset | str],
    glob: Globs,
    max_bytes: int,
    exclude: Sequence[Path],
    text_column: str,
    split_containers: bool = False,
) -> Iterator[InputItem | ContainerItem]:
    """The input items of every spec, in the order given (a Hub dataset is opened when its
    turn comes; the first one is opened before the build starts, by the peek); container
    files unopened when the engine's workers read them (``split_containers``)."""
    for spec in specs:
        if isinstance(spec, HubDataset):
            yield from iter_hub(spec, text_column, max_bytes)
        else:
            yield from iter_inputs(
                [spec],
                glob=glob,
                max_bytes=max_bytes,
                exclude=exclude,
                text_column=text_column,
                split_containers=split_containers,
            )


def _first_or_none(
    items: Iterator[InputItem | ContainerItem],
) -> Iterator[InputItem | ContainerItem] | None:
    """``items`` unchanged, or None when it yields nothing (no input found)."""
    try:
        first = next(items)
    except StopIteration:
        return None
    return itertools.chain([first], items)


def build(
    inputs: Sequence[str | os.PathLike[str]] | None = None,
    out: str | os.PathLike[str] = DEFAULT_OUT,
    *,
    pipeline: Pipeline | None = None,
    workers: int | None = None,
    engine: Engine | None = None,
    glob: Globs = DEFAULT_GLOB,
    max_bytes: int = DEFAULT_MAX_BYTES,
    overwrite: bool = False,
    resume: bool = False,
    shard_rows: int = DEFAULT_SHARD_ROWS,
    checkpoint_every: int = SPILL_CHUNK,
    progress: Callable[[str, int], None] | None = None,
    license: str = DEFAULT_LICENSE,
    text_column: str = DEFAULT_TEXT_COLUMN,
    hf_split: str = "train",
) -> BuildResult:
    """Build the dataset folder ``out`` from ``inputs`` (default: the seed reports).

    Every input becomes exactly one manifest row. The folder appears only when complete
    (see :class:`~lawrpt_corpus.publish.writer.DatasetWriter`). Processed documents are
    checkpointed every ``checkpoint_every`` inputs in the staging folder; after a crash or
    kill, ``resume=True`` continues from the last checkpoint and writes the same rows as an
    uninterrupted build. ``progress(stage, done)`` is called as documents move through the
    stages (see :attr:`Engine.on_progress`). ``license`` is the card's Hub licence id
    (default ``other``, explained by a ``LICENSE.md`` in the folder). An input may be a
    Hub dataset, ``hf://datasets/OWNER/NAME`` (its split ``hf_split``, streamed); parquet
    files and Hub datasets give one input per row, whose text is ``text_column``. Raises
    :class:`BuildError` for unusable arguments; a bad input never raises.
    """
    # imported here, not at module level: see the module's docstring
    from .defaults import default_pipeline
    from .engines.local import LocalEngine
    from .publish import card, report
    from .publish.stats import BuildStats
    from .publish.writer import DatasetWriter, OutputBusy, is_remote, saved_chunks, staging_dir

    specs: list[Path | HubDataset | str] = []  # str: a URL (docs/scaling.md)
    for given in inputs or default_inputs():
        if is_hub(given) and not is_hub_file_path(given):
            try:
                specs.append(HubDataset.parse(str(given), split=hf_split))
            except ValueError as exc:
                raise BuildError(str(exc)) from None
        elif is_url(given):
            if (why := url_problem(str(given))) is not None:
                raise BuildError(f"input {given}: {why}")
            specs.append(str(given))
        else:
            specs.append(Path(given))
    paths = [p for p in specs if isinstance(p, Path)]
    for p in paths:
        if not p.exists() and not p.is_symlink():
            raise BuildError(f"input {p} does not exist")
    try:
        card.check_license(license)
    except ValueError as exc:
        raise BuildError(str(exc)) from None
    remote = None  # (filesystem, root) of an object-storage output (publish/remote.py)
    if is_remote(out):
        remote = _check_remote_out(str(out).rstrip("/"), overwrite, specs)
        out = str(out).rstrip("/")
    else:
        out = _local_out(out)
        check_out(out, overwrite, paths)
    t_start = time.perf_counter()
    engine = engine or LocalEngine(workers)
    try:
        for spec in specs:  # every Hub dataset opens, or the build does not start
            if isinstance(spec, HubDataset):
                open_hub(spec)
        found = _first_or_none(
            _iter_specs(
                specs,
                glob,
                max_bytes,
                exclude=[] if remote else [Path(out), staging_dir(out)],
                text_column=text_column,
                split_containers=engine.splits_containers,
            )
        )
    except RecordsError as exc:
        raise BuildError(str(exc)) from None
    if found is None:
        where = ", ".join(str(p) for p in specs)
        raise BuildError(
            f"no inputs found in {where}"
            + (f" (files matching {', '.join(glob_patterns(glob))})" if glob_patterns(glob) else "")
        )
    items = found
    pipeline = pipeline or default_pipeline()
    if not resume and (n_saved := saved_chunks(out)):
        log.warning(
            "%s has %d saved chunk(s) of an interrupted build; starting over discards them "
            "(run the same command with --resume to continue from them instead)",
            out,
            n_saved,
        )
    writer: DatasetWriter
    try:
        if remote is not None:
            from .publish.remote import RemoteDatasetWriter

            writer = RemoteDatasetWriter(
                str(out), shard_rows=shard_rows, resume=resume, fs=remote[0], root=remote[1]
            )
        else:
            writer = DatasetWriter(out, shard_rows=shard_rows, resume=resume)
    except OutputBusy as exc:
        raise BuildError(str(exc)) from None
    except OSError as exc:
        raise BuildError(f"cannot write output {out}: {exc.strerror or exc}") from None
    stats = BuildStats()
    if progress is not None:
        engine.on_progress = progress
    try:
        data_files, manifest_files = engine.write_dataset(
            pipeline,
            items,
            writer,
            stats,
            spill_dir=writer.spill_dir,
            resume=resume,
            chunk_size=checkpoint_every,
        )
        t0 = time.perf_counter()
        summary: dict[str, Any] = {
            "engine": engine.name,
            "workers": engine.workers,
            "versions": _versions(),
            "pipeline": pipeline.describe(),
            "inputs": [p.uri if isinstance(p, HubDataset) else str(p) for p in specs],
            "glob": glob_patterns(glob),
            "max_bytes": max_bytes,
            "counts": stats.counts(),
            "distributions": {k: dict(sorted(v.items())) for k, v in stats.dist.items()},
            "corpus": {s.name: s.stats() for s in pipeline.corpus_steps},
            "timings": {k: round(v, 4) for k, v in engine.timings.items()},
            "resumed_inputs": engine.resumed,
        }
        d, m = writer.data, writer.manifest
        meta = card.card_data(
            card.default_configs(
                (data_files, stats.status[KEPT], d.num_bytes, d.download_size),
                (manifest_files, stats.inputs, m.num_bytes, m.download_size),
            ),
            license=license,
        )
        summary["timings"]["publish"] = round(time.perf_counter() - t0, 4)
        # the shards are in the staging folder, or (workers uploaded them) under the
        # object-storage staging prefix
        report.write_report(writer.staging, summary, shards=writer.shards_location())
        summary["timings"]["total"] = round(time.perf_counter() - t_start, 4)
        writer.write_text("README.md", card.render(meta, summary))
        if meta["license"] == "other":
            writer.write_text(card.LICENSE_FILE, card.LICENSE_TEXT)
        writer.write_json("build.json", summary)
        writer.commit()
        if stats.status[KEPT] == 0:
            log.warning(
                "no document was kept (%d inputs: %d rejected, %d duplicates); %s holds an "
                "empty default config and the manifest says why",
                stats.inputs,
                stats.status["rejected"],
                stats.status[DUPLICATE],
                out,
            )
    except BaseException:
        writer.abort(keep_checkpoint=True)
        raise
    return BuildResult(out=out, summary=summary)
