"""Regenerate docs/img/inspect.png from a real ``inspect`` render of a seed.

    PYTHONPATH=src python scripts/make_inspect_png.py [SEED] [--out docs/img/inspect.png]
        [--height 1300]

Traces SEED (default ``seeds/000_42b881255f21474b.txt``) with ``default_pipeline()`` exactly
as ``python -m lawrpt_corpus inspect SEED`` does, records the rich console output as HTML
(``Console.export_html``, the terminal's colours inlined) and screenshots the top
``--height`` CSS pixels of it in headless Chromium, with the driver the report test uses
(``tests/helpers/browser.py``; needs Debian's ``chromium`` and ``websocket-client``).
Nothing is cut or edited by hand: the picture is the command's output.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("seed", nargs="?", default=str(ROOT / "seeds/000_42b881255f21474b.txt"))
    ap.add_argument("--out", type=Path, default=ROOT / "docs/img/inspect.png")
    ap.add_argument("--height", type=float, default=1300)
    ap.add_argument("--width", type=int, default=120, help="terminal columns")
    args = ap.parse_args()

    from rich.console import Console

    from lawrpt_corpus.defaults import default_pipeline
    from lawrpt_corpus.inspect import read_input, render_trace, trace_input

    sys.path.insert(0, str(ROOT))
    from tests.helpers.browser import Browser, find_chromium

    binary = find_chromium()
    if binary is None:
        print("error: no chromium on PATH", file=sys.stderr)
        return 2
    doc = read_input(args.seed, None, 64 << 20)
    seed = Path(args.seed).name
    result = trace_input(doc, default_pipeline(), input_info={"path": seed, "rules": []})
    console = Console(
        record=True,
        width=args.width,
        highlight=False,
        force_terminal=True,
        file=io.StringIO(),
    )
    render_trace(result, console)
    page = console.export_html(inline_styles=True)
    page = page.replace("<body>", '<body style="background:#1e1e1e;color:#ddd;margin:12px">', 1)
    with tempfile.TemporaryDirectory() as tmp:
        html = Path(tmp) / "inspect.html"
        html.write_text(page, encoding="utf-8")
        browser = Browser(binary, width=1100, height=1000)
        try:
            browser.open(html.as_uri())
            browser.wait_for("document.readyState === 'complete'")
            browser.screenshot(args.out, height=args.height)
        finally:
            browser.close()
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
