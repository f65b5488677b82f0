"""The standard pipeline: :func:`default_pipeline` and the parameters it passes.

A module of its own so that ``build``, ``cli`` and ``inspect`` import it directly, and the
package ``__init__`` only re-exports it (no module imports the package it is part of).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from .boilerplate import RepeatedLines, SiteRepeat, StripBoilerplate, Templates
from .decode import DecodeStep
from .dedup import Dedup
from .extract import Extract
from .metadata import ExtractMetadata
from .normalize import Hygiene, ScriptNormalize, ScriptRecheck, Typography
from .pipeline import Pipeline


def default_pipeline(
    rules: Sequence[str | os.PathLike[str]] = (), *, site_repeat: bool = True
) -> Pipeline:
    """The standard pipeline, in order; ``rules`` adds boilerplate rule packs (TOML files);
    ``site_repeat=False`` leaves out :class:`~.boilerplate.SiteRepeat` (the lines one host
    repeats on its own pages; it groups pages by their URL, so inputs without one are
    untouched by it either way).

    Raises ``OSError``/``ValueError`` when a rule pack cannot be read or does not compile.
    """
    boilerplate = StripBoilerplate(rules=[str(r) for r in rules])
    site = [SiteRepeat()] if site_repeat else []  # lines one host repeats (page URLs only)
    return Pipeline(
        [
            Extract(),
            DecodeStep(),
            Hygiene(),
            Typography(),
            ScriptNormalize(),
            boilerplate,
            ScriptRecheck(then=(boilerplate,)),
            ExtractMetadata(),
            RepeatedLines(),
            Templates(),
            *site,
            Dedup(fold_script=False),  # ScriptNormalize/ScriptRecheck already converted
        ]
    )
