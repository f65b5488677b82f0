"""Extraction: HTML, PDF, DOCX and OFD inputs → text + page metadata (docs/formats.md).

``sniff`` decides the format from the bytes; one module per format (``html``, ``pdf``,
``docx``, ``ofd``; ``warc`` splits crawl files into records at discovery); :class:`Extract`
is the pipeline step.
"""

from .base import Extracted, ExtractFailed, Hints
from .sniff import sniff
from .step import Extract

__all__ = ["Extract", "ExtractFailed", "Extracted", "Hints", "sniff"]
