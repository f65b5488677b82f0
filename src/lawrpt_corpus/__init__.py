"""lawrpt_corpus: scraped Chinese rule-of-law work reports → a clean Hugging Face dataset.

The whole public API::

    from lawrpt_corpus import build, push, default_pipeline, Pipeline
    result = build(["raw/"], "out/", workers=2)      # the dataset folder
    push("out/", "me/lawrpt")                        # to the Hub
    doc = default_pipeline().process_bytes("a.txt", raw_bytes)   # one document

Steps, in the default order (each one small object; docs/architecture.md shows how to
write your own): ``Extract`` → ``DecodeStep`` → ``Hygiene`` → ``Typography`` →
``ScriptNormalize`` → ``StripBoilerplate`` → ``ScriptRecheck`` → ``ExtractMetadata`` →
``RepeatedLines`` → ``Templates`` → ``Dedup``.
Engines: ``LocalEngine`` (default), ``RayEngine`` (``pip install "lawrpt_corpus[ray]"``).
"""

from __future__ import annotations

from ._version import __version__
from .boilerplate import RepeatedLines, StripBoilerplate, Templates
from .build import BuildError, BuildResult, build
from .datasets_map import CleanBatch
from .decode import DecodeStep
from .dedup import Dedup, ExactDedup
from .defaults import default_pipeline
from .document import Document, Edit, PageMeta, Removal
from .engines.local import LocalEngine
from .engines.ray_engine import RayEngine  # imports ray only when an engine is made
from .extract import Extract
from .metadata import ExtractMetadata
from .normalize import Hygiene, ScriptNormalize, ScriptRecheck, Typography
from .pipeline import CorpusStep, DocumentStep, Pipeline, Step
from .publish import PushError, push

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
    "Extract",
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
    "Templates",
    "Typography",
    "__version__",
    "build",
    "default_pipeline",
    "push",
]
