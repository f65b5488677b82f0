"""docs/architecture.md's "Writing a step" example runs as written (its asserts included),
so a newcomer who copies it gets a working step."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "architecture.md"


def _example() -> str:
    section = DOC.read_text(encoding="utf-8").split("## Writing a step", 1)[1]
    blocks = re.findall(r"```python\n(.*?)```", section.split("\n## ", 1)[0], flags=re.S)
    assert len(blocks) == 1, "the section holds one python example"
    return blocks[0]


def test_the_add_a_step_example_runs_and_its_checks_hold() -> None:
    code = _example()
    assert "assert" in code and "Pipeline(" in code
    module = types.ModuleType("architecture_example")  # dataclasses look their module up
    sys.modules[module.__name__] = module
    try:
        exec(compile(code, str(DOC), "exec"), module.__dict__)  # our own documentation
    finally:
        del sys.modules[module.__name__]
    assert {"FoldFullwidthSpace", "FlagLongest", "pipe"} <= module.__dict__.keys()
