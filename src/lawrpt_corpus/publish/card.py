"""The dataset card (README.md of the dataset folder): YAML front matter + prose.

The front matter declares both configs with explicit ``data_files``, the features of each
(as ``datasets`` writes them for the Arrow schema) and split sizes that match the files, so
``datasets.load_dataset(folder)`` and the Hub read exactly what was written. Written with
our own code and PyYAML, byte for byte what ``huggingface_hub``'s ``DatasetCard`` and
``datasets``' ``DatasetInfosDict`` give (tests/publish/test_card.py compares them):
importing those two libraries was about a second of every build.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from .schema import DATA_SCHEMA, MANIFEST_SCHEMA

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


#: Arrow type names whose ``datasets`` dtype differs (``Value`` dtypes, ``datasets.features``).
_DTYPE_NAMES = {"float": "float32", "double": "float64", "halffloat": "float16"}


@functools.lru_cache(maxsize=1)
def _list_key() -> str:
    """How the installed ``datasets`` names a list of values in YAML: ``list`` (4 and
    later: ``List``), ``sequence`` before 4 (``Sequence``; a list of structs is ``list``
    in both). Read from the package's metadata, without importing it: the card declares
    the features the reader's ``datasets`` infers from the shards, as it did when the card
    was built with ``datasets`` itself."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        major = int(version("datasets").split(".", 1)[0])
    except (PackageNotFoundError, ValueError):
        return "list"
    return "list" if major >= 4 else "sequence"


def _feature(t: pa.DataType) -> dict[str, Any]:
    """One Arrow type as a ``datasets`` feature in YAML form (``Features._to_yaml_list``).

    Values are ``{"dtype": name}``; lists ``{"list": inner}`` (``{"sequence": inner}`` with
    ``datasets`` < 4, :func:`_list_key`) with the inner value's dtype name, or its fields
    when it is a struct (always ``list``); structs ``{"struct": [fields]}``. ``TypeError``
    for types the dataset contract does not use (maps, dictionaries, fixed-size lists, ...)
    rather than a guess ``load_dataset`` could read differently.
    """
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        inner = _feature(t.value_type)
        if list(inner) == ["struct"]:
            return {"list": inner["struct"]}
        key = _list_key()
        if list(inner) == ["dtype"]:
            return {key: inner["dtype"]}
        return {key: inner}
    if pa.types.is_struct(t):
        return {"struct": [{"name": f.name, **_feature(f.type)} for f in t]}
    if (
        pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_integer(t)
        or pa.types.is_floating(t)
        or pa.types.is_boolean(t)
    ):
        name = str(t)
        return {"dtype": _DTYPE_NAMES.get(name, name)}
    raise TypeError(f"no dataset-card feature for Arrow type {t}")


def features_yaml(schema: pa.Schema) -> list[dict[str, Any]]:
    """The ``features`` list of a config in the card's ``dataset_info``, as the installed
    ``datasets`` writes it for ``Features.from_arrow_schema(schema)``: one
    ``{"name": column, ...}`` per column, in order (tests compare it with ``datasets``)."""
    return [{"name": f.name, **_feature(f.type)} for f in schema]


def card_data(configs: Sequence[Config], license: str = LICENSE) -> dict[str, Any]:
    """The card's YAML front matter, as a dict in the order it is written.

    The keys and their order are those of ``huggingface_hub.DatasetCardData`` filled with
    the same values; ``configs`` and ``data_files`` name each config's files explicitly;
    ``dataset_info`` lists the configs by name, each with its features
    (:func:`features_yaml`) and split sizes, as ``datasets``'
    ``DatasetInfosDict.to_dataset_card_data`` writes them, so ``load_dataset`` reads back
    exactly the declared features and sizes. ``license: other`` comes with
    ``license_name`` and ``license_link`` (the folder's ``LICENSE.md``), as the Hub asks.
    Built with our own code: importing ``datasets`` and ``huggingface_hub`` for it cost
    about a second of every build (tests check the result against both libraries).
    """
    check_license(license)
    default = configs[0]
    data: dict[str, Any] = {
        "language": ["zh"],
        "license": license,
        "size_categories": [size_category(default.num_examples)],
        "task_categories": ["text-generation"],
        "pretty_name": PRETTY_NAME,
        "tags": ["legal", "government", "chinese", "rule-of-law", "lawrpt_corpus"],
        "configs": [
            {
                "config_name": c.name,
                **({"default": True} if c is default else {}),
                "data_files": [{"split": "train", "path": list(c.files)}],
            }
            for c in configs
        ],
    }
    if license == "other":
        data["license_name"] = LICENSE_NAME
        data["license_link"] = LICENSE_FILE
    infos = {
        c.name: {
            "features": features_yaml(c.schema),
            "splits": [{"name": "train", "num_bytes": c.num_bytes, "num_examples": c.num_examples}],
            "download_size": c.download_size,
            "dataset_size": c.num_bytes,
        }
        for c in configs
    }
    if len(infos) == 1:
        ((name, info),) = infos.items()
        data["dataset_info"] = info if name == "default" else {"config_name": name, **info}
    else:
        data["dataset_info"] = [{"config_name": n, **infos[n]} for n in sorted(infos)]
    return data


def front_matter(configs: Sequence[Config], license: str = LICENSE) -> dict[str, Any]:
    """The card's YAML front matter as a plain dict (what :func:`card_data` declares)."""
    return card_data(configs, license)


def to_yaml(data: dict[str, Any]) -> str:
    """``data`` as the card's YAML block, as ``huggingface_hub`` dumps card data."""
    import yaml

    return str(yaml.dump(data, sort_keys=False, allow_unicode=True)).strip()


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


def render(data: dict[str, Any], summary: dict[str, Any]) -> str:
    """The whole card (README.md): ``data`` from :func:`card_data`, ``summary`` the
    build.json content. Links only to files of the dataset folder. The same text as
    ``str(huggingface_hub.DatasetCard(...))`` of it (tests check), without importing it."""
    counts = summary["counts"]
    steps = summary["pipeline"]
    license = data["license"]
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
    return f"---\n{to_yaml(data)}\n---\n\n{body}"
