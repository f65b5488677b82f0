"""The dataset card is built from huggingface_hub / datasets types (#20 item 2)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import datasets
import pyarrow as pa
import pytest
from huggingface_hub import DatasetCard

from lawrpt_corpus import build
from lawrpt_corpus.cli import main
from lawrpt_corpus.publish import card
from lawrpt_corpus.publish.report import figures, read_aggregates
from lawrpt_corpus.publish.schema import DATA_SCHEMA, MANIFEST_SCHEMA


@pytest.fixture(scope="module")
def seeds_build(tmp_path_factory, seeds_dir) -> Path:
    out = tmp_path_factory.mktemp("card") / "out"
    build([seeds_dir, seeds_dir / "000_42b881255f21474b.txt"], out, workers=1)
    return out


def test_card_yaml_declares_features_as_datasets_writes_them(seeds_build: Path) -> None:
    card = DatasetCard.load(seeds_build / "README.md")
    infos = {i["config_name"]: i for i in card.data.dataset_info}
    for name, schema in (("default", DATA_SCHEMA), ("manifest", MANIFEST_SCHEMA)):
        declared = datasets.Features._from_yaml_list(infos[name]["features"])
        assert declared == datasets.Features.from_arrow_schema(schema)


def test_split_sizes_are_the_ones_datasets_computes(seeds_build: Path) -> None:
    card = DatasetCard.load(seeds_build / "README.md")
    infos = {i["config_name"]: i for i in card.data.dataset_info}
    for name, rows in (("default", 5), ("manifest", 6)):
        loaded = datasets.load_dataset(str(seeds_build), name, split="train")
        declared = infos[name]
        (split,) = declared["splits"]
        assert split["num_examples"] == rows == loaded.num_rows
        assert split["num_bytes"] == loaded.info.splits["train"].num_bytes
        assert declared["dataset_size"] == loaded.info.dataset_size
        assert declared["download_size"] == loaded.info.download_size
        folder = "data" if name == "default" else "manifest"
        files = sum(p.stat().st_size for p in (seeds_build / folder).glob("*.parquet"))
        assert declared["download_size"] == files


def test_license_other_has_name_and_a_link_that_exists(seeds_build: Path) -> None:
    data = DatasetCard.load(seeds_build / "README.md").data
    assert data.license == "other"
    assert data.license_name and data.license_link == "LICENSE.md"
    assert "Apache-2.0" in (seeds_build / "LICENSE.md").read_text(encoding="utf-8")


def test_card_has_no_dead_links(seeds_build: Path) -> None:
    text = (seeds_build / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    assert targets  # report.html, LICENSE.md
    for target in targets:
        assert "://" not in target, target  # nothing outside the folder to go stale
        assert (seeds_build / target.split("#")[0]).exists(), target


def test_removals_table_says_what_it_counts(seeds_build: Path) -> None:
    text = (seeds_build / "README.md").read_text(encoding="utf-8")
    section = text.split("### Removals by rule", 1)[1].split("###", 1)[0]
    assert "| rule | removals (spans cut) | characters removed |" in section
    assert "documents" not in section


def test_license_flag_sets_the_card_licence(tmp_path: Path, seeds_dir: Path, capsys) -> None:
    out = tmp_path / "out"
    assert main(["build", str(seeds_dir), "--out", str(out), "--license", "cc-by-4.0", "-q"]) == 0
    data = DatasetCard.load(out / "README.md").data
    assert data.license == "cc-by-4.0"
    assert "license_name" not in data.to_dict() and not (out / "LICENSE.md").exists()
    assert main(["build", str(seeds_dir), "--out", str(tmp_path / "o2"), "--license", "CC BY"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: --license 'CC BY'")


def test_width_chart_is_labelled_as_the_share_it_plots(seeds_build: Path) -> None:
    import json

    summary = json.loads((seeds_build / "build.json").read_text(encoding="utf-8"))
    agg = read_aggregates(seeds_build)
    fig = figures(summary, agg)["width"]
    title = fig["layout"]["title"]["text"]
    assert "half-width" in title and "full-width forms" not in title
    # the value is the width_profile column: 1.0 for the NFKC-folded seeds (half-width)
    assert sorted(agg["widths"])[-1] == pytest.approx(1.0)


def _card_by_the_libraries(configs: list[card.Config], license: str, body: str) -> str:
    """The card as ``huggingface_hub`` and ``datasets`` write it (how card.py did until
    session 19): the oracle of the card's own writer."""
    from datasets import DatasetInfo, Features, SplitDict, SplitInfo
    from datasets.info import DatasetInfosDict
    from huggingface_hub import DatasetCardData

    extra = {"license_name": card.LICENSE_NAME, "license_link": card.LICENSE_FILE}
    default = configs[0]
    data = DatasetCardData(
        language=["zh"],
        license=license,
        pretty_name=card.PRETTY_NAME,
        task_categories=["text-generation"],
        size_categories=[card.size_category(default.num_examples)],
        tags=["legal", "government", "chinese", "rule-of-law", "lawrpt_corpus"],
        configs=[
            {
                "config_name": c.name,
                **({"default": True} if c is default else {}),
                "data_files": [{"split": "train", "path": list(c.files)}],
            }
            for c in configs
        ],
        **(extra if license == "other" else {}),
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
    return str(DatasetCard(f"---\n{data.to_yaml()}\n---\n\n{body}"))


@pytest.mark.parametrize("license", ["other", "cc-by-4.0"])
@pytest.mark.parametrize("n", [0, 5, 12_345, 2_000_000])
def test_card_is_byte_for_byte_what_hub_and_datasets_write(
    license: str, n: int, seeds_build: Path
) -> None:
    configs = card.default_configs(
        ([f"data/train-{i:05d}-of-00002.parquet" for i in range(2)], n, 7 * n + 1, 3 * n + 2),
        (["manifest/train-00000-of-00001.parquet"], n + 3, n + 9, n + 4),
    )
    summary = json.loads((seeds_build / "build.json").read_text(encoding="utf-8"))
    ours = card.render(card.card_data(configs, license=license), summary)
    body = ours.split("\n---\n\n", 1)[1]
    assert ours == _card_by_the_libraries(configs, license, body)


@pytest.mark.parametrize(
    "schema",
    [
        DATA_SCHEMA,
        MANIFEST_SCHEMA,
        pa.schema(
            [
                ("b", pa.bool_()),
                ("f64", pa.float64()),
                ("i8", pa.int8()),
                ("u16", pa.uint16()),
                ("ls", pa.large_string()),
                ("nested", pa.list_(pa.list_(pa.int32()))),
                ("s", pa.struct([("a", pa.string()), ("b", pa.list_(pa.string()))])),
            ]
        ),
    ],
)
def test_features_are_what_datasets_writes_for_the_schema(schema: pa.Schema) -> None:
    expected = datasets.Features.from_arrow_schema(schema)._to_yaml_list()
    assert card.features_yaml(schema) == expected
    assert datasets.Features._from_yaml_list(card.features_yaml(schema)) == (
        datasets.Features.from_arrow_schema(schema)
    )


def test_an_arrow_type_the_card_cannot_declare_is_refused() -> None:
    with pytest.raises(TypeError, match="no dataset-card feature"):
        card.features_yaml(pa.schema([("m", pa.map_(pa.string(), pa.int32()))]))
