"""The model behind the browser page: one run (R = 1) of a scenario, built from the page's controls.

Mesa's SolaraViz re-creates the model class with the controls as keyword arguments on every
Reset, so ``StudentModel`` takes them as keywords, turns them into a validated ``Scenario``
and hands it to ``EscalationModel.__init__``: the page runs exactly the rules of the CLI and
the batches, never a copy of them.

Every control starts at "as in the scenario file", so picking a what-if scenario keeps what
it changes: numeric controls are multipliers of the scenario's values (1 = unchanged), a
mediator's checkbox can only remove it, a pact's checkbox can only invoke it.

A bad value typed into a control never raises: the model falls back to a safe setting and
lists what it did in ``notes``, which the page shows.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mesa

from ..errors import UsageError
from ..events import display_name
from ..model import EscalationModel
from ..parameters import PARTIES, STATE_SPECS
from ..scenario import Scenario, ScenarioError, load_scenario, scenario_from_dict, shipped_dir

SCENARIO_DIR = shipped_dir()  # package data: the same in a checkout and an installed wheel
DEFAULT_FILE = SCENARIO_DIR / "october_2025.toml"

#: Environment variables through which ``sim.viz.serve`` tells the app what to show.
ENV_SCENARIO = "ESCALATION_VIZ_SCENARIO"
ENV_REPLAY = "ESCALATION_VIZ_REPLAY"
ENV_RUN = "ESCALATION_VIZ_RUN"

MAX_SEED = 2**32 - 1
KEEP = "keep_"  # keyword prefix of a mediator's checkbox
PACT = "pact_"  # keyword prefix of a defence pact's checkbox

#: Multiplier controls: keyword -> (label, max); all start at 1 = as in the scenario.
FACTORS: dict[str, tuple[str, float]] = {
    "retaliation": ("Retaliation (\u00d7 scenario)", 4.0),
    "ttp_rate": ("TTP attacks (\u00d7 scenario)", 4.0),
    "india": ("India factor (\u00d7 scenario)", 5.0),
    "leverage": ("Leverage (\u00d7 scenario)", 2.0),
    "randomness": ("Randomness of choices (\u00d7 scenario)", 20.0),
}
NOISE_FLOOR = STATE_SPECS["decision_noise"].low  # what a randomness factor of 0 gives
NOISE_CEILING = STATE_SPECS["decision_noise"].high  # and what a large factor is held to


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
    return next(label for label, p in choices.items() if p == path)


def parse_seed(text: Any) -> int:
    """A seed typed by a student: a whole number in [0, 2**32 - 1], else UsageError."""
    value = str(text).strip().replace(",", "").replace("_", "")
    if not value.isdigit() or int(value) > MAX_SEED:
        raise UsageError(f"Seed {str(text)!r} is not a whole number from 0 to {MAX_SEED:,}")
    return int(value)


@dataclass
class Settings:
    """What the controls say, before it is turned into a scenario."""

    scenario: Path
    seed: int = 0
    retaliation: float = 1.0
    ttp_rate: float = 1.0
    india: float = 1.0
    leverage: float = 1.0
    randomness: float = 1.0
    removed: tuple[str, ...] = ()
    pacts: tuple[str, ...] = ()

    def build(self) -> Scenario:
        """The scenario file with these settings applied (ScenarioError when a value is not allowed)."""
        base = load_scenario(self.scenario)
        table = copy.deepcopy(base.table)
        mediators = table.get("mediators", {})
        for name in self.removed:
            if name in mediators:
                mediators[name]["present"] = False
        for name in self.pacts:
            if name in mediators:
                mediators[name]["pact_invoked"] = True
        engaged = table.get("initial", {}).get("mediators_engaged")
        if engaged:
            table["initial"]["mediators_engaged"] = [m for m in engaged if m not in self.removed]
        scenario = scenario_from_dict(table, base.source)
        p = scenario.params
        changes: dict[str, float] = {"ttp.attack_rate": p["ttp.attack_rate"] * self.ttp_rate,
                                     "india.threat_factor": p["india.threat_factor"] * self.india}
        for party in PARTIES:
            changes[f"{party}.retaliation_propensity"] = p[f"{party}.retaliation_propensity"] * self.retaliation
            changes[f"{party}.decision_noise"] = min(NOISE_CEILING,
                                                     max(NOISE_FLOOR, p[f"{party}.decision_noise"] * self.randomness))
            for name in scenario.mediators:
                key = f"mediators.{name}.leverage.{party}"
                changes[key] = min(1.0, p[key] * self.leverage)
        return scenario.with_params(**changes)


def control_specs(served: Path | None = None) -> dict[str, Any]:
    """SolaraViz ``model_params``: the controls of a live run, with readable labels and units."""
    served = served or served_scenario()
    scenario = load_scenario(served)
    choices = scenario_choices(served)
    specs: dict[str, Any] = {
        "scenario_file": {"type": "Select", "label": "Scenario (then press Reset)",
                          "value": label_of(served, choices), "values": list(choices)},
        "seed": {"type": "InputText", "label": f"Seed (a whole number, 0 to {MAX_SEED:,})", "value": "0"},
    }
    for key, (label, high) in FACTORS.items():
        specs[key] = {"type": "SliderFloat", "label": label, "value": 1.0, "min": 0.0, "max": high, "step": 0.05}
    for name, table in scenario.table.get("mediators", {}).items():
        label = table.get("label") or display_name(name)
        specs[KEEP + name] = {"type": "Checkbox", "label": f"{label} may mediate", "value": True}
        if table.get("pact_with"):
            ally = display_name(table["pact_with"])
            specs[PACT + name] = {"type": "Checkbox", "label": f"{label}'s defence pact with {ally} invoked",
                                  "value": bool(table.get("pact_invoked", False))}
    return specs


def replay_specs(directory: str, run: int) -> dict[str, Any]:
    """SolaraViz ``model_params`` when replaying a batch: the batch is fixed, the run can be changed."""
    return {"replay": directory,
            "run": {"type": "InputText", "label": "Run of the batch to replay (then press Reset)", "value": str(run)}}


def default_kwargs(specs: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments SolaraViz passes before any control is touched."""
    return {k: (v["value"] if isinstance(v, dict) else v) for k, v in specs.items()}


