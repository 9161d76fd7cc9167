"""Shared by the studies: which scenario to use, where to write, and what to record beside results."""

from __future__ import annotations

import copy
import json
import platform
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.batch.store import package_version  # noqa: E402
from sim.io import atomic_write_text  # noqa: E402
from sim.scenario import Scenario, load_scenario, scenario_from_dict  # noqa: E402

SCENARIOS = ROOT / "scenarios"
CALIBRATED = SCENARIOS / "october_2025_calibrated.toml"
UNCALIBRATED = SCENARIOS / "october_2025.toml"


def base_scenario_path(chosen: str | None = None) -> Path:
    """``chosen`` (a calibrated scenario file, e.g. one member of the structural ensemble under
    scenarios/ensemble/), else the calibrated scenario when calibration has been run, else the
    hand-set one (with a warning)."""
    if chosen:
        return Path(chosen)
    if CALIBRATED.is_file():
        return CALIBRATED
    print(f"warning: {CALIBRATED.name} not found; using the uncalibrated {UNCALIBRATED.name}", file=sys.stderr)
    return UNCALIBRATED


def variant(base: Scenario, name: str, description: str, **table_changes: Any) -> Scenario:
    """A what-if built from ``base``'s validated table: dotted keys set, validated again."""
    table = copy.deepcopy(base.table)
    table["scenario"] = {**table.get("scenario", {}), "name": name, "description": description}
    for dotted, value in table_changes.items():
        node = table
        *path, last = dotted.split(".")
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value
    return scenario_from_dict(table, f"{base.source} ({name})", base.posterior_digest)


def what_if(file: str, base_path: Path) -> Scenario:
    """One of the what-if files of scenarios/, applied to ``base_path`` instead of its own base."""
    return load_scenario(SCENARIOS / file, base=base_path)


def metadata(**fields: Any) -> dict[str, Any]:
    return {"version": package_version(), "python": platform.python_version(), "command": " ".join(sys.argv),
            **fields}


def write_json(path: Path, payload: Any) -> Path:
    return atomic_write_text(path, json.dumps(payload, indent=2, default=str) + "\n")
