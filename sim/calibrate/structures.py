"""Structural alternatives as data: what a structure adds to the main scenario's priors.

A structure file (``scenarios/structures/<name>.toml``, or any path) holds a ``[structure]``
table (``name``, ``description``) and a ``[priors]`` table of the parameters it frees, checked
against the main scenario's parameters like the scenario's own. ``shared`` frees nothing: every
parameter common to all episodes. A parameter a structure does not free keeps its default in
every run of that structure (``crisis.hostility_sd`` = 0: no episode effect). Each structure is
calibrated on the same cases with the same dependence weights, so that their SMC evidences can
be weighed against each other (``sim.calibrate.ensemble``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError
from ..io import read_limited
from ..scenario import NAME_PATTERN, Prior, Scenario, ScenarioError, priors_for

STRUCTURES_DIR = Path(__file__).resolve().parent.parent / "scenarios" / "structures"
DEFAULT_STRUCTURE = "shared"
STRUCTURE_KEYS = ("name", "description")


@dataclass(frozen=True)
class Structure:
    """A structural alternative: its name and the priors it adds to the main scenario's."""

    name: str
    description: str
    source: str
    priors: dict[str, Prior] = field(default_factory=dict)

    def priors_of(self, scenario: Scenario) -> dict[str, Prior]:
        """The main scenario's priors with this structure's added (or replaced)."""
        return {**scenario.priors, **self.priors}


def structure_path(name_or_path: str | Path) -> Path:
    """A shipped structure by name, or a file."""
    shipped = STRUCTURES_DIR / f"{name_or_path}.toml"
    if isinstance(name_or_path, str) and NAME_PATTERN.fullmatch(name_or_path) and shipped.is_file():
        return shipped
    path = Path(name_or_path)
    if not path.is_file():
        names = ", ".join(sorted(p.stem for p in STRUCTURES_DIR.glob("*.toml")))
        raise UsageError(f"--structure {name_or_path}: no such file or shipped structure (shipped: {names})")
    return path


def load_structure(name_or_path: str | Path, scenario: Scenario) -> Structure:
    """Read and check a structure file against ``scenario``'s parameters (one line on any mistake)."""
    path = structure_path(name_or_path)
    source = str(path)
    try:
        data = tomllib.loads(read_limited(path, 1 << 20, "structure file").decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise UsageError(f"{source}: not valid TOML ({err})") from None
    unknown = sorted(set(data) - {"structure", "priors"})
    if unknown:
        raise UsageError(f"{source}: key {unknown[0]!r}: unknown section (allowed: structure, priors)")
    head = data.get("structure")
    if not isinstance(head, dict):
        raise UsageError(f"{source}: key 'structure': expected a table with name and description")
    for key in sorted(set(head) - set(STRUCTURE_KEYS)):
        raise UsageError(f"{source}: key 'structure.{key}': unknown (allowed: {', '.join(STRUCTURE_KEYS)})")
    name = head.get("name")
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise UsageError(f"{source}: key 'structure.name': expected a name of letters, digits and underscores")
    description = head.get("description", "")
    if not isinstance(description, str):
        raise UsageError(f"{source}: key 'structure.description': expected a string")
    priors = data.get("priors", {})
    if not isinstance(priors, dict):
        raise UsageError(f"{source}: key 'priors': expected a table of priors")
    try:
        return Structure(name, description, source, priors_for(scenario, priors, source))
    except ScenarioError as err:
        raise UsageError(str(err)) from None
