"""The model behind the browser page: one run (R = 1) of a scenario, built from the page's controls.

``StudentModel`` takes the controls as keywords, turns them into a validated ``Scenario`` and
hands it to ``EscalationModel.__init__``: the page runs exactly the rules of the CLI and the
batches, never a copy of them.

The numeric controls are multipliers of the chosen scenario's values (x1 = as in its file), so
a what-if scenario keeps what it changes; every slider runs from x0 to x4, so x1 sits at the
same place on each. The checkboxes say who mediates and whether a pact is invoked, and start at
what the chosen scenario says (``scenario_defaults``).

Bad input never raises: a value the model cannot take is held at the nearest value it can
(never discarded with the others), a text that is no number becomes a safe value, and
``notes`` says what was done, in words the page shows.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UsageError
from ..events import display_name
from ..model import EscalationModel
from ..parameters import PARTIES
from ..scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
    parameter_specs,
    scenario_from_dict,
    shipped_dir,
)

SCENARIO_DIR = shipped_dir()  # package data: the same in a checkout and an installed wheel
DEFAULT_FILE = SCENARIO_DIR / "october_2025.toml"

#: Environment variables through which ``sim.viz.serve`` tells the app what to show.
ENV_SCENARIO = "ESCALATION_VIZ_SCENARIO"
ENV_REPLAY = "ESCALATION_VIZ_REPLAY"
ENV_RUN = "ESCALATION_VIZ_RUN"

MAX_SEED = 2**32 - 1
KEEP = "keep_"  # keyword prefix of a mediator's checkbox
PACT = "pact_"  # keyword prefix of a defence pact's checkbox
FACTOR_MAX = 4.0  # every multiplier slider runs from x0 to x4


@dataclass(frozen=True)
class Factor:
    """A multiplier control: its words, and the parameters it multiplies."""

    label: str
    meaning: str
    unit: str  # the unit of the parameters it multiplies

    def keys(self, scenario: Scenario, name: str) -> list[str]:
        """The flat parameter keys this control multiplies in a scenario."""
        if name == "retaliation":
            return [f"{p}.retaliation_propensity" for p in PARTIES]
        if name == "ttp_rate":
            return ["ttp.attack_rate"]
        if name == "india":
            return ["india.threat_factor"]
        if name == "leverage":
            return [f"mediators.{m}.leverage.{p}" for m in scenario.mediators for p in PARTIES]
        return [f"{p}.decision_noise" for p in PARTIES]


FACTORS: dict[str, Factor] = {
    "retaliation": Factor("Retaliation", "how readily both states hit back", "chance a day per unit of pressure"),
    "ttp_rate": Factor("TTP attacks", "how often the TTP attacks Pakistan", "attacks a day"),
    "india": Factor("India factor", "how much India's ties with Kabul add to Pakistan's sense of threat",
                    "pressure per unit of ties"),
    "leverage": Factor("Mediators' leverage", "how much each side listens to the mediators",
                       "0 = none, 1 = full influence"),
    "randomness": Factor("Randomness of choices", "how far choices stray from what the situation dictates",
                         "decision noise"),
}


def served_scenario() -> Path:
    """The scenario file the server was started with (``ENV_SCENARIO``), else October 2025."""
    return Path(os.environ.get(ENV_SCENARIO) or DEFAULT_FILE).resolve()


def scenario_choices(served: Path | None = None) -> dict[str, Path]:
    """Label -> path of every scenario the picker offers: the shipped ones and the served one."""
    served = served or served_scenario()
    choices = {p.name: p.resolve() for p in sorted(SCENARIO_DIR.glob("*.toml"))}
    if served not in choices.values():
        choices = {str(served): served} | choices
    return choices


def label_of(path: Path, choices: dict[str, Path]) -> str:
    """The picker's label of a scenario file."""
    return next(label for label, p in choices.items() if p == path)


