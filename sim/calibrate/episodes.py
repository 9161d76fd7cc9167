"""Earlier episodes as data: a scenario and its observed facts per episode, and their runs.

A folder of episodes holds ``<id>.toml`` (the situation before the trigger, the trigger as
scheduled acts) beside ``<id>.targets.toml`` (the facts the sources report, each a target
with ``observed = true`` or ``false``); a scenario without a targets file (a shared base) is
not an episode. The October 2025 case (the shipped scenario and its targets) joins them as
one more episode, so that one likelihood covers every case. The attacks of Annex A that drew no
strike (``ATTACKS_DIR``, same format) join the calibration as cases too: without them the file
holds only the attacks that were followed by fighting (E03, E11), and the fit would learn that
attacks draw strikes.

A *fact* of a run is whether it meets a target's description; its *observed* value is what
the sources say. The share of runs in which a fact holds is the model's probability of it.

A case is in the file only because it became an episode: the file's scope rule (episodes.md,
"Scope and counting rules") counts a run of fire or strikes between the two states' forces, or
a crossing closed as pressure, and TTP attacks only as triggers. A run *is in scope* if the
states fought or a crossing closed within ``SCOPE_DAYS`` of the trigger; a trigger that is
itself such an act (fire at a gate, a strike, a closure) puts every run in scope.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..batch.engine import Jobs
from ..errors import UsageError
from ..ladder import Action
from ..model import EscalationModel
from ..scenario import Scenario, load_scenario, parameter_specs, resolve_scenario_path
from .distance import Observation, facts
from .targets import Target, Targets, load_targets

#: The shipped folder of the 16 earlier episodes.
EPISODES_DIR = Path(__file__).resolve().parent.parent / "scenarios" / "episodes"
#: The shipped folder of the attacks of Annex A that became no episode (no strike within 7 days).
ATTACKS_DIR = Path(__file__).resolve().parent.parent / "scenarios" / "attacks"
MAIN_CASE = ("october_2025", "october_2025")  # scenario, targets (shipped names)
#: Days after the trigger within which the states' fighting or a closure makes a run an episode:
#: "about a week" (episodes.md, scope rule), the window base_rates.md section 8 counts strikes in.
SCOPE_DAYS = 8


@dataclass(frozen=True)
class Episode:
    """One case the model is held against: its scenario and its facts."""

    id: str
    scenario: Scenario
    targets: Targets

    @property
    def fact_names(self) -> list[str]:
        return self.targets.names()

    @property
    def observed(self) -> np.ndarray:
        return np.array([t.observed for t in self.targets.targets])


def load_episodes(folder: str | Path | None = None, main_case: bool = True, flag: str = "--episodes") -> list[Episode]:
    """The episodes of ``folder`` (default: the shipped ones), in name order, then the October case;
    ``flag`` is the option that named the folder, for the error message."""
    folder = Path(folder) if folder is not None else EPISODES_DIR
    if not folder.is_dir():
        raise UsageError(f"{flag} {folder}: not a folder of <id>.toml / <id>.targets.toml pairs")
    episodes = []
    for targets_path in sorted(folder.glob("*.targets.toml")):
        eid = targets_path.name.removesuffix(".targets.toml")
        scenario_path = folder / f"{eid}.toml"
        if not scenario_path.is_file():
            raise UsageError(f"{targets_path}: no scenario {scenario_path.name} beside it")
        scenario = load_scenario(scenario_path)
        targets = load_targets(targets_path, scenario)
        targets.check_scenario(scenario)
        episodes.append(Episode(eid, scenario, targets))
    if not episodes:
        raise UsageError(f"{flag} {folder}: no <id>.targets.toml file in it")
    if main_case:
        scenario = load_scenario(resolve_scenario_path(MAIN_CASE[0]))
        episodes.append(Episode(MAIN_CASE[0], scenario, load_targets(MAIN_CASE[1], scenario)))
    return episodes


def episode_params(episode: Episode, columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The per-run parameter columns that apply to this episode (absent mediators' keys dropped)."""
    specs = parameter_specs(episode.scenario.mediators, episode.scenario.sites)
    return {k: v for k, v in columns.items() if k in specs}


