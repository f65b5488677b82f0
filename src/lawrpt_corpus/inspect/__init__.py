"""``inspect``: see what the pipeline did to one input, or to one document of a build.

Two entry points, both used by ``python -m lawrpt_corpus inspect``:

* :func:`trace_input` (:mod:`.tracing`) runs a pipeline on one raw input (a file, or one
  record of a ``.jsonl[.gz]``) with an observer, and records what each step did from the
  located trail it left: its removals (rule, text, start), its in-place edits (counts and
  located spans), flags, and whether it rejected the input. Replaying the trail gives
  *segments*: the final text with every removed span re-inserted where it was cut (kind
  ``removed``, labelled with its rule) and every in-place change marked (kind ``changed``,
  with the text it replaced as kind ``replaced``). With ``corpus`` inputs, the corpus steps
  are fitted on that corpus first and applied too (repeated-line removal, deduplication).
* :func:`lookup_dataset` (:mod:`.reading`) finds a document of a built dataset folder by id
  or source and returns its data row, every manifest row merged into it (with the
  similarity parsed from the manifest ``reason``), and its removals.

:mod:`.reading` also reads one input exactly as the build does (:func:`read_input`);
:mod:`.rendering` prints results with rich (:func:`render_trace`, :func:`render_lookup`).
Both entry points return plain JSON-able dicts (``schema_version`` :data:`SCHEMA_VERSION`,
documented in docs/inspect.md). Nothing here raises for a bad input: an input the build
would reject is traced up to the step that rejects it, and the reason is part of the result.
"""

from .reading import SCHEMA_VERSION, InspectError, lookup_dataset, read_input
from .rendering import render_lookup, render_trace, segments_text
from .tracing import trace_input

__all__ = [
    "SCHEMA_VERSION",
    "InspectError",
    "lookup_dataset",
    "read_input",
    "render_lookup",
    "render_trace",
    "segments_text",
    "trace_input",
]