def parse_seed(text: Any) -> int:
    """A seed typed by a student: a whole number in [0, 2**32 - 1], else UsageError.

    Digits of any script count ("٤٢" is 42); superscripts and circled numbers do not.
    """
    value = str(text).strip().replace(",", "").replace("_", "").replace(" ", "")
    if not value.isdecimal():
        raise UsageError(f"Seed {str(text)[:40]!r} is not a whole number from 0 to {MAX_SEED:,}")
    number = int(value)
    if number > MAX_SEED:
        raise UsageError(f"Seed {str(text)[:40]!r} is larger than {MAX_SEED:,}")
    return number


def parse_factor(name: str, value: Any) -> tuple[float, str | None]:
    """A multiplier from a control: clamped to [0, 4]; a value that is no number becomes 1 (with a note)."""
    label = FACTORS[name].label
    try:
        number = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        return 1.0, f"{label}: {str(value)[:40]!r} is not a number; the run uses \u00d71 (as in the scenario)."
    if math.isnan(number):
        return 1.0, f"{label}: not a number; the run uses \u00d71 (as in the scenario)."
    if not 0 <= number <= FACTOR_MAX:
        held = min(max(number, 0.0), FACTOR_MAX)
        return held, f"{label}: \u00d7{number:g} is outside \u00d70 to \u00d7{FACTOR_MAX:g}; it is held at \u00d7{held:g}."
    return number, None


def scenario_defaults(path: Path) -> dict[str, bool]:
    """The checkboxes' values for a scenario: who may mediate, which pacts are invoked."""
    table = load_scenario(path).table.get("mediators", {})
    out = {}
    for name, med in table.items():
        out[KEEP + name] = bool(med.get("present", True))
        if med.get("pact_with"):
            out[PACT + name] = bool(med.get("pact_invoked", False))
    return out


def mediator_labels(path: Path) -> dict[str, str]:
    """Checkbox keyword -> its label, for a scenario's mediators and pacts."""
    labels = {}
    for name, med in load_scenario(path).table.get("mediators", {}).items():
        label = med.get("label") or display_name(name)
        labels[KEEP + name] = f"{label} may mediate"
        if med.get("pact_with"):
            labels[PACT + name] = f"{label}'s defence pact with {display_name(med['pact_with'])} invoked"
    return labels


@dataclass
class Settings:
    """What the controls say, before it is turned into a scenario."""

    scenario: Path
    seed: int = 0
    factors: dict[str, float] = field(default_factory=lambda: dict.fromkeys(FACTORS, 1.0))
    flags: dict[str, bool] = field(default_factory=dict)  # keep_X / pact_X; absent = as in the scenario

    def base(self) -> Scenario:
        """The chosen scenario, unchanged."""
        return load_scenario(self.scenario)

    def with_flags(self, notes: list[str]) -> Scenario:
        """The chosen scenario with the checkboxes applied (a flag the scenario cannot take is noted and left out)."""
        base = self.base()
        table = copy.deepcopy(base.table)
        mediators = table.get("mediators", {})
        for key, value in self.flags.items():
            name = key.removeprefix(KEEP).removeprefix(PACT)
            if name not in mediators:
                continue
            if key.startswith(KEEP):
                mediators[name]["present"] = bool(value)
            elif "pact_with" in mediators[name]:
                mediators[name]["pact_invoked"] = bool(value)
        removed = [n for n, m in mediators.items() if not m.get("present", True)]
        engaged = table.get("initial", {}).get("mediators_engaged")
        if engaged:
            table["initial"]["mediators_engaged"] = [m for m in engaged if m not in removed]
        try:
            return scenario_from_dict(table, base.source, base.posterior_digest)
        except ScenarioError as err:
            notes.append(f"The mediators ticked cannot be combined ({err}); the run keeps those of {base.name}.")
            return base

    def build(self, notes: list[str]) -> tuple[Scenario, dict[str, float]]:
        """The scenario with these settings applied, and the multiplier of every key a control changed.

        A value outside what the model allows is held at the nearest allowed one, with a note.
        """
        scenario = self.with_flags(notes)
        p = scenario.params
        specs = parameter_specs(scenario.mediators, scenario.sites)
        changes: dict[str, float] = {}
        scale: dict[str, float] = {}
        for name, factor in self.factors.items():
            if factor == 1.0:
                continue
            held = []
            for key in FACTORS[name].keys(scenario, name):
                scale[key] = factor
                spec = specs[key]
                value = p[key] * factor
                low = spec.low if spec.low is not None else -math.inf
                high = spec.high if spec.high is not None else math.inf
                if not low <= value <= high:
                    limit = high if value > high else low
                    held.append(f"{_key_words(key, scenario)} {value:.3g} \u2192 {limit:g}")
                    value = limit
                changes[key] = value
            if held:
                notes.append(f"{FACTORS[name].label} \u00d7{factor:g} asks for more than the model allows; held at "
                             f"the limit: {'; '.join(held)}. Every other setting is used as set.")
        return scenario.with_params(**changes), scale


