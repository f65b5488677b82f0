"""Metadata: year, issuing body, place, level, date, title, type and sections of a report."""

from .step import ExtractMetadata, extract

__all__ = ["ExtractMetadata", "extract"]
