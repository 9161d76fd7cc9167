"""The escalation model: wires the actors, runs the phases of a day, logs events, judges outcomes.

One instance simulates R independent replicates ("lanes") of the same scenario in lockstep.
Lane k is run number ``run_indices[k]`` of the seed: its random numbers depend only on the
seed and that run number (see ``sim.streams``), so it unfolds exactly as it would alone.

Order of the phases inside one day (also in docs/ODD.md; tested in tests/test_model.py):

1. ``apply_shocks``      parameter changes and scheduled events of the scenario (e.g. day 0:
                         strikes on Kabul and Paktika)
2. ``ttp.attack``        the TTP's attacks on Pakistan
3. ``take_initiative``   both states decide at once, from what they knew at the end of
                         yesterday, whether to strike and how hard; then they strike
4. ``perceive``          each state applies the attacks delivered to it today
5. ``counterstrike``     a state hit today by the other may answer the same night
6. ``deliberate``        each state applies the night's attacks, then may halt, close or
                         reopen crossings, crack down on the TTP, accuse or threaten
7. ``mediate``           mediators notice, engage, call for restraint, offer and host talks
8. ``end_day``           costs are borne, memories fade, outcomes and series are recorded
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping
from typing import Any

import mesa
import numpy as np

from .agents import Mediator, MilitantGroup, OutsideRival, StateActor
from .events import EventLog
from .geography import PLACES, places_for
from .ladder import ACTION_CODES, Action
from .outcomes import Outcome
from .parameters import PARTIES
from .scenario import Scenario, ScenarioError, parameter_specs
from .streams import LaneStreams

PLACE_NAMES: list[str] = list(PLACES)
PLACE_INDEX: dict[str, int] = {name: i for i, name in enumerate(PLACE_NAMES)}
NO_DAY = -1


class ParameterView:
    """Flat parameters of a scenario, each a float or an array with one value per lane."""

    def __init__(self, scenario: Scenario, lanes: int, lane_params: Mapping[str, Any] | None) -> None:
        self._values: dict[str, Any] = dict(scenario.params)
        self._specs = parameter_specs(scenario.mediators)
        self._lanes = lanes
        for key, values in (lane_params or {}).items():
            self.set(key, values, scenario.source)

    def get(self, key: str) -> Any:
        return self._values[key]

    def set(self, key: str, values: Any, source: str = "lane parameters") -> None:
        """Set a numeric parameter to a scalar or per-lane array, checking key and range."""
        spec = self._specs.get(key)
        if spec is None or not spec.numeric:
            numeric = [k for k, s in self._specs.items() if s.numeric]
            close = difflib.get_close_matches(key, numeric, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else "; the numeric keys are listed in docs/ODD.md"
            raise ScenarioError(source, key, "unknown or non-numeric parameter" + hint)
        arr = np.asarray(values, dtype=np.float64)
        if arr.ndim == 1 and arr.shape[0] != self._lanes:
            raise ScenarioError(source, key, f"expected {self._lanes} per-lane values, got {arr.shape[0]}")
        if arr.ndim > 1:
            raise ScenarioError(source, key, "expected a scalar or a 1-D array of per-lane values")
        if np.isnan(arr).any() or (spec.low is not None and (arr < spec.low).any()) or (
                spec.high is not None and (arr > spec.high).any()):
            raise ScenarioError(source, key, f"values outside {spec.allowed()}")
        self._values[key] = float(arr) if arr.ndim == 0 else arr


class EscalationModel(mesa.Model):
    """The October 2025 Afghanistan-Pakistan crisis as an agent-based model over R lanes.

    Sources: the seed article (events of 9-13 October 2025) for facts and scheduled shocks;
    Goldstein (1992) / CAMEO (Schrodt 2012) for the ladder's weights; Correlates of War for
    the war threshold. Parameters and their sources are declared in ``sim.parameters``.
    """

    def __init__(self, scenario: Scenario, seed: int = 0, lanes: int = 1, first_run: int = 0,
                 run_indices: np.ndarray | None = None, lane_params: Mapping[str, Any] | None = None,
                 record_events: bool = True, collect_series: bool = True, horizon: int | None = None) -> None:
        super().__init__(rng=seed)  # Mesa 3.3 and 3.5 alike (3.5 deprecates seed=); the rules use self.streams
        if run_indices is None:
            run_indices = np.arange(first_run, first_run + lanes)
        self.run_indices = np.asarray(run_indices, dtype=np.int64)
        self.lanes = n = len(self.run_indices)
        self.scenario = scenario
        self.seed_value = seed
        self.horizon = scenario.horizon_days if horizon is None else int(horizon)
        self.streams = LaneStreams(seed, self.run_indices)
        self.params = ParameterView(scenario, n, lane_params)
        self.log = EventLog(record_events, scenario)
        self.day = 0

        init = scenario.initial
        self.bound = {p: np.full(n, init[p]["bound"]) for p in PARTIES}
        self.ceasefire_in_force = np.full(n, init["ceasefire_in_force"])
        self.ttp_sanctuary = np.full(n, init["ttp_sanctuary"])
        self.days_since_kinetic = np.full(n, init["days_since_kinetic"], dtype=np.int64)
        self.crossing_names = list(scenario.crossings)
        self.crossings_open = np.array([[c["open"] for c in scenario.crossings.values()]] * n, dtype=bool
                                       ).reshape(n, len(self.crossing_names))
        self.quiet_days = int(self.params.get("outcome.quiet_days"))

        self.pakistan = StateActor(self, "pakistan", "afghanistan")
        self.afghanistan = StateActor(self, "afghanistan", "pakistan")
        self.states = (self.pakistan, self.afghanistan)
        self.ttp = MilitantGroup(self)
        self.india = OutsideRival(self)
        self.mediators = [Mediator(self, name, i) for i, name in enumerate(scenario.mediators)]
        # Mesa 3.3 keeps a per-model id counter in a class-level dict that is never cleared, so
        # every model instance would stay in memory; all agents exist now, so drop the entry.
        getattr(mesa.Agent, "_ids", {}).pop(self, None)  # Mesa 3.5 has no _ids: ids live on the model

        self._init_outcome_records()
        self.datacollector = mesa.DataCollector(model_reporters=self._reporters()) if collect_series else None

    # ---- the day ------------------------------------------------------------------------------
    def step(self) -> None:
        """Simulate one day in all lanes, in the fixed order of phases (module docstring)."""
        self.streams.start_day(self.day)
        self.rung_today = np.full(self.lanes, -99, dtype=np.int64)
        self.kinetic_today = np.zeros(self.lanes, dtype=bool)
        self.apply_parameter_shocks()
        self.apply_shocks()
        self.ttp.attack()
        decisions = [state.choose_initiative() for state in self.states]
        for state, decision in zip(self.states, decisions, strict=True):
            state.take_initiative(decision)
        for state in self.states:
            state.perceive()
        for state in self.states:
            state.counterstrike()
        for state in self.states:
            state.perceive()
            self.deliberate(state)
        self.mediate()
        self.end_day()

    def deliberate(self, state: StateActor) -> None:
        """Phase 6 for one state, in a fixed order."""
        state.consider_halt()
        state.manage_crossings()
        state.consider_crackdown()
        state.speak()

    def run(self, days: int | None = None) -> EscalationModel:
        """Run to the horizon (or for ``days`` more days); returns the model, so calls chain."""
        end = self.horizon if days is None else min(self.horizon, self.day + days)
        while self.day < end:
            self.step()
        return self

    @property
    def finished(self) -> bool:
        return self.day >= self.horizon

    def apply_parameter_shocks(self) -> None:
        for shock in self.scenario.parameter_shocks:
            if shock.day == self.day:
                for key, value in shock.values.items():
                    self.params.set(key, value, self.scenario.source)

    def apply_shocks(self) -> None:
        """Phase 1: force the scenario's scheduled actions in every lane."""
        everywhere = np.ones(self.lanes, dtype=bool)
        for shock in self.scenario.shocks:
            if shock.day != self.day:
                continue
            action, actor = shock.action, shock.actor
            if actor == "ttp":
                if action is Action.TTP_ATTACK:
                    self.ttp.attack(np.ones(self.lanes, dtype=np.int64), shock.deaths, shock.location or None)
                continue
            if actor in PARTIES:
                state = self.state(actor)
                if action.kinetic:
                    state.strike(everywhere, np.full(self.lanes, action.rung), shock.location or None,
                                 shock.deaths, action)
                elif action is Action.HALT_OPERATIONS:
                    state.halt(everywhere)
                elif action is Action.CLOSE_CROSSING:
                    state.close_crossings(everywhere)
                elif action is Action.REOPEN_CROSSING:
                    state.reopen_crossings(everywhere)
                elif action is Action.CRACKDOWN_ON_TTP:
                    state.crack_down(everywhere)
                elif action is Action.CEASEFIRE_DECLARED:
                    self.declare_ceasefire(everywhere, None)
                else:
                    self.emit(actor, action, shock.target, everywhere, shock.location)
                continue
            mediator = self.mediator(actor)
            if mediator is not None and action in (Action.CALL_FOR_RESTRAINT, Action.MEDIATION_OFFER):
                mediator.engage(everywhere)
            elif mediator is not None and action is Action.TALKS_HOSTED:
                mediator.host_talks(everywhere)
            else:
                self.emit(actor, action, shock.target, everywhere, shock.location)

    def mediate(self) -> None:
        """Phase 7: every mediator, in the scenario's order."""
        for mediator in self.mediators:
            mediator.step()

    def end_day(self) -> None:
        """Phase 8: costs and memory, then the day's records."""
        closed = (~self.crossings_open).sum(axis=1)
        for state in self.states:
            state.bear_costs(closed)
        self.days_since_kinetic = np.where(self.kinetic_today, 0, self.days_since_kinetic + 1)
        self.closed_days += closed > 0
        self.rung_today = np.where(self.rung_today == -99, 0, self.rung_today)
        self.peak_rung = np.maximum(self.peak_rung, self.rung_today)
        if self.day < self.rung_history.shape[0]:
            self.rung_history[self.day] = self.rung_today
        deaths = self.interstate_deaths()
        self.war_day = np.where((self.war_day < 0) & (deaths >= self.params.get("outcome.war_deaths")),
                                self.day, self.war_day)
        if self.datacollector is not None:
            self.datacollector.collect(self)
        self.day += 1
        self.running = self.day < self.horizon  # Mesa's batch_run and SolaraViz stop on this

    # ---- services for the agents ----------------------------------------------------------------
    def state(self, name: str) -> StateActor:
        return self.pakistan if name == "pakistan" else self.afghanistan

    def mediator(self, name: str) -> Mediator | None:
        return next((m for m in self.mediators if m.name == name), None)

    def emit(self, actor: str, action: Action, target: str, mask: np.ndarray, place: Any = None,
             deaths_true: np.ndarray | None = None, deaths_claimed: np.ndarray | None = None,
             count: np.ndarray | None = None) -> None:
        """Record an action taken in the lanes of ``mask``: outcomes, the day's rung and the event log.

        The day's rung is that of the crisis between the states and the mediators; TTP attacks,
        nearly daily background violence, are logged and counted but do not set it.
        """
        if actor != "ttp":
            self.rung_today = np.where(mask, np.maximum(self.rung_today, action.rung), self.rung_today)
        code = ACTION_CODES[action]
        self.first_day[:, code] = np.where(mask & (self.first_day[:, code] < 0), self.day, self.first_day[:, code])
        who = self.actor_index.get(actor)
        if who is not None:
            first = self.first_by_actor[who, :, code]
            self.first_by_actor[who, :, code] = np.where(mask & (first < 0), self.day, first)
            self.count_by_actor[who, :, code] += mask
        if action.kinetic and actor in PARTIES:
            self.kinetic_today |= mask
        if isinstance(place, str):
            place = PLACE_INDEX.get(place, -1)
        self.log.record(self.day, actor, action, target, mask, place, deaths_true, deaths_claimed, count)

    def deliver(self, target: str, attacker: str, action: Action, mask: np.ndarray, deaths: np.ndarray) -> None:
        """Put an attack in the target's inbox; the target applies it when it next perceives."""
        self.state(target).inbox.append((attacker, action, mask, deaths))

    def bind(self, party: str, mask: np.ndarray) -> None:
        self.bound[party] = self.bound[party] | mask
        self.first_halt_day = np.where(mask & (self.first_halt_day < 0), self.day, self.first_halt_day)

    def release_truce(self, mask: np.ndarray) -> None:
        """A kinetic action between the states ends any halt or ceasefire in those lanes."""
        for party in PARTIES:
            self.bound[party] = self.bound[party] & ~mask
        self.ceasefire_in_force &= ~mask

    def declare_ceasefire(self, mask: np.ndarray, host: Mediator | None) -> None:
        """Both parties declare a ceasefire (after talks hosted by ``host``, or by a scheduled shock)."""
        mask = mask & ~self.ceasefire_in_force
        if not mask.any():
            return
        place = host.capital if host is not None else ""
        self.emit("pakistan", Action.CEASEFIRE_DECLARED, "afghanistan", mask, place)
        self.emit("afghanistan", Action.CEASEFIRE_DECLARED, "pakistan", mask, place)
        for state in self.states:
            state.campaign_active &= ~mask
            self.bind(state.name, mask)
        self.ceasefire_in_force |= mask
        first = mask & (self.first_ceasefire_day < 0)
        self.first_ceasefire_day = np.where(first, self.day, self.first_ceasefire_day)
        self.ceasefire_host = np.where(first, -1 if host is None else host.index, self.ceasefire_host)

    def set_crossing(self, index: int, mask: np.ndarray, is_open: bool) -> None:
        self.crossings_open[:, index] = np.where(mask, is_open, self.crossings_open[:, index])

    def crossing_place(self, index: int) -> str:
        return self.scenario.crossings[self.crossing_names[index]]["location"]

    def place_for(self, action: Action, target: str, draw: np.ndarray, fixed: str | None = None) -> np.ndarray | int:
        """Where an action lands: a fixed place, or one picked per lane from the action's candidates
        by the uniform ``draw`` (drawn by the caller for every lane)."""
        if fixed:
            return PLACE_INDEX[fixed]
        candidates = places_for(action, target)
        if not candidates:
            return -1
        pick = np.minimum((draw * len(candidates)).astype(np.int64), len(candidates) - 1)
        return np.array([PLACE_INDEX[c] for c in candidates])[pick]

    def interstate_deaths(self) -> np.ndarray:
        return self.pakistan.deaths_true + self.afghanistan.deaths_true

    # ---- outcomes ---------------------------------------------------------------------------------
    def _init_outcome_records(self) -> None:
        n = self.lanes
        self.first_day = np.full((n, len(ACTION_CODES)), NO_DAY, dtype=np.int64)
        self.actor_names = self.scenario.actors
        self.actor_index = {name: i for i, name in enumerate(self.actor_names)}
        shape = (len(self.actor_names), n, len(ACTION_CODES))
        self.first_by_actor = np.full(shape, NO_DAY, dtype=np.int32)  # first day actor took action, per lane
        self.count_by_actor = np.zeros(shape, dtype=np.int32)  # how many times (lane-days for the TTP)
        self.first_ceasefire_day = np.full(n, NO_DAY, dtype=np.int64)
        self.first_halt_day = np.full(n, NO_DAY, dtype=np.int64)
        self.ceasefire_host = np.full(n, -1, dtype=np.int64)
        self.war_day = np.full(n, NO_DAY, dtype=np.int64)
        self.closed_days = np.zeros(n, dtype=np.int64)
        self.peak_rung = np.zeros(n, dtype=np.int64)
        self.rung_history = np.zeros((self.horizon, n), dtype=np.int8)
        self.rung_today = np.zeros(n, dtype=np.int64)

    def outcome(self) -> np.ndarray:
        """Outcome code per lane (see ``sim.outcomes.Outcome``), by the rules of docs/ODD.md."""
        war = (self.first_day[:, ACTION_CODES[Action.SUSTAINED_CAMPAIGN]] >= 0) | (self.war_day >= 0)
        truce = self.ceasefire_in_force | self.bound["pakistan"] | self.bound["afghanistan"]
        deescalated = truce & (self.days_since_kinetic >= self.quiet_days)
        return np.where(war, Outcome.WAR.code, np.where(deescalated, Outcome.DEESCALATED.code,
                                                        Outcome.CONTAINED.code))

    def summary(self) -> dict[str, np.ndarray]:
        """Per-lane summary of the run so far: outcome, peaks, timing, deaths, closures."""
        pak, afg = self.pakistan, self.afghanistan
        out = {
            "run": self.run_indices.copy(),
            "outcome": self.outcome(),
            "peak_rung": self.peak_rung.copy(),
            "first_ceasefire_day": self.first_ceasefire_day.copy(),
            "first_halt_day": self.first_halt_day.copy(),
            "first_truce_day": np.where((self.first_halt_day >= 0) & ((self.first_ceasefire_day < 0) | (
                self.first_halt_day < self.first_ceasefire_day)), self.first_halt_day, self.first_ceasefire_day),
            "ceasefire_host": self.ceasefire_host.copy(),
            "closed_days": self.closed_days.copy(),
            "deaths_true": self.interstate_deaths(),
            "deaths_true_pakistan": pak.deaths_true.copy(),
            "deaths_true_afghanistan": afg.deaths_true.copy(),
            "deaths_claimed": pak.claimed_inflicted + afg.claimed_inflicted,
            "claimed_by_pakistan": pak.claimed_inflicted.copy(),
            "claimed_by_afghanistan": afg.claimed_inflicted.copy(),
            "acknowledged_pakistan": pak.deaths_acknowledged.copy(),
            "acknowledged_afghanistan": afg.deaths_acknowledged.copy(),
            "ttp_attacks": self.ttp.attacks.copy(),
            "ttp_deaths": self.ttp.deaths_inflicted.copy(),
            "crossings_open_end": self.crossings_open.sum(axis=1),
            "ceasefire_in_force_end": self.ceasefire_in_force.copy(),
            "days_since_kinetic_end": self.days_since_kinetic.copy(),
            "war_day": self.war_day.copy(),
        }
        for action, code in ACTION_CODES.items():
            out[f"first_{action.key}"] = self.first_day[:, code].copy()
        return out

    def first_day_of(self, actor: str, action: Action) -> np.ndarray:
        """Per lane, the first day ``actor`` took ``action`` (-1 if never)."""
        return self.first_by_actor[self.actor_index[actor], :, ACTION_CODES[action]]

    def count_of(self, actor: str, action: Action) -> np.ndarray:
        """Per lane, how many times ``actor`` took ``action``."""
        return self.count_by_actor[self.actor_index[actor], :, ACTION_CODES[action]]

    def date_of(self, day: int) -> str:
        start = dt.date.fromisoformat(self.scenario.start_date)
        return (start + dt.timedelta(days=day)).isoformat()

    # ---- series for the DataCollector -------------------------------------------------------------
    def _reporters(self) -> dict[str, Any]:
        def lane_value(fn):
            # R = 1 (the browser) reports plain numbers; R > 1 reports one array per day.
            return lambda m: (fn(m)[0].item() if m.lanes == 1 else fn(m).copy())

        return {
            "day": lambda m: m.day,
            "rung": lane_value(lambda m: m.rung_today),
            "deaths_true": lane_value(lambda m: m.interstate_deaths()),
            "deaths_true_pakistan": lane_value(lambda m: m.pakistan.deaths_true),
            "deaths_true_afghanistan": lane_value(lambda m: m.afghanistan.deaths_true),
            "claimed_by_pakistan": lane_value(lambda m: m.pakistan.claimed_inflicted),
            "claimed_by_afghanistan": lane_value(lambda m: m.afghanistan.claimed_inflicted),
            "acknowledged_pakistan": lane_value(lambda m: m.pakistan.deaths_acknowledged),
            "acknowledged_afghanistan": lane_value(lambda m: m.afghanistan.deaths_acknowledged),
            "crossings_open": lane_value(lambda m: m.crossings_open.sum(axis=1)),
            "ceasefire_in_force": lane_value(lambda m: m.ceasefire_in_force.astype(int)),
            "halt_in_force": lane_value(lambda m: (m.bound["pakistan"] | m.bound["afghanistan"]).astype(int)),
            "grievance_pakistan": lane_value(lambda m: m.pakistan.grievance),
            "grievance_afghanistan": lane_value(lambda m: m.afghanistan.grievance),
            "ttp_attacks": lane_value(lambda m: m.ttp.attacks),
        }
