"""Steps and the pipeline that composes them.

There are two kinds of step:

* :class:`DocumentStep` — a pure function of one document (``__call__(doc) -> doc``).
  It must be picklable and keep no state between documents, so that any engine can run it
  in any process. It never raises on bad input: it rejects the document with a reason.
  (If it does raise, the engine rejects the document with ``error:<step name>`` and the
  build goes on.)
* :class:`CorpusStep` — sees the whole stream of kept documents once (:meth:`~CorpusStep.fit`,
  in input order, in the driver) and then changes each document (:meth:`~CorpusStep.apply`).
  Its optional :meth:`~CorpusStep.prepare` runs per document inside the workers, to compute
  what ``fit`` needs (hashes, signatures) where it is cheap and parallel.

Parameters apart from fitted state: a step's constructor takes parameters only, and
:meth:`Step.params` lists them (every constructor field, derived, never hand-written — a
new parameter cannot be left out of build.json or the ``--resume`` fingerprint). What
``fit`` learns is one *state object* (``DedupState``, ``RepeatedLinesState``, …) that
``fit`` returns and keeps in the step's ``state`` attribute (a non-constructor field);
``apply`` and ``stats`` read only that. A cluster fit (engines/fits.py) returns such a state
too, and the engine installs it with :meth:`CorpusStep.set_state`.

A :class:`Pipeline` is an ordered list of steps. Per-document steps run first, in their
order; corpus steps run after them, in their order (a corpus step sees the documents as
every earlier corpus step left them).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import fields, is_dataclass
from functools import cache
from importlib import resources
from typing import Any, ClassVar, Protocol

from .document import Document


class Step:
    """Common base: a name, a version, and the parameters that describe the step."""

    name: ClassVar[str] = "step"
    version: ClassVar[str] = "1"
    #: Package data files the step loads, as ``(package, path)``: rule tables, models,
    #: gazetteers. Their content digests are part of :meth:`params`, so editing one changes
    #: the ``--resume`` fingerprint (chunks cleaned with the old data are not reused).
    data_files: ClassVar[tuple[tuple[str, str], ...]] = ()

    def preload(self) -> None:
        """Load now what the step loads lazily for a long run (compiled kernels): an engine
        calls it, for a large build only, in the process it then forks its workers from, so
        they inherit it instead of each loading it (:meth:`Pipeline.preload`). Changes no
        result. Default: nothing."""

    def params(self) -> dict[str, Any]:
        """Parameters shown in build.json and the dataset card, and part of the ``--resume``
        fingerprint (JSON-serialisable).

        Derived: every constructor field of a dataclass step (``init=True``, not starting
        with ``_``) — or, for a plain class, every public attribute but ``state`` — followed
        by :meth:`derived_params` and, when the step declares :attr:`data_files`, ``data``:
        ``{path: content digest}``. A step in a parameter renders as its name.
        """
        if is_dataclass(self):
            out = {
                f.name: _jsonable(getattr(self, f.name))
                for f in fields(self)
                if f.init and not f.name.startswith("_")
            }
        else:
            out = {
                k: _jsonable(v)
                for k, v in vars(self).items()
                if not k.startswith("_") and k != "state"
            }
        out.update(self.derived_params())
        if self.data_files:
            out["data"] = {path: data_digest(pkg, path) for pkg, path in self.data_files}
        return out

    def derived_params(self) -> dict[str, Any]:
        """Values that follow from the parameters or the step's data, shown with them: a
        derived size, a fixed method described in words, the content digest of a data file
        the step loads (so that editing it changes the fingerprint). Default: none."""
        return {}

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "params": self.params()}


class DocumentStep(Step):
    """A pure, picklable transformation of one document."""

    def __call__(self, doc: Document) -> Document:  # pragma: no cover - interface
        raise NotImplementedError


class TaskPool(Protocol):
    """Worker processes a corpus step's ``fit`` may hand pure work to (the local engine
    gives one to a step whose ``pooled_fit`` is true, when it runs more than one worker).

    ``map(fn, items, shared)`` yields ``fn(shared, item)`` for each item, **in the order of
    ``items``**, pulling ``items`` lazily with a bounded number in flight (the caller's
    generator keeps running while the workers compute). ``fn`` is a module-level function;
    ``shared`` is sent to each worker once per call. The results are what a loop in the
    caller's process gives (:class:`SerialPool`), so a fit's state cannot depend on it."""

    workers: int

    def map(
        self, fn: Callable[[Any, Any], Any], items: Iterable[Any], shared: Any = None
    ) -> Iterator[Any]: ...


class SerialPool:
    """:class:`TaskPool` in this process: ``fn(shared, item)`` in a loop (the reference a
    process pool must equal; for tests and one-worker runs)."""

    workers = 1

    def map(
        self, fn: Callable[[Any, Any], Any], items: Iterable[Any], shared: Any = None
    ) -> Iterator[Any]:
        for item in items:
            yield fn(shared, item)


def params_only(step: Any) -> Any:
    """A fresh copy of the dataclass ``step`` with its parameters (the ``init`` fields not
    starting with ``_``) and no fitted state: what a task or a worker process is sent of a
    corpus step."""
    return type(step)(
        **{f.name: getattr(step, f.name) for f in fields(step) if f.init and f.name[0] != "_"}
    )


class CorpusStep(Step):
    """A step that needs the whole corpus (repeated lines, deduplication).

    ``prepare`` (workers) → ``fit`` (driver, returns a state object, kept in ``state``) →
    ``apply`` (reads ``state``). Before ``fit``, ``state`` is None.
    """

    #: What :meth:`fit` learned (None until fitted). Dataclass steps declare it as
    #: ``field(default=None, init=False, repr=False, compare=False)``.
    state: Any = None
    #: Whether :meth:`fit` takes ``pool=`` (a :class:`TaskPool`): the local engine then
    #: passes its worker processes for the fit's pure per-document work (same state).
    pooled_fit: ClassVar[bool] = False

    def prepare(self, doc: Document) -> None:
        """Per-document work done in the workers before :meth:`fit` (default: none)."""

    def fit(self, docs: Iterable[Document]) -> Any:  # pragma: no cover - interface
        """See every kept document, in input order; return the fitted state object and
        keep it (:meth:`set_state`).

        ``docs`` may be iterated more than once (each pass replays the stream from disk),
        for steps that need a second look (e.g. verifying candidate pairs). Keep only
        compact per-document state: the corpus does not fit in memory.
        """
        raise NotImplementedError

    def set_state(self, state: Any) -> None:
        """Install a fitted state (from :meth:`fit` or a cluster fit)."""
        self.state = state

    def apply(self, doc: Document) -> Document:  # pragma: no cover - interface
        """Change one document using what :meth:`fit` learned (``self.state``)."""
        raise NotImplementedError

    def stats(self) -> dict[str, Any]:
        """Corpus-level findings for build.json (default: none)."""
        return {}


#: ``observer(step, before, after)``: called once per step run on a document, with a
#: snapshot of the document before the step (:meth:`Document.snapshot`) and the document
#: after it. The located trail (``removed``, ``edit_spans``) past ``before``'s is what the
#: step did. For tools (``inspect``); a build passes none and pays nothing.
Observer = Callable[[Step, Document, Document], None]


def run_document_steps(
    steps: Sequence[DocumentStep], doc: Document, observer: Observer | None = None
) -> Document:
    """Run ``steps`` on ``doc`` in order, stopping at the first rejection.

    An exception inside a step rejects the document with ``error:<step name>`` instead of
    propagating: one bad input never stops a build. ``observer`` sees every step run.
    """
    for step in steps:
        if not doc.kept:
            break
        before = doc.snapshot() if observer is not None else None
        try:
            doc = step(doc)
        except Exception as exc:
            doc.reject(f"error:{step.name}")
            doc.features["error"] = f"{type(exc).__name__}: {exc}"[:500]
        if observer is not None and before is not None:
            observer(step, before, doc)
    doc.raw = None
    return doc


def apply_corpus_steps(
    steps: Sequence[CorpusStep], doc: Document, observer: Observer | None = None
) -> Document:
    """Apply fitted corpus steps to ``doc`` in order, stopping when it is no longer kept;
    ``observer`` sees every step applied."""
    for step in steps:
        if not doc.kept:
            break
        before = doc.snapshot() if observer is not None else None
        doc = step.apply(doc)
        if observer is not None and before is not None:
            observer(step, before, doc)
    return doc


def prepare_corpus_steps(steps: Sequence[CorpusStep], doc: Document) -> Document:
    """Run each corpus step's ``prepare`` on a kept ``doc``; a failure rejects it
    (``error:<step name>``), as in :func:`run_document_steps`."""
    if not doc.kept:
        return doc
    for step in steps:
        try:
            step.prepare(doc)
        except Exception as exc:
            doc.reject(f"error:{step.name}")
            doc.features["error"] = f"{type(exc).__name__}: {exc}"[:500]
            break
    return doc


class Pipeline:
    """An ordered list of steps.

    >>> from lawrpt_corpus import Pipeline, default_pipeline
    >>> pipe = default_pipeline()
    >>> doc = pipe.process_bytes("report.txt", "2024年法治政府建设工作报告".encode())
    """

    def __init__(self, steps: Sequence[Step]):
        self.steps: list[Step] = list(steps)
        for step in self.steps:
            if not isinstance(step, DocumentStep | CorpusStep):
                raise TypeError(f"{step!r} is neither a DocumentStep nor a CorpusStep")

    @property
    def document_steps(self) -> list[DocumentStep]:
        return [s for s in self.steps if isinstance(s, DocumentStep)]

    @property
    def corpus_steps(self) -> list[CorpusStep]:
        return [s for s in self.steps if isinstance(s, CorpusStep)]

    def describe(self) -> list[dict[str, Any]]:
        return [s.describe() for s in self.steps]

    def preload(self) -> None:
        """Every step's :meth:`Step.preload`, last step first (a step may load its kernels
        only when an import a later step's preload makes is there: Templates' sketch once
        Dedup has imported numba)."""
        for step in reversed(self.steps):
            step.preload()

    # -- one document ----------------------------------------------------------------------
    def process(self, doc: Document, observer: Observer | None = None) -> Document:
        """Run the per-document steps (and corpus steps' ``prepare``) on one document;
        ``observer(step, before, after)`` is called after each per-document step."""
        doc = run_document_steps(self.document_steps, doc, observer)
        return prepare_corpus_steps(self.corpus_steps, doc)

    def process_bytes(self, source: str, raw: bytes, observer: Observer | None = None) -> Document:
        """Per-document processing of raw bytes, as :meth:`process`."""
        return self.process(Document.from_bytes(source, raw), observer)


@cache
def data_digest(package: str, path: str) -> str:
    """First 16 hex digits of the sha256 of a package data file's bytes (read once per
    process, like the data itself)."""
    return digest(resources.files(package).joinpath(path).read_bytes())


def digest(data: bytes | str) -> str:
    """First 16 hex digits of the sha256 of ``data`` (a ``str`` as UTF-8)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()[:16]


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, Step):
        return value.name
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    return repr(value)
