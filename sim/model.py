"""The escalation model: wires the actors, runs the phases of a day, applies acts, judges outcomes.

One instance simulates R independent replicates ("lanes") of the same scenario in lockstep.
Lane k is run number ``run_indices[k]`` of the seed: its random numbers depend only on the
seed and that run number (see ``sim.streams``), so it unfolds exactly as it would alone.

A day is the phases of ``EscalationModel.PHASES``, in that order (docs/ODD.md lists them from
there). In every phase the actors' rules return ``Act``s; the model records each act and
applies its effects to the targets (``apply``), in the order the acts were taken, so no actor
writes another's state.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import mesa
import numpy as np

from .agents import Actor, Mediator, MilitantGroup, OutsideRival, StateActor
from .events import Act, EventLog
from .geography import place_index
from .ladder import ACTION_CODES, Action
from .outcomes import Outcome
from .parameters import PARTIES
from .scenario import Scenario, ScenarioError, parameter_specs
from .state import NEVER, NO_ACT, WORLD_STATE, StateVar, lane_arrays
from .streams import LaneStreams

NO_DAY = -1


class ParameterView:
    """Flat parameters of a scenario, each a float or an array with one value per lane."""

    def __init__(self, scenario: Scenario, lanes: int, lane_params: Mapping[str, Any] | None) -> None:
        self._values: dict[str, Any] = dict(scenario.params)
        self._specs = parameter_specs(scenario.mediators, scenario.sites)
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
    the war threshold. Parameters and their sources are declared in ``sim.parameters``, the
    state in ``sim.state``.
    """

    STATE = WORLD_STATE

    @property
    def scenario(self) -> Scenario:
        """The crisis scenario this model runs. (Mesa 3.5's ``Model.scenario`` is an experimental
        object of its own whose setter tags the value; ours is an immutable value, kept here.)"""
        return self._crisis

    @scenario.setter
    def scenario(self, value: Scenario) -> None:
        self._crisis = value

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
        self.quiet_days = int(self.params.get("outcome.quiet_days"))
        self.crossing_names = list(scenario.crossings)
        self.actor_names = scenario.actors
        self.actor_index = {name: i for i, name in enumerate(self.actor_names)}
        self._init_world()

        self.pakistan = StateActor(self, "pakistan", "afghanistan")
        self.afghanistan = StateActor(self, "afghanistan", "pakistan")
        self.states = (self.pakistan, self.afghanistan)
        self.parties = {state.name: state for state in self.states}
        self.ttp = MilitantGroup(self)
        self.india = OutsideRival(self)
        self.mediators = [Mediator(self, name, i) for i, name in enumerate(scenario.mediators)]
        self.actors: dict[str, Actor] = {**self.parties, "ttp": self.ttp, "india": self.india,
                                         **{m.name: m for m in self.mediators}}
        if hasattr(mesa.Agent, "_ids"):
            # Mesa 3.3 keeps a per-model id counter in a class-level dict that is never cleared
            # (no public way to release it), so every model instance would stay in memory; all
            # agents exist now, so drop the entry. Mesa 3.4+ counts ids on the model instead.
            mesa.Agent._ids.pop(self, None)
        self.datacollector = mesa.DataCollector(model_reporters=self._reporters()) if collect_series else None

    def _init_world(self) -> None:
        """The world's declared state (``sim.state.WORLD_STATE``) at its initial values."""
        n, init = self.lanes, self.scenario.initial
        for key, values in lane_arrays(self.STATE, n, init).items():
            setattr(self, key, values)
        crossings = list(self.scenario.crossings.values())
        opened = [c["open"] for c in crossings]
        shape = (n, len(crossings))
        self.crossings_open = np.array([opened] * n, dtype=bool).reshape(shape)
        closer = [-1 if c["open"] else PARTIES.index(c["closed_by"]) for c in crossings]
        self.closed_by = np.array([closer] * n, dtype=np.int8).reshape(shape)
        self.clash_day = np.full(shape, -999, dtype=np.int64)
        self.first_closed_day = np.where(self.crossings_open, -1, 0).astype(np.int64)
        self.first_reopened_day = np.full(shape, -1, dtype=np.int64)
        self.crossing_at = {c["location"]: i for i, c in enumerate(crossings)}
        spread = self.params.get("crisis.hostility_sd")
        if np.any(spread):  # one draw per lane, on a stream of its own: the runs of a batch are different crises
            self.hostility = self.streams.normal("crisis.hostility", spread)
        self.rung_history = np.zeros((self.horizon, n), dtype=np.int8)
        self.first_day = np.full((n, len(ACTION_CODES)), NO_DAY, dtype=np.int64)
        shape = (len(self.actor_names), len(ACTION_CODES), n)  # lanes last: an act updates a contiguous row
        self.first_by_actor = np.full(shape, NO_DAY, dtype=np.int32)
        self.count_by_actor = np.zeros(shape, dtype=np.int32)

    # ---- the day ---------------------------------------------------------------------------------
    def step(self) -> None:
        """Simulate one day in all lanes: the phases of ``PHASES``, in their declared order."""
        self.begin_day()
        for phase in self.PHASES:
            phase(self)

    def begin_day(self) -> None:
        """Fresh random-draw counters for the day, and every actor's and the world's daily state reset."""
        self.streams.start_day(self.day)
        for var in self.STATE:
            if var.daily:
                getattr(self, var.name)[:] = var.default
        for actor in self.actors.values():
            actor.start_day()

    def apply_shocks(self) -> None:
        """The scenario's scheduled changes for the day, in every lane: parameter changes first, then
        scheduled acts, each carried out by the rule its actor would use by choice (e.g. day 0 of
        ``october_2025``: Pakistani airstrikes on Kabul and Paktika)."""
        for shock in self.scenario.parameter_shocks:
            if shock.day == self.day:
                for key, value in shock.values.items():
                    self.params.set(key, value, self.scenario.source)
        everywhere = np.ones(self.lanes, dtype=bool)
        for shock in self.scenario.shocks:
            if shock.day != self.day:
                continue
            if shock.action is Action.CEASEFIRE_DECLARED:
                self.declare_ceasefire(everywhere, None)
            elif shock.action is Action.TALKS_HOSTED:
                host = self.mediator(shock.actor)
                self.hold_talks(host, host.convene_talks(forced=everywhere))
            else:
                acts = self.actor(shock.actor).perform(shock, everywhere)
                self.carry_out(dataclasses.replace(act, scheduled=True) for act in acts)

    def ttp_attacks(self) -> None:
        """The TTP's attacks on its target (``MilitantGroup.attack``)."""
        self.carry_out(self.ttp.attack())

    def initiative(self) -> None:
        """Both states decide at once, from what they knew at the end of yesterday, whether to strike
        and how hard (``StateActor.choose_initiative``); then they strike, Pakistan first."""
        decisions = [state.choose_initiative() for state in self.states]
        for state, (strike, rungs, places) in zip(self.states, decisions, strict=True):
            self.carry_out(state.strike(strike, rungs, places))

    def perception(self) -> None:
        """Each state takes in the attacks delivered to it so far today (``StateActor.perceive``)."""
        for state in self.states:
            state.perceive()

    def counterstrikes(self) -> None:
        """A state attacked today by the other may answer the same night (``StateActor.counterstrike``)."""
        for state in self.states:
            self.carry_out(state.counterstrike())

    def deliberation(self) -> None:
        """Each state in turn, Pakistan first, takes in the night's attacks, then may halt, close or
        reopen the crossings, crack down on the TTP, and accuse or threaten."""
        for state in self.states:
            state.perceive()
            for rule in (state.consider_halt, state.manage_crossings, state.consider_crackdown, state.speak):
                self.carry_out(rule())

    def mediation(self) -> None:
        """Each mediator in the scenario's order notices the crisis, engages when due (a call for
        restraint, an offer), and, if it hosts talks, convenes them (``hold_talks``)."""
        for mediator in self.mediators:
            mediator.notice_crisis()
            self.carry_out(mediator.engage())
            if mediator.hosts_talks:
                self.hold_talks(mediator, mediator.convene_talks())

    def end_day(self) -> None:
        """Closed crossings cost both states and memories fade (``StateActor.bear_costs``, ``forget``,
        ``count_days``); then the day's records: days since fighting, days of fighting and of a
        campaign, the first fighting and the first fighting after a truce, days closed, the day's
        rung, the day war is reached (battle deaths at ``outcome.war_deaths``, or a campaign of
        ``outcome.campaign_days``), the DataCollector's series."""
        closed = (~self.crossings_open).sum(axis=1)
        for state in self.states:
            state.bear_costs(closed)
            state.forget()
            state.count_days()
        self.days_since_kinetic = np.where(self.kinetic_today, 0, self.days_since_kinetic + 1)
        self.kinetic_days += self.kinetic_today
        self.first_kinetic_day = np.where(self.kinetic_today & (self.first_kinetic_day < 0), self.day,
                                          self.first_kinetic_day)
        renewed = self.kinetic_today & (self.first_halt_day >= 0) & (self.day > self.first_halt_day)
        self.renewed_fighting_day = np.where(renewed & (self.renewed_fighting_day < 0), self.day,
                                             self.renewed_fighting_day)
        self.campaign_days += self.pakistan.campaign_active | self.afghanistan.campaign_active
        self.closed_days += closed > 0
        self.rung_today = np.where(self.rung_today == NO_ACT, 0, self.rung_today)
        self.peak_rung = np.maximum(self.peak_rung, self.rung_today)
        if self.day < self.rung_history.shape[0]:
            self.rung_history[self.day] = self.rung_today
        war = (self.interstate_deaths() >= self.params.get("outcome.war_deaths")) | (
            self.campaign_days >= self.params.get("outcome.campaign_days"))
        self.war_day = np.where((self.war_day < 0) & war, self.day, self.war_day)
        if self.datacollector is not None:
            self.datacollector.collect(self)
        self.day += 1
        self.running = self.day < self.horizon  # Mesa's batch_run and SolaraViz stop on this

    #: The phases of a day, in order (``step`` runs them; docs/ODD.md is generated from them).
    PHASES: tuple[Callable[[EscalationModel], None], ...] = (
        apply_shocks, ttp_attacks, initiative, perception, counterstrikes, deliberation, mediation, end_day)

    def run(self, days: int | None = None) -> EscalationModel:
        """Run to the horizon (or for ``days`` more days); returns the model, so calls chain."""
        end = self.horizon if days is None else min(self.horizon, self.day + days)
        while self.day < end:
            self.step()
        return self

    @property
    def finished(self) -> bool:
        return self.day >= self.horizon

    # ---- acts and their effects ---------------------------------------------------------------------
    def carry_out(self, acts: Iterable[Act]) -> None:
        """Record each act, then apply its effects, in the order the acts were taken."""
        for act in acts:
            self.record(act)
            self.apply(act)

    def record(self, act: Act) -> None:
        """An act's records: the event log, the first day and the count of its action (by anyone and
        by its actor), and the day's rung and fighting.

        The day's rung is the highest rung of the day's acts by the states and the mediators: TTP
        attacks, nearly daily background violence, are counted but do not set it. A kinetic act
        by a state makes the day one of fighting between the states. A halt, or a ceasefire,
        marks the first day of a truce; a strike on a capital or a campaign that a party chose
        (not one the scenario scheduled) marks a major escalation.
        """
        lanes, action = act.lanes, act.action
        if act.actor != "ttp":
            self.rung_today = np.where(lanes, np.maximum(self.rung_today, action.rung), self.rung_today)
        code = ACTION_CODES[action]
        self.first_day[:, code] = np.where(lanes & (self.first_day[:, code] < 0), self.day, self.first_day[:, code])
        who = self.actor_index[act.actor]
        first = self.first_by_actor[who, code]
        first[lanes & (first < 0)] = self.day
        self.count_by_actor[who, code] += lanes
        if action.kinetic and act.actor in self.parties:
            self.kinetic_today |= lanes
        if action in (Action.HALT_OPERATIONS, Action.CEASEFIRE_DECLARED):
            self.first_halt_day = np.where(lanes & (self.first_halt_day < 0), self.day, self.first_halt_day)
        if action in (Action.AIRSTRIKE_CAPITAL, Action.SUSTAINED_CAMPAIGN) and not act.scheduled:
            self.major_escalation_day = np.where(lanes & (self.major_escalation_day < 0), self.day,
                                                 self.major_escalation_day)
        self.log.record(self.day, act)

    def apply(self, act: Act) -> None:
        """What an act does to others, applied to them in their own methods.

        A TTP attack is delivered to its target state, which takes it in when it next perceives.
        A state's use of force is delivered to the other state; it ends every halt and ceasefire
        in its lanes (both parties released, the ceasefire over); an airstrike on the TTP's host
        costs the TTP capacity; fire at a crossing is a clash there (``note_clash``). Closing or
        reopening a crossing changes that crossing (``set_crossing``); a crackdown costs the TTP
        part of its sanctuary. Words, halts (the party binds itself) and
        a violation of a truce (the strike that follows does the rest) change nothing else.
        """
        action, lanes = act.action, act.lanes
        if action is Action.TTP_ATTACK:
            self.state(act.target).receive(act)
        elif action.kinetic and action is not Action.CEASEFIRE_VIOLATED:
            self.state(act.target).receive(act)
            for state in self.states:
                state.release_truce(lanes)
            self.ceasefire_in_force &= ~lanes
            if action.rung >= Action.AIRSTRIKE_BORDER_PROVINCE.rung and act.target == self.ttp.host:
                self.ttp.suffer_strikes(lanes)
            if action is Action.CROSS_BORDER_FIRE:
                self.note_clash(act)
        elif action in (Action.CLOSE_CROSSING, Action.REOPEN_CROSSING):
            self.set_crossing(act, action is Action.REOPEN_CROSSING)
        elif action is Action.CRACKDOWN_ON_TTP:
            self.ttp.lose_sanctuary(lanes)

    def note_clash(self, act: Act) -> None:
        """Fire between the states at a crossing's site makes the day one of a clash at that crossing."""
        places = np.broadcast_to(act.place, act.lanes.shape)
        for location, i in self.crossing_at.items():
            here = act.lanes & (places == place_index(location))
            self.clash_day[:, i] = np.where(here, self.day, self.clash_day[:, i])

    def set_crossing(self, act: Act, is_open: bool) -> None:
        """A crossing closed or reopened: who closed it, and the first closing and reopening days."""
        i, lanes = act.crossing, act.lanes
        self.crossings_open[:, i] = np.where(lanes, is_open, self.crossings_open[:, i])
        if is_open:
            first = lanes & (self.first_reopened_day[:, i] < 0) & (self.first_closed_day[:, i] >= 0)
            self.first_reopened_day[:, i] = np.where(first, self.day, self.first_reopened_day[:, i])
            self.closed_by[:, i] = np.where(lanes, -1, self.closed_by[:, i])
        else:
            self.first_closed_day[:, i] = np.where(lanes & (self.first_closed_day[:, i] < 0), self.day,
                                                   self.first_closed_day[:, i])
            self.closed_by[:, i] = np.where(lanes, self.state(act.actor).index, self.closed_by[:, i])

    def hold_talks(self, host: Mediator, talks: np.ndarray) -> None:
        """Talks hosted by ``host`` (a third state, or the parties' own channel) in the lanes of
        ``talks``: where no ceasefire holds, each party decides whether it accepts one
        (``StateActor.accepts_ceasefire``), and where both do, one is declared; each party decides
        whether to reopen the crossings it closed (``StateActor.reopens_at_talks``)."""
        if not talks.any():
            # Nothing to decide in any lane. Safe to skip the draws: these streams are not drawn again
            # later in the day (scheduled talks come first), so no lane's numbers depend on it.
            return
        agree = talks & ~self.ceasefire_in_force
        for state in self.states:
            agree &= state.accepts_ceasefire(host.name)
        reopen = [state.reopens_at_talks(talks, host.name) for state in self.states]
        self.carry_out([Act(host.name, host.talks_action, "both", talks, place_index(host.capital))])
        self.declare_ceasefire(agree, host)
        for acts in reopen:
            self.carry_out(acts)

    def declare_ceasefire(self, lanes: np.ndarray, host: Mediator | None) -> None:
        """Both parties declare a ceasefire (after talks hosted by ``host``, or scheduled): both are
        bound by it (``StateActor.enter_ceasefire``) until a strike between them ends it."""
        lanes = lanes & ~self.ceasefire_in_force
        if not lanes.any():
            return
        place = -1 if host is None else place_index(host.capital)
        self.carry_out([Act("pakistan", Action.CEASEFIRE_DECLARED, "afghanistan", lanes, place),
                        Act("afghanistan", Action.CEASEFIRE_DECLARED, "pakistan", lanes, place)])
        for state in self.states:
            state.enter_ceasefire(lanes)
        self.ceasefire_in_force |= lanes
        first = lanes & (self.first_ceasefire_day < 0)
        self.first_ceasefire_day = np.where(first, self.day, self.first_ceasefire_day)
        self.ceasefire_host = np.where(first, -1 if host is None else host.index, self.ceasefire_host)

    # ---- lookups ---------------------------------------------------------------------------------------
    def actor(self, name: str) -> Actor:
        """The actor called ``name``; an unknown name is an error, never a fallback."""
        try:
            return self.actors[name]
        except KeyError:
            raise KeyError(f"no actor {name!r} in scenario {self.scenario.name}; "
                           f"actors: {', '.join(self.actors)}") from None

    def state(self, name: str) -> StateActor:
        """The state party called ``name`` (one of ``sim.parameters.PARTIES``)."""
        if name not in self.parties:
            raise KeyError(f"no state party {name!r}; parties: {', '.join(self.parties)}")
        return self.parties[name]

    def mediator(self, name: str) -> Mediator:
        """The mediator called ``name``."""
        actor = self.actor(name)
        if not isinstance(actor, Mediator):
            raise KeyError(f"{name!r} is not a mediator of scenario {self.scenario.name}")
        return actor

    def crossing_place(self, index: int) -> str:
        """The place of crossing ``index`` (its ``location``)."""
        return self.scenario.crossings[self.crossing_names[index]]["location"]

    def interstate_deaths(self) -> np.ndarray:
        """Battle deaths between the states so far (TTP attacks are not battle deaths between them)."""
        return self.pakistan.deaths_true + self.afghanistan.deaths_true

    # ---- outcomes ---------------------------------------------------------------------------------------
    def outcome(self) -> np.ndarray:
        """The outcome of each run so far, by behaviour (``sim.outcomes``): war once battle deaths
        reached ``outcome.war_deaths`` or a campaign lasted ``outcome.campaign_days``; otherwise
        de-escalated when the states fought (in the run, or before it began) and have not fought
        for ``outcome.quiet_days`` days; fighting when they fought more recently; calm when they
        never fought."""
        fought = (self.kinetic_days > 0) | (self.scenario.initial["days_since_kinetic"] < NEVER)
        quiet = self.days_since_kinetic >= self.quiet_days
        return np.select([self.war_day >= 0, ~fought, quiet],
                         [Outcome.WAR.code, Outcome.CALM.code, Outcome.DEESCALATED.code], Outcome.CONTAINED.code)

    def declared(self) -> list[tuple[str, Any, tuple[StateVar, ...]]]:
        """(name, holder, declarations) of the world and of every actor with declared state."""
        return [("world", self, self.STATE)] + [(name, actor, actor.STATE) for name, actor in self.actors.items()]

    def summary(self) -> dict[str, np.ndarray]:
        """Per-lane summary of the run so far: the outcome, the declared state that has a summary
        column (``sim.state``), and these derived figures: the first day of a truce (a halt or a
        ceasefire), battle deaths and claims between the states, whether the states had fought before
        the run began, crossings open at the end, the
        length of each crossing's first closure (to its reopening, or to the end of the run if it
        is still closed; -1 if it never closed), and the first day of every action."""
        pak, afg = self.pakistan, self.afghanistan
        out = {"run": self.run_indices.copy(), "outcome": self.outcome()}
        for actor, holder, declarations in self.declared():
            for var in declarations:
                if var.summary is not None:
                    out[var.summary_name(actor)] = getattr(holder, var.name).copy()
        halt, ceasefire = self.first_halt_day, self.first_ceasefire_day
        out["first_truce_day"] = np.where((halt >= 0) & ((ceasefire < 0) | (halt < ceasefire)), halt, ceasefire)
        out["deaths_true"] = self.interstate_deaths()
        out["deaths_claimed"] = pak.claimed_inflicted + afg.claimed_inflicted
        out["fought_before"] = np.full(self.lanes, self.scenario.initial["days_since_kinetic"] < NEVER)
        out["crossings_open_end"] = self.crossings_open.sum(axis=1)
        closed, reopened = self.first_closed_day, self.first_reopened_day
        spell = np.where(reopened >= 0, reopened - closed, np.where(closed >= 0, self.day - closed, -1))
        for i, name in enumerate(self.crossing_names):
            out[f"first_closure_days_{name}"] = spell[:, i]
        for action, code in ACTION_CODES.items():
            out[f"first_{action.key}"] = self.first_day[:, code].copy()
        return out

    def first_day_of(self, actor: str, action: Action) -> np.ndarray:
        """Per lane, the first day ``actor`` took ``action`` (-1 if never)."""
        return self.first_by_actor[self.actor_index[actor], ACTION_CODES[action]]

    def count_of(self, actor: str, action: Action) -> np.ndarray:
        """Per lane, how many times ``actor`` took ``action``."""
        return self.count_by_actor[self.actor_index[actor], ACTION_CODES[action]]

    def date_of(self, day: int) -> str:
        """The calendar date of a day of the run."""
        start = dt.date.fromisoformat(self.scenario.start_date)
        return (start + dt.timedelta(days=day)).isoformat()

    # ---- series for the DataCollector ----------------------------------------------------------------
    def _reporters(self) -> dict[str, Any]:
        """The declared state that has a series name (``sim.state``), plus the day, battle deaths,
        crossings open and whether a halt holds; R = 1 (the browser) reports plain numbers, R > 1
        one array per day."""
        def lane_value(fn):
            def report(m: EscalationModel):
                value = np.asarray(fn(m))
                value = value.astype(int) if value.dtype == bool else value
                return value[0].item() if m.lanes == 1 else value.copy()
            return report

        reporters: dict[str, Any] = {"day": lambda m: m.day}
        for actor, _, declarations in self.declared():
            for var in declarations:
                if var.series is not None:
                    reporters[var.series_name(actor)] = lane_value(
                        lambda m, a=actor, k=var.name: getattr(m if a == "world" else m.actors[a], k))
        reporters["deaths_true"] = lane_value(lambda m: m.interstate_deaths())
        reporters["crossings_open"] = lane_value(lambda m: m.crossings_open.sum(axis=1))
        reporters["halt_in_force"] = lane_value(lambda m: m.pakistan.bound | m.afghanistan.bound)
        return reporters