def fact_matrix(episode: Episode, seed: int, run_index: np.ndarray,
                columns: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """(facts, runs) booleans: whether each fact held in each of these runs (one model, all lanes)."""
    return _held_facts(episode, episode.targets, seed, run_index, columns)


def scope_targets(horizon: int) -> tuple[Target, ...]:
    """The scope rule as two targets: the states fought on a day, or a crossing was closed, within
    ``SCOPE_DAYS`` of the trigger (or the case's horizon, if shorter)."""
    window = (0, min(SCOPE_DAYS, horizon) - 1)
    source = "shared/reference/episodes/episodes.md, scope and counting rules"
    return tuple(Target(f"in_scope:{quantity}", "threshold", window, source, quantity=quantity, value=1.0)
                 for quantity in ("kinetic_days", "closed_days"))


def scoped_fact_matrix(episode: Episode, seed: int, run_index: np.ndarray,
                       columns: dict[str, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``fact_matrix`` of the same runs, and (runs,) booleans: whether each run is in scope."""
    targets = replace(episode.targets, targets=episode.targets.targets + scope_targets(episode.targets.horizon))
    held = _held_facts(episode, targets, seed, run_index, columns)
    k = len(episode.targets.targets)
    return held[:k], held[k:].any(axis=0)


def _held_facts(episode: Episode, targets: Targets, seed: int, run_index: np.ndarray,
                columns: dict[str, np.ndarray] | None) -> np.ndarray:
    from .distance import observe

    jobs = Jobs(episode.scenario, seed, run_index, episode_params(episode, columns or {}), horizon=targets.horizon)
    chunk = jobs.slice(0, len(jobs))
    model = EscalationModel(chunk.scenario, seed=chunk.seed, run_indices=chunk.run_index, lane_params=chunk.params,
                            record_events=False, collect_series=False, horizon=targets.horizon)
    return facts(observe(model, targets), targets)


def persistence_facts(episode: Episode) -> np.ndarray:
    """Whether each fact holds if nothing changes after the trigger: only the scheduled acts
    happen, a closed crossing stays closed, and the only deaths are those the acts list (each
    reported by both sides as listed)."""
    targets, scenario = episode.targets, episode.scenario
    days = targets.horizon
    pairs = targets.pairs()
    index = {pair: i for i, pair in enumerate(pairs)}
    daily = np.zeros((len(pairs), days, 1), dtype=np.int32)
    kinetic = np.zeros(days, dtype=bool)
    closed_from = days
    deaths = {"pakistan": np.zeros(days), "afghanistan": np.zeros(days)}
    for shock in scenario.shocks:
        if shock.day >= days:
            continue
        if (shock.actor, shock.action) in index:
            daily[index[(shock.actor, shock.action)], shock.day, 0] += 1
        if shock.action.kinetic and shock.actor in deaths:
            kinetic[shock.day] = True
            victim = "afghanistan" if shock.actor == "pakistan" else "pakistan"
            deaths[victim][shock.day] += shock.deaths or 0.0
        if shock.action is Action.CLOSE_CROSSING:
            closed_from = min(closed_from, shock.day)
    closed = np.arange(days) >= closed_from
    series = {"kinetic_days": np.cumsum(kinetic), "closed_days": np.cumsum(closed)}
    for victim, killer in (("pakistan", "afghanistan"), ("afghanistan", "pakistan")):
        listed = np.cumsum(deaths[victim])  # the acts' deaths are what was reported: admitted and claimed alike
        series[f"deaths_true_{victim}"] = series[f"acknowledged_{victim}"] = series[f"claimed_by_{killer}"] = listed
    series["deaths_true"] = series["deaths_true_pakistan"] + series["deaths_true_afghanistan"]
    levels = {q: np.concatenate([[0.0], series.get(q, np.zeros(days))])[:, None].astype(float)
              for q in targets.quantities()}
    return facts(Observation(daily, levels, index), targets)[:, 0]
