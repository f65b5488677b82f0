"""The Ray engine refuses ``--resume`` in one line that names the resumable alternative
(the local engine's checkpoints), before any input is read or anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from lawrpt_corpus.cli import main

pytestmark = pytest.mark.ray


def test_cli_resume_with_ray_engine_exits_2_naming_the_local_engine(
    tmp_path: Path, seeds_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("ray")
    out = tmp_path / "o"
    argv = ["build", str(seeds_dir), "--engine", "ray", "--resume", "--out", str(out), "-q"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: --resume")
    assert "--engine local" in err
    assert not out.exists()


def test_ray_engine_refuses_resume_naming_the_local_engine(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    from lawrpt_corpus.engines.ray_engine import RayEngine
    from lawrpt_corpus.pipeline import Pipeline

    engine = RayEngine(workers=1)
    with pytest.raises(ValueError, match=r"--engine local") as exc:
        engine.write_dataset(Pipeline([]), iter([]), None, None, resume=True)
    assert "\n" not in str(exc.value)
    with pytest.raises(ValueError, match=r"--engine local"):
        list(engine.run(Pipeline([]), iter([]), resume=True))
