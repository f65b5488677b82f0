"""Stage: exact and near-duplicate detection (corpus-level).

:class:`Dedup` is the standard step (exact + MinHash-LSH near duplicates, verified, +
containment, most-complete representative). :class:`ExactDedup` is the simpler exact-only
step on the raw cleaned text, kept for pipelines that want no near-duplicate merging.
"""

from .exact import ExactDedup
from .step import Dedup

__all__ = ["Dedup", "ExactDedup"]
