"""The dataset card is built from huggingface_hub / datasets types (#20 item 2)."""

from __future__ import annotations

import re
from pathlib import Path

import datasets
import pytest
from huggingface_hub import DatasetCard

from lawrpt_corpus import build
from lawrpt_corpus.cli import main
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
    title = fig.layout.title.text
    assert "half-width" in title and "full-width forms" not in title
    # the value is the width_profile column: 1.0 for the NFKC-folded seeds (half-width)
    assert sorted(agg["widths"])[-1] == pytest.approx(1.0)
