"""The ``src`` folder of another revision, for benchmarks that compare two trees.

``export_src(rev, where)`` writes ``git archive REV src`` under ``where`` and returns the
``src`` folder; ``baseline_src(arg, where)`` takes either such a folder (used as it is) or a
git revision (exported). The benchmark then runs its child processes with
``PYTHONPATH=<that src>``, so the baseline imports its own package and nothing of this tree.
"""

from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def export_src(rev: str, where: Path) -> Path:
    """``src`` of git revision ``rev`` of this repository, extracted under ``where``
    (created if missing); returns ``where / "src"``. Raises ``CalledProcessError`` when
    ``rev`` is not a revision."""
    where.mkdir(parents=True, exist_ok=True)
    tar = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", rev, "src"],
        check=True,
        capture_output=True,
    ).stdout
    path = where / "baseline.tar"
    path.write_bytes(tar)
    with tarfile.open(path) as tf:
        tf.extractall(where, filter="data")
    path.unlink()
    return where / "src"


def baseline_src(arg: str, where: Path) -> Path:
    """``arg`` when it is a folder holding the package (a ``src`` of another revision),
    else the ``src`` of git revision ``arg`` exported under ``where``."""
    folder = Path(arg)
    if (folder / "lawrpt_corpus").is_dir():
        return folder
    return export_src(arg, where)
