"""The benchmark's report generator (``benchmarks/generate.py``) as a module, for tests that
build corpora of unrelated reports from it (loaded once per process)."""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


@functools.lru_cache(maxsize=1)
def load_generate() -> ModuleType:
    """``benchmarks/generate.py``, imported as ``bench_generate``."""
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "benchmarks/generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
