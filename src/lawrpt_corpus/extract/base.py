"""What every extractor returns, and how it refuses an input.

An extractor is a function ``extract(raw: bytes, hints: Hints) -> Extracted`` that never
touches a :class:`~lawrpt_corpus.document.Document`: the step (:mod:`.step`) copies the result
into the document, so each format module stays a pure bytes → text function that tests and
benchmarks call directly. A file the extractor cannot turn into text raises
:class:`ExtractFailed` with the manifest reason (``no_text_layer``, ``encrypted``,
``too_large``, ``broken_pdf`` …).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..document import PageMeta


class ExtractFailed(Exception):
    """The input cannot be turned into text; ``reason`` is the manifest reason."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(slots=True, frozen=True)
class Hints:
    """What the input's container says about it (never required)."""

    name: str = ""  # source name or URL (extension, base for relative links)
    url: str | None = None  # the page URL (WARC target URI, JSONL url)
    charset: str | None = None  # charset from the HTTP Content-Type header (WARC)
    max_inflated: int = 256 * 1024 * 1024  # bytes a zip member may inflate to
    max_pages: int = 5000  # pages read from a PDF/OFD (more: too_large)


@dataclass(slots=True)
class Extracted:
    """The text of one input and what its page or file says about it.

    ``removed`` lists ``(rule, text)`` for what extraction dropped from the visible text
    (page chrome, running headers/footers, page numbers), in order: the step records them as
    removals like any other rule. ``encoding``/``decode_rule`` are set for markup decoded
    from bytes (HTML); binary containers leave them ``None``.
    """

    text: str
    extractor: str
    page: PageMeta = field(default_factory=PageMeta)
    encoding: str | None = None
    decode_rule: str | None = None
    removed: list[tuple[str, str]] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    units: int = 1  # pages (PDF/OFD) or documents read, for throughput figures
