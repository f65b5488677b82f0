"""The dataset card (README.md of the dataset folder): YAML front matter + prose.

The front matter declares both configs with explicit ``data_files``, the features of each
(written by ``datasets`` from the Arrow schema) and split sizes that match the files, so
``datasets.load_dataset(folder)`` and the Hub read exactly what was written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from .schema import DATA_SCHEMA, MANIFEST_SCHEMA, hf_features

LICENSE = "other"
PRETTY_NAME = "Chinese rule-of-law government work reports (lawrpt_corpus)"


def size_category(n: int) -> str:
    bounds = [
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
        (10_000_000, "1M<n<10M"),
    ]
    for bound, label in bounds:
        if n < bound:
            return label
    return "10M<n<100M"


def front_matter(
    data_files: Sequence[str],
    manifest_files: Sequence[str],
    n_kept: int,
    n_inputs: int,
    data_bytes: int,
    manifest_bytes: int,
) -> dict[str, Any]:
    return {
        "language": ["zh"],
        "license": LICENSE,
        "pretty_name": PRETTY_NAME,
        "task_categories": ["text-generation"],
        "size_categories": [size_category(n_kept)],
        "tags": ["legal", "government", "chinese", "rule-of-law", "lawrpt_corpus"],
        "configs": [
            {
                "config_name": "default",
                "default": True,
                "data_files": [{"split": "train", "path": list(data_files)}],
            },
            {
                "config_name": "manifest",
                "data_files": [{"split": "train", "path": list(manifest_files)}],
            },
        ],
        "dataset_info": [
            {
                "config_name": "default",
                "features": hf_features(DATA_SCHEMA),
                "splits": [{"name": "train", "num_bytes": data_bytes, "num_examples": n_kept}],
            },
            {
                "config_name": "manifest",
                "features": hf_features(MANIFEST_SCHEMA),
                "splits": [
                    {"name": "train", "num_bytes": manifest_bytes, "num_examples": n_inputs}
                ],
            },
        ],
    }


def _table(rows: Sequence[tuple[Any, Any]], head: tuple[str, str]) -> str:
    lines = [f"| {head[0]} | {head[1]} |", "|---|---|"]
    lines += [f"| {_cell(a)} | {_cell(b)} |" for a, b in rows]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _dist(counts: dict[str, int], limit: int = 15) -> str:
    if not counts:
        return "_none_"
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return _table(rows, ("value", "documents"))


def render(meta: dict[str, Any], summary: dict[str, Any]) -> str:
    """The whole card: ``meta`` is the front matter, ``summary`` the build.json content."""
    counts = summary["counts"]
    steps = summary["pipeline"]
    yaml_text = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    step_lines = []
    for i, step in enumerate(steps, 1):
        params = ", ".join(f"`{k}={v}`" for k, v in step["params"].items()) or "no parameters"
        step_lines.append(f"{i}. **{step['name']}** v{step['version']}: {params}")
    rejected = counts.get("rejected_by_reason", {})
    removals = counts.get("removals_by_rule", {})
    dist = summary.get("distributions", {})
    parts = [
        f"---\n{yaml_text}---\n",
        f"# {PRETTY_NAME}\n",
        "Yearly rule-of-law work reports (法治政府建设年度报告, 法治建设工作总结 and similar) of "
        "Chinese government departments, collected from government sites, repost sites and "
        "document-sharing sites, then decoded, normalised to GB/T 15834 typography and "
        "simplified script, cleaned of advertising and web-page chrome (every removal is "
        "kept in the `removed` column), annotated with metadata and deduplicated by "
        "[lawrpt_corpus](https://pypi.org/project/lawrpt_corpus/) "
        f"{summary['versions']['lawrpt_corpus']}.\n",
        "## Configs\n",
        "- `default`: one row per kept document (`text` plus metadata and the audit trail).\n"
        "- `manifest`: one row per input file or record, with its fate "
        "(`kept`, `duplicate`, `rejected`) and the reason.\n",
        "```python\nfrom datasets import load_dataset\n"
        "docs = load_dataset(PATH_OR_REPO)\n"
        'manifest = load_dataset(PATH_OR_REPO, "manifest")\n```\n',
        "## This build\n",
        _table(
            [
                ("inputs", counts["inputs"]),
                ("kept", counts["kept"]),
                ("duplicates", counts["duplicates"]),
                ("rejected", counts["rejected"]),
                ("characters in (decoded)", counts.get("chars_in", 0)),
                ("characters out (kept text)", counts.get("chars_out", 0)),
                ("engine", f"{summary['engine']} ({summary['workers']} workers)"),
            ],
            ("", "count"),
        ),
        "\n### Rejected inputs by reason\n",
        _dist(rejected),
        "\n### Removals by rule\n",
        _dist(removals, limit=40),
        "\n### Years\n",
        _dist(dist.get("year", {})),
        "\n### Provinces\n",
        _dist(dist.get("province", {})),
        "\n### Administrative levels\n",
        _dist(dist.get("admin_level", {})),
        "\n### Input encodings\n",
        _dist(dist.get("encoding", {})),
        "\n### Input formats\n",
        _dist(dist.get("format", {})),
        "\n## Pipeline\n",
        "\n".join(step_lines),
        "\nThe full parameters, dependency versions and timings are in `build.json`; "
        "a visual report of the build (funnel, removals, metadata, duplicate clusters, timings) "
        "is in [report.html](report.html).\n",
        "## Known limitations\n",
        "- Metadata is extracted from the text and the page's own metadata (title, 发布机构, "
        "网站标识码); a field is null when they give no evidence. Province, prefecture, county "
        "and level come only from the issuing body (its name, the title, the opening's "
        "subject, the page), never from places the body merely mentions; national bodies are "
        "`central` with no province. Placeholder names (XX市) are kept as written and "
        "flagged.\n"
        "- PDFs are read from their text layer: scanned PDFs and OFDs whose text is drawn as "
        "paths are rejected (`no_text_layer`), there is no OCR; legacy DOC/WPS files are "
        "rejected with a hint to convert them.\n"
        "- Boilerplate rules favour precision: some site chrome may remain; candidate "
        "repeated lines are listed in `build.json`.\n"
        "- Texts are as published by the issuing bodies; check the source site's terms "
        "before redistribution (license `other`).\n",
    ]
    return "\n".join(parts)
