"""Start-up: CPU time of ``import lawrpt_corpus`` and of the CLI's ``--help``, and what they load.

    python benchmarks/bench_startup.py [--baseline SRC] [--rounds 7]

Each command runs in a fresh interpreter with ``PYTHONPATH`` set to this tree's ``src`` (and,
with ``--baseline SRC``, the ``src`` folder of another revision, e.g. from ``git archive``),
the revisions alternating round by round so that load from other jobs hits both alike. The
figure is the child's CPU time (user + system, ``RUSAGE_CHILDREN``), the minimum over
``--rounds``; ``python -c pass`` is measured the same way, as the interpreter's own floor.
Also printed: which of the heavy third-party modules (numpy, pyarrow, …) each command
loaded. Figures: docs/performance.md ("Start-up").
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEAVY = ("numpy", "pyarrow", "filelock", "regex", "opencc", "fsspec", "huggingface_hub")
COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "import lawrpt_corpus": ["-c", "import lawrpt_corpus"],
    "python -m lawrpt_corpus --help": ["-m", "lawrpt_corpus", "--help"],
    "python -m lawrpt_corpus build --help": ["-m", "lawrpt_corpus", "build", "--help"],
}
_PROBE = (
    "import runpy, sys\n"
    "sys.argv = {argv!r}\n"
    "try:\n"
    "    {run}\n"
    "except SystemExit:\n"
    "    pass\n"
    "print('LOADED', sorted(m for m in {heavy!r} if m in sys.modules))\n"
)


def cpu_ms(src: str, args: list[str]) -> float:
    """CPU time of one child interpreter running ``args``, in ms."""
    env = {**os.environ, "PYTHONPATH": src}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, *args], env=env, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return 1000 * (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)


def loaded(src: str, args: list[str]) -> list[str]:
    """The heavy modules that running ``args`` leaves in ``sys.modules``."""
    if args[0] == "-m":
        run, argv = f"runpy.run_module({args[1]!r}, run_name='__main__')", args[1:]
    else:
        run, argv = args[1].replace("\n", "; ") or "pass", ["-c"]
    code = _PROBE.format(argv=argv, run=run, heavy=HEAVY)
    env = {**os.environ, "PYTHONPATH": src}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    line = next((x for x in out.stdout.splitlines() if x.startswith("LOADED ")), "LOADED []")
    return list(json.loads(line.removeprefix("LOADED ").replace("'", '"')))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", type=Path, help="src folder of the revision to compare")
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    revisions = {"this tree": str(HERE.parent / "src")}
    if args.baseline:
        revisions["baseline"] = str(args.baseline.resolve())
    best: dict[tuple[str, str], float] = {}
    for _ in range(args.rounds):
        for rev, src in revisions.items():
            for name, cmd in COMMANDS.items():
                ms = cpu_ms(src, cmd)
                best[rev, name] = min(best.get((rev, name), ms), ms)
    for name, cmd in COMMANDS.items():
        cells = "   ".join(f"{rev} {best[rev, name]:6.0f} ms" for rev in revisions)
        print(f"{name:40s} {cells}")
        for rev, src in revisions.items():
            if name != "python -c pass":
                print(f"    {rev:10s} loads {', '.join(loaded(src, cmd)) or 'none of them'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
