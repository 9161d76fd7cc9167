"""Generate the parts of docs/ODD.md that the code declares, so the description stays true to it.

    python -m sim.docs                        print the generated sections
    python -m sim.docs --write [docs/ODD.md]  replace them between their markers in the file

Five sections are generated: the escalation ladder (``sim.ladder``), the state variables (``sim.state``), the day's phases
(``EscalationModel.PHASES`` and their docstrings), the rules (every rule method's docstring,
actor by actor, and the model's own) and the parameters (``sim.parameters``). A test fails
when docs/ODD.md and the code disagree.
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Callable
from pathlib import Path

from .parameters import (
    CROSSING_SPECS,
    GLOBAL_SPECS,
    INDIA_SPECS,
    INITIAL_GLOBAL_SPECS,
    INITIAL_STATE_SPECS,
    MEDIATOR_SPECS,
    SITE_SPECS,
    STATE_SPECS,
    TTP_SPECS,
    Spec,
)
from .state import MEDIATOR_STATE, PARTY_STATE, TTP_STATE, WORLD_STATE, StateVar

SECTIONS = ("ladder", "state", "phases", "rules", "parameters")


def markers(section: str) -> tuple[str, str]:
    return f"<!-- {section}:begin -->", f"<!-- {section}:end -->"


def _text(doc: str | None) -> str:
    """A docstring as Markdown: dedented, ``literals`` as `code`."""
    return re.sub(r"``([^`]+)``", r"`\1`", inspect.cleandoc(doc or "")).strip()


# ---- parameters -------------------------------------------------------------------------------
def _parameter_rows(prefix: str, specs: dict[str, Spec]) -> list[str]:
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
        ("Disputed sites (`[sites.<name>]`)", "sites.<name>.", SITE_SPECS),
        ("Global (`[lethality]`, `[mediation]`, `[crossings]`, `[outcome]`)", "", GLOBAL_SPECS),
        ("Initial state of a party (`[initial.<party>]`)", "initial.<party>.", INITIAL_STATE_SPECS),
        ("Initial state, global (`[initial]`)", "initial.", INITIAL_GLOBAL_SPECS),
    ]
    out = []
    for title, prefix, specs in sections:
        out += [f"#### {title}", "", *head, *_parameter_rows(prefix, specs), ""]
    return "\n".join(out).rstrip() + "\n"


# ---- the ladder -----------------------------------------------------------------------------------
def ladder_table() -> str:
    from .ladder import Action

    rows = ["| rung | action | CAMEO | Goldstein | kinetic |", "|---|---|---|---|---|"]
    rungs = sorted({a.rung for a in Action} | {0})
    for rung in rungs:
        actions = [a for a in Action if a.rung == rung]
        if not actions:
            rows.append("| 0 | status quo (a day without events) | – | – | – |")
        for a in actions:
            rows.append(f"| {a.rung:+d} | {a.key.replace('_', ' ')} | {a.cameo} | {a.goldstein:+.1f} | "
                        f"{'yes' if a.kinetic else 'no'} |")
    return "\n".join(rows) + "\n"


# ---- state --------------------------------------------------------------------------------------
def _state_rows(declared: tuple[StateVar, ...]) -> list[str]:
    rows = ["| variable | type | unit | initial value | meaning | reported as |",
            "|---|---|---|---|---|---|"]
    for var in declared:
        kind = getattr(var.dtype, "__name__", str(var.dtype))
        shape = "" if var.shape == "lanes" else f" ({var.shape})"
        start = f"`{var.key}`, default {var.default}" if var.key else f"{var.default}"
        if var.daily:
            start += "; reset every day"
        outputs = "; ".join(f"{label} `{name}`" for label, name in (("summary", var.summary), ("series", var.series))
                            if name) or "-"
        rows.append(f"| `{var.name}` | {kind}{shape} | {var.unit} | {start} | {var.meaning} | {outputs} |")
    return rows


def state_tables() -> str:
    entities = [
        ("Pakistan, Afghanistan's Taliban government (`StateActor`)", PARTY_STATE),
        ("The TTP (`MilitantGroup`)", TTP_STATE),
        ("A mediator (`Mediator`)", MEDIATOR_STATE),
        ("The world and the run's records (`EscalationModel`)", WORLD_STATE),
    ]
    out = []
    for title, declared in entities:
        out += [f"#### {title}", "", *_state_rows(declared), ""]
    out += ["India (`OutsideRival`) has no state: its ties with Kabul are a parameter, which a scenario "
            "shock can change. `{actor}` in a summary or series name is the actor's name.", ""]
    return "\n".join(out).rstrip() + "\n"


# ---- phases and rules -------------------------------------------------------------------------------
def phase_list() -> str:
    from .model import EscalationModel

    lines = []
    for i, phase in enumerate(EscalationModel.PHASES, start=1):
        lines.append(f"{i}. **`{phase.__name__}`** – " + _text(phase.__doc__).replace("\n", "\n   "))
    return "\n".join(lines) + "\n"


def rule_methods(cls: type) -> list[tuple[str, Callable]]:
    """The public methods a class defines itself, in source order (its rules)."""
    members = [(name, value) for name, value in vars(cls).items()
               if inspect.isfunction(value) and not name.startswith("_")]
    return sorted(members, key=lambda item: inspect.getsourcelines(item[1])[1])


def rules_text() -> str:
    from .agents import Actor, Mediator, MilitantGroup, OutsideRival, StateActor
    from .model import EscalationModel

    phases = {phase.__name__ for phase in EscalationModel.PHASES}
    blocks = []
    for cls in (Actor, StateActor, MilitantGroup, OutsideRival, Mediator, EscalationModel):
        blocks += [f"#### `{cls.__name__}`", "", _text(cls.__doc__), ""]
        for name, method in rule_methods(cls):
            if name in phases or name in ("step", "run"):
                continue
            blocks += [f"- **`{cls.__name__}.{name}`** – {_indent(_text(method.__doc__))}"]
        blocks.append("")
    return "\n".join(blocks).rstrip() + "\n"


def _indent(text: str) -> str:
    return text.replace("\n", "\n  ")


GENERATORS: dict[str, Callable[[], str]] = {"ladder": ladder_table, "state": state_tables, "phases": phase_list, "rules": rules_text,
                                            "parameters": parameter_table}


def regenerate(text: str) -> str:
    """``text`` (docs/ODD.md) with every generated section replaced by what the code says now."""
    for section, generate in GENERATORS.items():
        begin, end = markers(section)
        start, stop = text.index(begin) + len(begin), text.index(end)
        text = text[:start] + "\n" + generate() + text[stop:]
    return text


def main(argv: list[str]) -> int:
    if "--write" not in argv:
        for section, generate in GENERATORS.items():
            print(f"<!-- {section} -->\n{generate()}")
        return 0
    rest = [a for a in argv if a != "--write"]
    path = Path(rest[0] if rest else "docs/ODD.md")
    if not path.is_file():
        print(f"sim.docs: {path}: no such file; --write regenerates the marked sections of an existing ODD",
              file=sys.stderr)
        return 2
    try:
        path.write_text(regenerate(path.read_text(encoding="utf-8")), encoding="utf-8")
    except ValueError:  # a marker missing
        print(f"sim.docs: {path}: the generated sections' markers are missing", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
