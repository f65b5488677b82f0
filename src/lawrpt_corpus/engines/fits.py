"""Cluster fits of corpus steps: the registry and the context a cluster fit gets.

Ray-free (Ray is imported by the functions registered here, never by this module), so that
both :mod:`~lawrpt_corpus.engines.ray_engine` (which looks fits up) and
:mod:`~lawrpt_corpus.engines.ray_fits` (which registers the built-in ones) import it without
importing each other.

A cluster fit is ``fit(step, docs, ctx) -> state``: ``docs`` is a Ray Dataset of the kept
documents (columns ``seq`` and ``doc`` = pickled :class:`~lawrpt_corpus.document.Document`),
``ctx`` a :class:`RayContext`. (The Ray engine hands ``docs`` as a stand-in that builds the
dataset on first use and forwards everything to it — ``isinstance(docs, ray.data.Dataset)``
is false; a fit that runs plain tasks over ``ctx.blocks`` never builds it.) It returns the
state object ``step.fit(docs)`` would (the engine installs it with ``step.set_state``); it
never writes the step's fields. (A hook that returns None is taken to have updated the step
itself.)
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from ..document import Document


@dataclass(frozen=True)
class RayContext:
    """What a ``fit_distributed`` hook gets besides the dataset.

    ``workers``: CPUs of the cluster. ``block_rows``: documents per block used by the
    engine (a sensible ``batch_size`` for ``map_batches``). ``blocks``: the same kept
    documents as ``docs``, as the object references of its blocks (Arrow tables ``seq``,
    ``doc``) in input order, or None: a fit may run plain Ray tasks over them instead of a
    Ray Data execution on ``docs`` (whose streaming executor runs in the driver, polling
    while the tasks run). The engine gives a sequence whose references are made when first
    read, by the process that reads them (``ray_engine.KeptBlocks``: a fit coordinated by
    a task makes them there, not in the driver); ``len`` makes nothing.
    """

    workers: int
    block_rows: int
    blocks: Sequence[Any] | None = None

    @staticmethod
    def documents(batch: pa.Table) -> list[Document]:
        """The documents of one Arrow batch of the ``docs`` dataset, in order."""
        return [pickle.loads(b) for b in batch.column("doc").to_pylist()]


#: ``fit(step, docs, ctx) -> state``; ``docs`` is a ``ray.data.Dataset``
DistributedFit = Callable[[Any, Any, RayContext], Any]
_REGISTRY: dict[type, DistributedFit] = {}


def register_distributed_fit(step_type: type, fit: DistributedFit) -> None:
    """Fit steps of exactly ``step_type`` with ``fit(step, docs, ctx) -> state`` on the Ray
    cluster.

    For steps whose module must not depend on the engine. ``fit`` returns the state object
    ``step.fit(docs)`` would. A ``fit_distributed`` method on the step wins.
    """
    _REGISTRY[step_type] = fit


def distributed_fit_of(step: Any) -> Callable[[Any, RayContext], Any] | None:
    """The cluster-side fit of ``step`` as ``fit(docs, ctx) -> state``, or None when it is
    fitted in the driver (no ``fit_distributed`` method and no registered fit for its exact
    type)."""
    method = getattr(step, "fit_distributed", None)
    if callable(method):
        return method  # type: ignore[no-any-return]
    fit = _REGISTRY.get(type(step))
    if fit is None:
        return None
    return lambda docs, ctx: fit(step, docs, ctx)
