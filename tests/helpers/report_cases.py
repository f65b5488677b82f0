"""Fixed build summaries for the report's chart tests, and the chart payloads of a page.

``golden_report_charts.json`` (tests/publish/data) holds, for each case, every chart's
``[data, layout, config]`` as the page of commit bfb02f8 wrote them (figures built with
``plotly.graph_objects``, written by ``plotly.io.to_html``). Regenerate it only for an
intended change of a chart: ``PYTHONPATH=<that src> python -m tests.helpers.report_cases``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).resolve().parents[1] / "publish" / "data" / "golden_report_charts.json"
_EVIL = "<img src=x onerror=alert(1)>"


def cases() -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """``{name: (summary, aggregates)}``: every chart's branches (bars, vertical bars,
    width as a table or a histogram, empty charts, escaping, long labels, float timings)."""
    rules = {
        "chrome.nav": 40,
        "chrome.footer": 12,
        "repeated-lines": 9,
        "templates.span": 3,
        "hygiene.zero-width": 7,
        "typography.width": 5,
        _EVIL: 1,
        "x" * 80: 2,
    }
    rich = {
        "counts": {
            "inputs": 120,
            "kept": 90,
            "duplicates": 20,
            "rejected": 10,
            "rejected_by_reason": {"too-short": 6, "error:decode": 3, "boilerplate-only": 1},
            "removals_by_rule": rules,
            "removed_chars_by_rule": {r: n * 17 for r, n in rules.items()},
            "chars_in": 1_234_567,
            "chars_out": 1_100_000,
        },
        "distributions": {
            "encoding": {"utf-8": 100, "gb18030": 15, "utf-16-le": 2},
            "script": {"simplified": 85, "traditional": 5},
            "year": {"2021": 30, "2022": 40, "2023": 20},
            "province": {f"省{i}": 30 - i for i in range(30)},
            "admin_level": {"province": 10, "city": 50, "county": 30},
            "doc_type": {"annual_report": 88, "other": 2},
        },
        "corpus": {
            "lines": {
                "candidates": [{"line": f"行{i} 网站地图", "docs": 50 - i} for i in range(30)]
            }
        },
        "timings": {
            "documents": 12.5,
            "fit:dedup": 0.30000000000000004,
            "write": 1.0,
            "total": 14.2,
        },
    }
    lengths = [float(1000 + (i * 7919) % 30000) for i in range(400)]
    widths = [((i * 37) % 100) / 100 for i in range(300)]
    clusters = [
        {
            "id": f"{i:016x}",
            "source": "" if i == 3 else f"site{i}/report.txt",
            "members": [{"source": f"mirror{j}.txt", "reason": "exact"} for j in range(i % 4 + 1)],
        }
        for i in range(30)
    ]
    as_table = dict(
        rich, distributions={**rich["distributions"], "width_profile": {"half": 3, "full": 80}}
    )
    empty_agg = {"lengths": [], "widths": [], "clusters": []}
    return {
        "rich": (rich, {"lengths": lengths, "widths": widths, "clusters": clusters}),
        "width-table": (as_table, {"lengths": [5.0], "widths": [], "clusters": clusters[:1]}),
        "timings-no-total": ({"timings": {"documents": 1.5}}, empty_agg),
        "empty": ({}, empty_agg),
    }


def chart_payloads(page: str) -> dict[str, list[Any]]:
    """``{chart element id: [data, layout, config]}`` of every ``Plotly.newPlot`` call."""
    out: dict[str, list[Any]] = {}
    dec = json.JSONDecoder()
    for m in re.finditer(r'Plotly\.newPlot\(\s*"(chart-[^"]+)",\s*', page):
        pos, values = m.end(), []
        for _ in range(3):
            value, pos = dec.raw_decode(page, pos)
            values.append(value)
            while page[pos] in ", ":
                pos += 1
        out[m.group(1)] = values
    return out


def main() -> int:
    from lawrpt_corpus.publish.report import render

    golden = {name: chart_payloads(render(*case)) for name, case in cases().items()}
    GOLDEN.write_text(json.dumps(golden, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