class PageModel(mesa.Model):
    """What SolaraViz steps and re-creates on Reset: a holder of one ``StudentModel`` (``student``).

    Why not the StudentModel itself: Mesa 3.5's SolaraViz reads ``model.scenario`` as its own
    ``mesa.experimental.scenarios.Scenario`` (to split the controls and rebuild the model on
    Reset, passing ``scenario=`` a new one), while an ``EscalationModel``'s ``scenario`` is this
    project's. This model keeps Mesa's, takes the controls as keywords (the picker is
    ``scenario_file``, so that Mesa's ``scenario=`` cannot overwrite it) and hands them on.
    """

    def __init__(self, scenario_file: str | None = None, scenario: Any = None, **kwargs: Any) -> None:
        # (the controls come as **kwargs: Mesa 3.3's SolaraViz accepts a catch-all by that name only)
        super().__init__(**({} if scenario is None else {"scenario": scenario}))  # Mesa 3.3 takes no scenario=
        self.student = StudentModel(scenario=scenario_file, **kwargs)
        self.running = self.student.running

    def step(self) -> None:
        """One day of the student's run."""
        self.student.step()
        self.running = self.student.running


class StudentModel(EscalationModel):
    """One run of a scenario, day by day, built from the browser's controls (never raises on bad input).

    ``notes`` lists what was wrong with the controls and what the model did instead;
    ``settings`` describes the run in words; ``odds_scenario`` and ``seed_value`` are what a
    what-if batch with the same settings must run.
    """

    def __init__(self, scenario: str | None = None, seed: Any = "0", retaliation: float = 1.0,
                 ttp_rate: float = 1.0, india: float = 1.0, leverage: float = 1.0, randomness: float = 1.0,
                 replay: str | None = None, run: Any = "0", **kwargs: bool) -> None:
        self.notes: list[str] = []
        factors = {"retaliation": retaliation, "ttp_rate": ttp_rate, "india": india, "leverage": leverage,
                   "randomness": randomness}
        try:
            self._build(scenario, seed, factors, replay, run, kwargs)
        finally:
            # All agents exist: let the model be freed with its tab (Mesa 3.3; 3.5 has no Agent._ids).
            getattr(mesa.Agent, "_ids", {}).pop(self, None)

    def _build(self, scenario: str | None, seed: Any, factors: dict[str, Any], replay: str | None, run: Any,
               kwargs: dict[str, bool]) -> None:
        """Initialise the EscalationModel from a replayed batch run, or else from the controls."""
        if replay:
            built = self._replay(replay, run)
            if built is not None:
                scenario_obj, seed_value, run_indices, lane_params = built
                super().__init__(scenario_obj, seed=seed_value, run_indices=run_indices, lane_params=lane_params)
                self.odds_scenario = scenario_obj.with_params(**lane_params) if lane_params else scenario_obj
                self.replay = (str(replay), int(run_indices[0]))
                self.settings = (f"Replay of run {int(run_indices[0])} of the batch in {replay} "
                                 f"(scenario {scenario_obj.name}, seed {seed_value})")
                return
            scenario = None  # could not replay: a live run of the served scenario instead
        self.replay = None
        settings = self._settings(scenario, seed, factors, kwargs)
        try:
            built_scenario = settings.build()
        except (ScenarioError, UsageError) as err:
            self.notes.append(f"{err}. The run uses {settings.scenario.name} as it is in its file.")
            settings = Settings(settings.scenario, settings.seed)
            built_scenario = settings.build()
        super().__init__(built_scenario, seed=settings.seed, lanes=1)
        self.odds_scenario = built_scenario
        self.settings = describe(built_scenario, settings)

    def _settings(self, scenario: str | None, seed: Any, controls: dict[str, Any], flags: dict[str, bool]) -> Settings:
        """Read the controls; anything unusable becomes a note and a safe value."""
        served = served_scenario()
        choices = scenario_choices(served)
        path = choices.get(scenario, served) if scenario else served
        if scenario and scenario not in choices:
            self.notes.append(f"Unknown scenario {scenario!r}; the run uses {path.name}.")
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
        for key, value in controls.items():
            try:
                factors[key] = float(value)
                if not 0 <= factors[key] <= FACTORS[key][1]:
                    raise ValueError
            except (TypeError, ValueError):
                name = FACTORS[key][0].split(" (")[0]
                self.notes.append(f"{name}: {value!r} is not a number from 0 to "
                                  f"{FACTORS[key][1]:g}; the run uses 1 (as in the scenario).")
                factors[key] = 1.0
        removed = tuple(k.removeprefix(KEEP) for k, v in flags.items() if k.startswith(KEEP) and not v)
        pacts = tuple(k.removeprefix(PACT) for k, v in flags.items() if k.startswith(PACT) and v)
        return Settings(path, seed_value, removed=removed, pacts=pacts, **factors)

    def _replay(self, directory: str, run: Any) -> tuple[Scenario, int, Any, dict[str, float]] | None:
        """The replayed run's inputs, or None (with a note) when they cannot be read."""
        from ..batch.replay import load_run

        text = str(run).strip()
        if not text.isdigit():
            self.notes.append(f"Run {text!r} is not a whole number >= 0; showing a live run instead.")
            return None
        try:
            return load_run(directory, int(text))
        except (UsageError, ScenarioError, OSError, ValueError) as err:
            self.notes.append(f"Cannot replay run {text} of {directory}: {err}. Showing a live run instead.")
            return None


