"""lawrpt_corpus: scraped Chinese rule-of-law work reports → a clean Hugging Face dataset.

The whole public API::

    from lawrpt_corpus import build, push, default_pipeline, Pipeline
    result = build(["raw/"], "out/", workers=2)      # the dataset folder
    push("out/", "me/lawrpt")                        # to the Hub
    doc = default_pipeline().process_bytes("a.txt", raw_bytes)   # one document

Steps, in the default order (each one small object; docs/architecture.md shows how to
write your own): ``DecodeStep`` → ``Hygiene`` → ``Typography`` → ``ScriptNormalize`` →
``StripBoilerplate`` → ``ScriptRecheck`` → ``ExtractMetadata`` → ``RepeatedLines`` → ``Dedup``.
Engines: ``LocalEngine`` (default), ``RayEngine`` (``pip install "lawrpt_corpus[ray]"``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from .boilerplate import RepeatedLines, StripBoilerplate
from .build import BuildError, BuildResult, build
from .datasets_map import CleanBatch
from .decode import DecodeStep
from .dedup import Dedup, ExactDedup
from .document import Document, Edit, PageMeta, Removal
from .engines.local import LocalEngine
from .engines.ray_engine import RayEngine  # imports ray only when an engine is made
from .metadata import ExtractMetadata
from .normalize import Hygiene, ScriptNormalize, ScriptRecheck, Typography
from .pipeline import CorpusStep, DocumentStep, Pipeline, Step
from .publish import PushError, push

#: The package version: the one place it is written (pyproject.toml reads it from here).
__version__ = "0.1.0"


def default_pipeline(rules: Sequence[str | os.PathLike[str]] = ()) -> Pipeline:
    """The standard pipeline, in order; ``rules`` adds boilerplate rule packs (TOML files)."""
    boilerplate = StripBoilerplate(rules=[str(r) for r in rules])
    return Pipeline(
        [
            DecodeStep(),
            Hygiene(),
            Typography(),
            ScriptNormalize(),
            boilerplate,
            ScriptRecheck(then=(boilerplate,)),
            ExtractMetadata(),
            RepeatedLines(),
            Dedup(fold_script=False),  # ScriptNormalize/ScriptRecheck already converted
        ]
    )


__all__ = [
    "BuildError",
    "BuildResult",
    "CleanBatch",
    "CorpusStep",
    "DecodeStep",
    "Dedup",
    "Document",
    "DocumentStep",
    "Edit",
    "ExactDedup",
    "ExtractMetadata",
    "Hygiene",
    "LocalEngine",
    "PageMeta",
    "Pipeline",
    "PushError",
    "RayEngine",
    "Removal",
    "RepeatedLines",
    "ScriptNormalize",
    "ScriptRecheck",
    "Step",
    "StripBoilerplate",
    "Typography",
    "__version__",
    "build",
    "default_pipeline",
    "push",
]
