"""lawrpt_corpus: scraped Chinese rule-of-law work reports → a clean Hugging Face dataset.

The whole public API::

    from lawrpt_corpus import build, push, default_pipeline, Pipeline
    result = build(["raw/"], "out/", workers=2)      # the dataset folder
    push("out/", "me/lawrpt")                        # to the Hub
    doc = default_pipeline().process_bytes("a.txt", raw_bytes)   # one document

Steps (each one small object; see docs/architecture.md to write your own):
``DecodeStep`` → ``Hygiene`` → ``ExactDedup``.
"""

from __future__ import annotations

from .build import BuildError, BuildResult, build
from .decode import DecodeStep
from .dedup import ExactDedup
from .document import Document, Edit, Removal
from .engines.local import LocalEngine
from .normalize import Hygiene
from .pipeline import CorpusStep, DocumentStep, Pipeline, Step
from .publish import PushError, push

__version__ = "0.1.0"


def default_pipeline() -> Pipeline:
    """The standard pipeline, in order."""
    return Pipeline([DecodeStep(), Hygiene(), ExactDedup()])


__all__ = [
    "BuildError",
    "BuildResult",
    "CorpusStep",
    "DecodeStep",
    "Document",
    "DocumentStep",
    "Edit",
    "ExactDedup",
    "Hygiene",
    "LocalEngine",
    "Pipeline",
    "PushError",
    "Removal",
    "Step",
    "__version__",
    "build",
    "default_pipeline",
    "push",
]
