"""The command line as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lawrpt_corpus.cli import main


def test_build_defaults_to_bundled_seeds(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["build", "--workers", "1"]) == 0
    out = tmp_path / "build" / "lawrpt-corpus"
    summary = json.loads((out / "build.json").read_text(encoding="utf-8"))
    assert summary["counts"]["inputs"] == 5
    printed = capsys.readouterr().out
    assert "inputs" in printed and "kept" in printed


def test_existing_output_without_overwrite_exits_2(tmp_path: Path, capsys, seeds_dir) -> None:
    out = tmp_path / "o"
    out.mkdir()
    assert main(["build", str(seeds_dir), "--out", str(out), "-q"]) == 2
    assert "--overwrite" in capsys.readouterr().err


def test_missing_input_exits_2_with_one_line(tmp_path: Path, capsys) -> None:
    assert main(["build", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and len(err.splitlines()) == 1


def test_bad_worker_count_exits_2(tmp_path: Path) -> None:
    assert main(["build", "--workers", "0", "--out", str(tmp_path / "o")]) == 2


@pytest.mark.slow
def test_module_entry_point_help_lists_every_option() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "lawrpt_corpus", "build", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for opt in ("--out", "--workers", "--glob", "--max-bytes", "--overwrite", "--quiet"):
        assert opt in out


def test_progress_is_silent_when_stderr_is_not_a_terminal(tmp_path: Path, capsys, seeds_dir):
    assert main(["build", str(seeds_dir), "--out", str(tmp_path / "o"), "-w", "1"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "kept" in captured.out


def test_progress_callback_sees_every_stage(tmp_path: Path, seeds_dir) -> None:
    from lawrpt_corpus import build

    seen: dict[str, int] = {}

    def progress(stage: str, done: int) -> None:
        seen[stage] = max(done, seen.get(stage, 0))

    build([seeds_dir], tmp_path / "o", workers=1, progress=progress)
    assert seen["documents"] == 5 and seen["write"] == 5
    assert any(stage.startswith("fit:") for stage in seen)


def test_default_output_is_replaced_so_the_quick_start_can_be_rerun(
    tmp_path: Path, monkeypatch, seeds_dir
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["build", str(seeds_dir), "-q", "-w", "1"]) == 0
    assert main(["build", str(seeds_dir / "000_42b881255f21474b.txt"), "-q", "-w", "1"]) == 0
    summary = json.loads((tmp_path / "build" / "lawrpt-corpus" / "build.json").read_text("utf-8"))
    assert summary["counts"]["inputs"] == 1


def test_no_site_repeat_keeps_the_lines_a_site_repeats_on_its_own_pages(tmp_path: Path) -> None:
    src = tmp_path / "pages.jsonl"
    own = "专题栏目 | 政务公开 | 互动交流"  # a site's own line that no rule names
    reports = [
        "2021年，我局扎实推进依法行政，全年办理行政复议案件十二件，依法公开政府信息四百余条。",
        "今年以来，本委健全重大行政决策程序，组织法治培训六次，培训执法人员三百余人次。",
        "本年度，市场监管部门开展双随机抽查，检查市场主体九百户，立案查处违法案件八十起。",
        "我办聚焦营商环境，清理规范性文件五十件，废止九件，修改十四件，群众满意度持续提升。",
    ]
    with src.open("w", encoding="utf-8") as fh:
        for i, body in enumerate(reports):
            rec = {"text": f"{own}\n{body}", "url": f"https://www.example.gov.cn/{i}.html"}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")

    def texts(*flags: str) -> list[str]:
        out = tmp_path / ("out" + "".join(flags))
        assert main(["build", str(src), "--out", str(out), "--workers", "1", "-q", *flags]) == 0
        steps = json.loads((out / "build.json").read_text(encoding="utf-8"))["pipeline"]
        assert ("site-repeat" in [s["name"] for s in steps]) is not bool(flags)
        import pyarrow.parquet as pq

        return [
            t
            for f in sorted((out / "data").glob("*.parquet"))
            for t in pq.read_table(f)["text"].to_pylist()
        ]

    assert all(own not in t for t in texts())
    assert all(t.startswith(own) for t in texts("--no-site-repeat"))


@pytest.mark.parametrize("engine", ["local", "ray"])
def test_ctrl_c_before_any_chunk_says_what_the_engine_keeps(
    tmp_path: Path, monkeypatch, capsys, seeds_dir, engine: str
) -> None:
    """Ctrl-C during a build: exit 130 and one line. The local engine had not saved a
    checkpoint chunk yet; a Ray build never checkpoints, so its line says that (not "before
    the first checkpoint") and offers no ``--resume``."""
    if engine == "ray":
        pytest.importorskip("ray")
    from lawrpt_corpus import cli

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build", interrupted)
    out = tmp_path / "out"
    code = main(["build", str(seeds_dir), "--out", str(out), "--engine", engine, "-q"])
    assert code == 130
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(lines) == 1
    if engine == "ray":
        assert "keeps no checkpoint" in lines[0] and "run the same command again" in lines[0]
        assert "--resume" not in lines[0] and "first checkpoint" not in lines[0]
    else:
        assert lines[0] == "interrupted before the first checkpoint; nothing was written"