def _key_words(key: str, scenario: Scenario) -> str:
    """A parameter key in words: "Afghanistan's retaliation propensity", "Qatar's leverage over Pakistan"."""
    parts = key.split(".")
    if parts[0] == "mediators":
        return f"{display_name(parts[1], scenario)}'s leverage over {display_name(parts[3], scenario)}"
    return f"{display_name(parts[0], scenario)}'s {parts[-1].replace('_', ' ')}"


@dataclass(frozen=True)
class Replay:
    """A run of a stored batch, as the page shows it: its inputs and what the batch stored of it."""

    directory: str
    run: int
    scenario_name: str
    scenario: Scenario
    seed: int
    run_indices: np.ndarray
    lane_params: dict[str, float]
    stored: dict[str, Any]
    batch_runs: int
    scenarios: tuple[str, ...]


def load_replay(directory: str | os.PathLike[str], run: Any, scenario: str | None = None) -> Replay:
    """Run ``run`` of the batch in ``directory`` (UsageError, one line, when it cannot be replayed)."""
    from ..batch.replay import batch_scenarios, load_run, stored_row
    from ..batch.store import StoreError

    text = str(run).strip()
    if not text.isdecimal():
        raise UsageError(f"Run {text[:40]!r} is not a whole number from 0 up")
    number = int(text)
    try:
        names = tuple(batch_scenarios(directory))
        name = scenario or names[0]
        stored_scenario, seed, run_indices, params = load_run(directory, number, name)
        row = stored_row(directory, number, name)
        from ..batch.store import BatchStore

        total = BatchStore(Path(directory)).stored_rows(name)
    except (UsageError, ScenarioError, StoreError, OSError, ValueError) as err:
        raise UsageError(f"Cannot replay run {number}: {err}") from None
    return Replay(str(directory), number, name, stored_scenario, seed, run_indices, params, row, total, names)


@dataclass(frozen=True)
class WhatIfRequest:
    """What a what-if batch runs: these settings and the chosen scenario unchanged, on the same seed
    (common random numbers), with the multiplier of every key a control changed (applied to each
    run's draw when the scenario has a posterior)."""

    scenario: Scenario
    reference: Scenario
    seed: int
    scale: dict[str, float]
    description: str


