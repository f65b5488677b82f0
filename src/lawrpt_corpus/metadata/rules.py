"""The metadata step's rules (``data/rules.toml``), loaded once per process."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any


@lru_cache(maxsize=1)
def rules() -> dict[str, Any]:
    """The parsed rule file (shared; do not mutate)."""
    raw = resources.files(__package__).joinpath("data/rules.toml").read_text("utf-8")
    return tomllib.loads(raw)
