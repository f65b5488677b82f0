"""The dataset card (README.md of the dataset folder): YAML front matter + prose.

The front matter declares both configs with explicit ``data_files``, the features of each
(written by ``datasets`` from the Arrow schema) and split sizes that match the files, so
``datasets.load_dataset(folder)`` and the Hub read exactly what was written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from .schema import DATA_SCHEMA, MANIFEST_SCHEMA

if TYPE_CHECKING:
    from huggingface_hub import DatasetCardData

#: The licence of the default card: the texts are the issuing bodies' publications, so no
#: single open licence can be claimed for them (see :data:`LICENSE_TEXT`).
LICENSE = "other"
LICENSE_NAME = "source-publications"
#: The file of the dataset folder that ``license_link`` points to when the licence is "other".
LICENSE_FILE = "LICENSE.md"
PRETTY_NAME = "Chinese rule-of-law government work reports (lawrpt_corpus)"
_LICENSE_ID = re.compile(r"[a-z0-9][a-z0-9.+-]{0,63}")


@dataclass(frozen=True)
class Config:
    """One config of the dataset folder as the card declares it.

    ``num_bytes`` is the split's size as ``datasets`` computes it (the Arrow bytes of the
    tables it reads, row group by row group); ``download_size`` the bytes of its files.
    """

    name: str
    schema: pa.Schema
    files: Sequence[str]
    num_examples: int
    num_bytes: int
    download_size: int


def check_license(license: str) -> str:
    """``license`` if it looks like a Hub licence id (``cc-by-4.0``, ``apache-2.0``,
    ``other``, …), else ``ValueError`` with a one-line reason."""
    if not _LICENSE_ID.fullmatch(license):
        raise ValueError(
            f"--license {license!r} is not a Hub licence id (lowercase, e.g. cc-by-4.0, "
            "apache-2.0, other; https://huggingface.co/docs/hub/repositories-licenses)"
        )
    return license


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


def card_data(configs: Sequence[Config], license: str = LICENSE) -> DatasetCardData:
    """The card's YAML as ``huggingface_hub.DatasetCardData``.

    ``configs`` and ``data_files`` name each config's files explicitly; ``dataset_info`` is
    written by ``datasets`` itself (``DatasetInfosDict.to_dataset_card_data``, features from
    ``Features.from_arrow_schema``), so ``load_dataset`` reads back exactly the declared
    features and split sizes. ``license: other`` comes with ``license_name`` and
    ``license_link`` (the folder's ``LICENSE.md``), as the Hub asks.
    """
    from datasets import DatasetInfo, Features, SplitDict, SplitInfo
    from datasets.info import DatasetInfosDict
    from huggingface_hub import DatasetCardData

    check_license(license)
    extra: dict[str, Any] = {}
    if license == "other":
        extra = {"license_name": LICENSE_NAME, "license_link": LICENSE_FILE}
    default = configs[0]
    data = DatasetCardData(
        language=["zh"],
        license=license,
        pretty_name=PRETTY_NAME,
        task_categories=["text-generation"],
        size_categories=[size_category(default.num_examples)],
        tags=["legal", "government", "chinese", "rule-of-law", "lawrpt_corpus"],
        configs=[
            {
                "config_name": c.name,
                **({"default": True} if c is default else {}),
                "data_files": [{"split": "train", "path": list(c.files)}],
            }
            for c in configs
        ],
        **extra,
    )
    infos = DatasetInfosDict()
    for c in configs:
        splits = SplitDict()
        splits.add(SplitInfo(name="train", num_bytes=c.num_bytes, num_examples=c.num_examples))
        infos[c.name] = DatasetInfo(
            features=Features.from_arrow_schema(c.schema),
            splits=splits,
            download_size=c.download_size,
            dataset_size=c.num_bytes,
        )
    infos.to_dataset_card_data(data)
    return data


def front_matter(configs: Sequence[Config], license: str = LICENSE) -> dict[str, Any]:
    """The card's YAML front matter as a plain dict (what :func:`card_data` declares)."""
    return card_data(configs, license).to_dict()


def default_configs(
    data: tuple[Sequence[str], int, int, int], manifest: tuple[Sequence[str], int, int, int]
) -> list[Config]:
    """The two configs of the contract from ``(files, num_examples, num_bytes,
    download_size)`` of the data and the manifest shards."""
    return [
        Config("default", DATA_SCHEMA, *data),
        Config("manifest", MANIFEST_SCHEMA, *manifest),
    ]


LICENSE_TEXT = """# Licence of the texts

The documents of this dataset are yearly rule-of-law work reports published by Chinese
government departments on their own sites, collected from those sites and from sites that
reposted them. They are reproduced as published (cleaned of web-page chrome and
advertising, see the dataset card), with the source of every document in the `source`
column.

No single open licence covers them: check the terms of the issuing body or the source site
before redistributing or using them beyond research. The code that built the dataset
(lawrpt_corpus) is licensed under Apache-2.0; that licence does not extend to the texts.
"""


def _table(rows: Sequence[tuple[Any, Any]], head: tuple[str, str]) -> str:
    lines = [f"| {head[0]} | {head[1]} |", "|---|---|"]
    lines += [f"| {_cell(a)} | {_cell(b)} |" for a, b in rows]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _dist(counts: dict[str, int], head: tuple[str, str], limit: int = 15) -> str:
    """The largest ``counts`` as a table whose header says what is counted."""
    if not counts:
        return "_none_"
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return _table(rows, head)


def _removals(counts: dict[str, int], chars: dict[str, int], limit: int = 40) -> str:
    if not counts:
        return "_none_"
    rules = sorted(counts, key=lambda r: (-counts[r], r))[:limit]
    lines = ["| rule | removals (spans cut) | characters removed |", "|---|---|---|"]
    lines += [f"| {_cell(r)} | {counts[r]} | {chars.get(r, 0)} |" for r in rules]
    return "\n".join(lines)


def render(data: DatasetCardData, summary: dict[str, Any]) -> str:
    """The whole card (README.md): ``data`` from :func:`card_data`, ``summary`` the
    build.json content. Links only to files of the dataset folder."""
    from huggingface_hub import DatasetCard

    counts = summary["counts"]
    steps = summary["pipeline"]
    license = data.license
    step_lines = []
    for i, step in enumerate(steps, 1):
        params = ", ".join(f"`{k}={v}`" for k, v in step["params"].items()) or "no parameters"
        step_lines.append(f"{i}. **{step['name']}** v{step['version']}: {params}")
    rejected = counts.get("rejected_by_reason", {})
    removals = counts.get("removals_by_rule", {})
    dist = summary.get("distributions", {})
    parts = [
        f"# {PRETTY_NAME}\n",
        "Yearly rule-of-law work reports (法治政府建设年度报告, 法治建设工作总结 and similar) of "
        "Chinese government departments, collected from government sites, repost sites and "
        "document-sharing sites, then decoded, normalised to GB/T 15834 typography and "
        "simplified script, cleaned of advertising and web-page chrome (every removal is "
        "kept in the `removed` column), annotated with metadata and deduplicated by "
        f"lawrpt_corpus {summary['versions']['lawrpt_corpus']}.\n",
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
        _dist(rejected, ("reason", "inputs")),
        "\n### Removals by rule\n",
        _removals(removals, counts.get("removed_chars_by_rule", {})),
        "\n### Years\n",
        _dist(dist.get("year", {}), ("year", "documents")),
        "\n### Provinces\n",
        _dist(dist.get("province", {}), ("province", "documents")),
        "\n### Administrative levels\n",
        _dist(dist.get("admin_level", {}), ("level", "documents")),
        "\n### Input encodings\n",
        _dist(dist.get("encoding", {}), ("codec", "inputs decoded")),
        "\n### Input formats\n",
        _dist(dist.get("format", {}), ("format", "inputs")),
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
        "repeated lines are listed in `build.json`.\n",
        (
            "- Texts are as published by the issuing bodies; check the source site's terms "
            f"before redistribution (license `other`: [{LICENSE_FILE}]({LICENSE_FILE})).\n"
            if license == "other"
            else f"- Declared licence: `{license}` (chosen by whoever built this dataset).\n"
        ),
    ]
    body = "\n".join(parts)
    return str(DatasetCard(f"---\n{data.to_yaml()}\n---\n\n{body}"))
