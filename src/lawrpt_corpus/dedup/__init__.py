"""Stage: exact and near-duplicate detection (corpus-level)."""

from .exact import ExactDedup

__all__ = ["ExactDedup"]
