"""Generate the parameter table of docs/ODD.md from ``sim.parameters`` (so the doc stays true).

    python -m sim.docs            print the table
    python -m sim.docs --write    replace the table between the markers in docs/ODD.md
"""

from __future__ import annotations

import sys
from pathlib import Path

from .parameters import (
    CROSSING_SPECS,
    GLOBAL_SPECS,
    INDIA_SPECS,
    INITIAL_GLOBAL_SPECS,
    INITIAL_STATE_SPECS,
    MEDIATOR_SPECS,
    STATE_SPECS,
    TTP_SPECS,
    Spec,
)

BEGIN, END = "<!-- parameters:begin -->", "<!-- parameters:end -->"


def _rows(prefix: str, specs: dict[str, Spec]) -> list[str]:
    rows = []
    for key, spec in specs.items():
        if spec.numeric:
            lo = "" if spec.low is None else f"{spec.low:g}"
            hi = "" if spec.high is None else f"{spec.high:g}"
            allowed = f"[{lo}, {hi}]"
            default = f"{spec.default:g}" if isinstance(spec.default, float) else str(spec.default)
        else:
            allowed = " / ".join(repr(c) for c in spec.choices) if spec.choices else spec.kind.__name__
            default = repr(spec.default)
        rows.append(f"| `{prefix}{key}` | {spec.unit} | {allowed} | {default} | {spec.source or '-'} |")
    return rows


def parameter_table() -> str:
    head = ["| key | unit | allowed | default | source |", "|---|---|---|---|---|"]
    sections = [
        ("State parties (`[pakistan]`, `[afghanistan]`)", "<party>.", STATE_SPECS),
        ("TTP (`[ttp]`)", "ttp.", TTP_SPECS),
        ("India (`[india]`)", "india.", INDIA_SPECS),
        ("Mediators (`[mediators.<name>]`, any number)", "mediators.<name>.", MEDIATOR_SPECS),
        ("Crossings (`[crossings.<name>]`)", "crossings.<name>.", CROSSING_SPECS),
        ("Global (`[lethality]`, `[mediation]`, `[crossings]`, `[outcome]`)", "", GLOBAL_SPECS),
        ("Initial state of a party (`[initial.<party>]`)", "initial.<party>.", INITIAL_STATE_SPECS),
        ("Initial state, global (`[initial]`)", "initial.", INITIAL_GLOBAL_SPECS),
    ]
    out = []
    for title, prefix, specs in sections:
        out += [f"#### {title}", "", *head, *_rows(prefix, specs), ""]
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str]) -> int:
    table = parameter_table()
    if "--write" not in argv:
        print(table, end="")
        return 0
    path = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"
    text = path.read_text()
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    path.write_text(text[:start] + "\n" + table + text[end:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
