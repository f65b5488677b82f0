"""lawrpt_corpus: scraped Chinese rule-of-law work reports → a clean Hugging Face dataset.

The whole public API::

    from lawrpt_corpus import build, push, default_pipeline, Pipeline
    result = build(["raw/"], "out/", workers=2)      # the dataset folder
    push("out/", "me/lawrpt")                        # to the Hub
    doc = default_pipeline().process_bytes("a.txt", raw_bytes)   # one document

Steps, in the default order (each one small object; docs/architecture.md shows how to
write your own): ``Extract`` → ``DecodeStep`` → ``Hygiene`` → ``Typography`` →
``ScriptNormalize`` → ``StripBoilerplate`` → ``ScriptRecheck`` → ``ExtractMetadata`` →
``RepeatedLines`` → ``Templates`` → ``SiteRepeat`` → ``Dedup``.
Engines: ``LocalEngine`` (default), ``RayEngine`` (``pip install "lawrpt_corpus[ray]"``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

# ``build`` is also the name of a submodule: importing ``lawrpt_corpus.build`` anywhere would
# bind the module over a lazily provided function (``from lawrpt_corpus import build`` then
# gives the module). So the function is bound here, eagerly, after its module.
from .build import BuildError, BuildResult, build

if TYPE_CHECKING:  # the names below, for type checkers; at run time they load on first use
    from .boilerplate import RepeatedLines, SiteRepeat, StripBoilerplate, Templates
    from .datasets_map import CleanBatch
    from .decode import DecodeStep
    from .dedup import Dedup, ExactDedup
    from .defaults import default_pipeline
    from .document import Document, Edit, PageMeta, Removal
    from .engines.local import LocalEngine
    from .engines.ray_engine import RayEngine
    from .extract import Extract
    from .metadata import ExtractMetadata
    from .normalize import Hygiene, ScriptNormalize, ScriptRecheck, Typography
    from .pipeline import CorpusStep, DocumentStep, Pipeline, Step
    from .publish import PushError, push

#: Where each public name lives. ``import lawrpt_corpus`` loads none of them (so that
#: ``python -m lawrpt_corpus --help`` and a worker that needs one stage do not import every
#: stage, pyarrow and numpy); the first use of a name imports its module (PEP 562).
_LAZY = {
    "RepeatedLines": ".boilerplate",
    "SiteRepeat": ".boilerplate",
    "StripBoilerplate": ".boilerplate",
    "Templates": ".boilerplate",
    "CleanBatch": ".datasets_map",
    "DecodeStep": ".decode",
    "Dedup": ".dedup",
    "ExactDedup": ".dedup",
    "default_pipeline": ".defaults",
    "Document": ".document",
    "Edit": ".document",
    "PageMeta": ".document",
    "Removal": ".document",
    "LocalEngine": ".engines.local",
    "RayEngine": ".engines.ray_engine",  # imports ray only when an engine is made
    "Extract": ".extract",
    "ExtractMetadata": ".metadata",
    "Hygiene": ".normalize",
    "ScriptNormalize": ".normalize",
    "ScriptRecheck": ".normalize",
    "Typography": ".normalize",
    "CorpusStep": ".pipeline",
    "DocumentStep": ".pipeline",
    "Pipeline": ".pipeline",
    "Step": ".pipeline",
    "PushError": ".publish",
    "push": ".publish",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # the next use is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


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
    "SiteRepeat",
    "Step",
    "StripBoilerplate",
    "Templates",
    "Typography",
    "__version__",
    "build",
    "default_pipeline",
    "push",
]