class StudentModel(EscalationModel):
    """One run of a scenario, day by day, built from the browser's controls (never raises on bad input).

    ``notes`` lists what was wrong with the controls and what the model did instead;
    ``settings`` describes the run in words; ``request`` is what a what-if batch with the same
    settings runs; ``replay`` is the stored batch run shown, if any.
    """

    def __init__(self, scenario: str | None = None, seed: Any = "0", retaliation: Any = 1.0,
                 ttp_rate: Any = 1.0, india: Any = 1.0, leverage: Any = 1.0, randomness: Any = 1.0,
                 replay: Replay | None = None, **flags: bool) -> None:
        self.notes: list[str] = []
        self.replay = replay
        if replay is not None:
            self._init_replay(replay)
            return
        settings = self._settings(scenario, seed, {"retaliation": retaliation, "ttp_rate": ttp_rate,
                                                   "india": india, "leverage": leverage,
                                                   "randomness": randomness}, flags)
        built, scale = settings.build(self.notes)
        super().__init__(built, seed=settings.seed, lanes=1)
        self.chosen = settings
        self.settings = describe(built, settings)
        self.request = WhatIfRequest(built, settings.base(), settings.seed, scale, self.settings)

    def _init_replay(self, replay: Replay) -> None:
        super().__init__(replay.scenario, seed=replay.seed, run_indices=replay.run_indices,
                         lane_params=replay.lane_params)
        pinned = dataclasses.replace(replay.scenario.with_params(**replay.lane_params),
                                     pinned=frozenset(replay.lane_params)) if replay.lane_params else replay.scenario
        self.chosen = None
        self.settings = (f"Replay of run {replay.run} of the batch in {replay.directory} "
                         f"(scenario {replay.scenario_name}, seed {replay.seed})")
        self.request = WhatIfRequest(pinned, replay.scenario, replay.seed, {}, self.settings)

    def _settings(self, scenario: str | None, seed: Any, controls: dict[str, Any], flags: dict[str, Any]) -> Settings:
        """Read the controls; anything unusable becomes a note and a safe value."""
        served = served_scenario()
        choices = scenario_choices(served)
        path = choices.get(scenario, served) if scenario else served
        if scenario and scenario not in choices:
            self.notes.append(f"Unknown scenario {str(scenario)[:60]!r}; the run uses {path.name}.")
        try:
            load_scenario(path)
        except ScenarioError as err:
            self.notes.append(f"{err}. The run uses {served.name} instead.")
            path = served
        try:
            seed_value = parse_seed(seed)
        except UsageError as err:
            self.notes.append(f"{err}; the run uses seed 0.")
            seed_value = 0
        unknown = [k for k in flags if not k.startswith((KEEP, PACT))]
        if unknown:
            raise TypeError(f"StudentModel got unexpected keyword arguments: {', '.join(unknown)}")
        factors = {}
        for name, value in controls.items():
            factors[name], note = parse_factor(name, value)
            if note:
                self.notes.append(note)
        return Settings(path, seed_value, factors, {k: bool(v) for k, v in flags.items()})

    @property
    def series(self) -> dict[str, list[float]]:
        """Mesa's DataCollector series of this run: one value per simulated day."""
        return self.datacollector.model_vars if self.datacollector is not None else {}


def describe(scenario: Scenario, settings: Settings) -> str:
    """The settings of a run in words and units, as a student reads them on the page."""
    p = scenario.params
    f = settings.factors
    mediators = ", ".join(p[f"mediators.{m}.label"] for m in scenario.mediators) or "none"
    pacts = [p[f"mediators.{m}.label"] for m in scenario.mediators if p[f"mediators.{m}.pact_invoked"]]
    parts = [
        f"{settings.scenario.name}, seed {settings.seed}",
        f"mediators: {mediators}, leverage \u00d7{f['leverage']:g}",
        "retaliation \u00d7{:g}: Pakistan {:.2f}, Afghanistan {:.2f} a day per unit of pressure".format(
            f["retaliation"], p["pakistan.retaliation_propensity"], p["afghanistan.retaliation_propensity"]),
        f"TTP \u00d7{f['ttp_rate']:g}: {p['ttp.attack_rate']:.2f} attacks a day",
        f"India factor \u00d7{f['india']:g}: {p['india.threat_factor']:.2f}",
        "randomness of choices \u00d7{:g}: decision noise Pakistan {:.2f}, Afghanistan {:.2f}".format(
            f["randomness"], p["pakistan.decision_noise"], p["afghanistan.decision_noise"]),
        "defence pact invoked: " + (", ".join(pacts) if pacts else "none"),
    ]
    if scenario.posterior:
        parts.append("calibrated: this run uses the posterior medians; the what-if draws each run's values from "
                     "the posterior and multiplies them by the sliders")
    return "; ".join(parts)