def describe(scenario: Scenario, settings: Settings) -> str:
    """The settings of a run in words and units, as a student reads them on the page."""
    p = scenario.params
    mediators = ", ".join(p[f"mediators.{m}.label"] for m in scenario.mediators) or "none"
    pacts = [p[f"mediators.{m}.label"] for m in scenario.mediators if p[f"mediators.{m}.pact_invoked"]]
    parts = [
        f"{settings.scenario.name}, seed {settings.seed}",
        f"mediators: {mediators}, leverage \u00d7{settings.leverage:g}",
        "retaliation \u00d7{:g}: Pakistan {:.2f}, Afghanistan {:.2f} per day per unit of pressure".format(
            settings.retaliation, p["pakistan.retaliation_propensity"], p["afghanistan.retaliation_propensity"]),
        f"TTP \u00d7{settings.ttp_rate:g}: {p['ttp.attack_rate']:.2f} attacks a day",
        f"India factor \u00d7{settings.india:g}: {p['india.threat_factor']:.2f}",
        "randomness of choices \u00d7{:g}: decision noise Pakistan {:.2f}, Afghanistan {:.2f}".format(
            settings.randomness, p["pakistan.decision_noise"], p["afghanistan.decision_noise"]),
        "defence pact invoked: " + (", ".join(pacts) if pacts else "none"),
    ]
    return "; ".join(parts)
