"""Packaging basics: one version, a typed package, a licence, the console script (#20 item 4)."""

from __future__ import annotations

import email
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

import lawrpt_corpus
from lawrpt_corpus.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_version_flag_prints_the_package_version(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.split() == [
        "python",
        "-m",
        "lawrpt_corpus",
        lawrpt_corpus.__version__,
    ]


def test_help_names_the_console_script_when_run_as_it(monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "argv", ["/somewhere/bin/lawrpt-corpus", "--help"])
    with pytest.raises(SystemExit):
        main(["--help"])
    assert capsys.readouterr().out.startswith("usage: lawrpt-corpus ")
    monkeypatch.setattr(sys, "argv", ["/x/lawrpt_corpus/__main__.py", "--help"])
    with pytest.raises(SystemExit):
        main(["build", "--help"])
    assert capsys.readouterr().out.startswith("usage: python -m lawrpt_corpus build ")


def test_pyproject_declares_licence_version_source_and_script() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    project = meta["project"]
    assert project["license"] == "Apache-2.0"  # PEP 639 expression, no licence classifier
    assert project["license-files"] == ["LICENSE"]
    assert not [c for c in project["classifiers"] if c.startswith("License ::")]
    assert "version" not in project and project["dynamic"] == ["version"]
    assert meta["tool"]["hatch"]["version"]["path"] == "src/lawrpt_corpus/_version.py"
    assert project["scripts"]["lawrpt-corpus"] == "lawrpt_corpus.cli:main"
    assert "Apache License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert (ROOT / "src" / "lawrpt_corpus" / "py.typed").exists()


@pytest.mark.slow
def test_wheel_carries_version_licence_typing_seeds_and_script(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    (wheel,) = tmp_path.glob("lawrpt_corpus-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        info = f"lawrpt_corpus-{lawrpt_corpus.__version__}.dist-info"
        metadata = email.message_from_bytes(zf.read(f"{info}/METADATA"))
        entry_points = zf.read(f"{info}/entry_points.txt").decode()
    assert metadata["Version"] == lawrpt_corpus.__version__
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata["License-File"] == "LICENSE"
    assert f"{info}/licenses/LICENSE" in names
    assert "lawrpt_corpus/py.typed" in names
    assert "lawrpt_corpus/publish/assets/plotly-basic.min.js" in names  # the report needs it
    assert any(n.startswith("lawrpt_corpus/_seeds/") for n in names)
    assert "lawrpt-corpus = lawrpt_corpus.cli:main" in entry_points
