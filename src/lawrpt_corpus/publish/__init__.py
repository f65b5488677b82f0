"""Stage: write the dataset folder (parquet, manifest, card, build.json) and push it."""

from .push import PushError, push
from .writer import DatasetWriter

__all__ = ["DatasetWriter", "PushError", "push"]
