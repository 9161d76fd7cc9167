"""The actors of the crisis as Mesa agents; each rule is one short method over lane arrays.

Every attribute that changes during a run is a numpy array with one entry per lane
(replicate), and every rule is written over those arrays, so one agent serves R = 1 in the
browser and R = 4,096 in a batch. An agent changes only its own state; what it does to
another actor travels through the model (``model.emit`` logs it, ``model.deliver`` puts an
attack in the target's inbox) and the target applies it in its own ``perceive`` rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np
from scipy import special

from .ladder import RETALIATION_LADDER, Action

if TYPE_CHECKING:
    from .model import EscalationModel


def hazard(rate: np.ndarray | float) -> np.ndarray:
    """The chance that an event with this daily rate happens in a day: 1 - exp(-rate)."""
    return 1 - np.exp(-np.asarray(rate, dtype=np.float64))


def quantal_response(probability: np.ndarray | float, noise: np.ndarray | float) -> np.ndarray:
    """The chance of a choice whose rule gives propensity ``probability``, at decision noise ``noise``.

    A logit quantal response (McKelvey & Palfrey 1995): expit(logit(p) / noise). At noise 1 it
    is p itself; as noise falls the choice becomes a threshold on the party's situation (act
    when p > 1/2), so that what a party does follows from what has happened to it rather than
    from a coin. p = 0 and p = 1 stay impossible and certain at any noise.
    """
    p = np.clip(np.asarray(probability, dtype=np.float64), 0.0, 1.0)
    noise = np.asarray(noise, dtype=np.float64)
    with np.errstate(divide="ignore"):
        sharpened = special.expit((np.log(p) - np.log1p(-p)) / noise)
    return np.where(noise == 1.0, p, sharpened)


class Actor(mesa.Agent):
    """Common plumbing: a name, and parameters read through the model (scalar or per lane)."""

    def __init__(self, model: EscalationModel, name: str) -> None:
        super().__init__(model)
        self.name = name

    def p(self, key: str) -> np.ndarray | float:
        """This actor's parameter ``key`` (a float, or an array with one value per lane)."""
        return self.model.params.get(f"{self.prefix}.{key}")

    @property
    def prefix(self) -> str:
        return self.name

    @property
    def lanes(self) -> int:
        return self.model.lanes


class StateActor(Actor):
    """Pakistan or Afghanistan's Taliban government: retaliates, halts, closes crossings, talks.

    The decision variable is the *net pressure* to fight,

        net = resolve' * (1 + threat) * grievance
              - cost_sensitivity * (fighting cost + closure cost)
              - claim_satisfaction * claimed enemy dead
              - restraint from engaged mediators,

    built from what the party believes: its own losses (known to it), its *claims* of the
    damage it inflicted (not the truth), and the pressure of mediators it is exposed to.
    """

    def __init__(self, model: EscalationModel, name: str, opponent: str) -> None:
        super().__init__(model, name)
        self.opponent = opponent
        init = model.scenario.initial[name]
        n = model.lanes
        self.grievance = np.full(n, init["grievance"])
        self.provocation_rung = np.full(n, init["provocation_rung"], dtype=np.int64)
        self.deaths_true = np.full(n, init["deaths_true"])
        self.deaths_acknowledged = np.full(n, init["deaths_acknowledged"])
        self.claimed_inflicted = np.full(n, init["claimed_inflicted"])
        self.recent_claims = self.claimed_inflicted.copy()  # fades like grievance: the belief of having hit hard
        self.fighting_cost = np.full(n, init["fighting_cost"])
        self.closure_cost = np.zeros(n)
        self.campaign_active = np.zeros(n, dtype=bool)
        self.crackdown_done = np.zeros(n, dtype=bool)
        self.attacked_today = np.zeros(n, dtype=bool)
        self.provocation_today = np.zeros(n)  # 1 for an attack by the opponent state, attribution for the TTP
        self.attacked_by_state = np.zeros(n, dtype=int)  # days since last attack by the opponent state
        self.attacked_by_state[:] = 999
        self.acted_today = np.zeros(n, dtype=bool)
        self.days_since_strike = np.full(n, 999, dtype=np.int64)
        self.inbox: list[tuple[str, Action, np.ndarray, np.ndarray]] = []
        caps = [Action.from_key(k) for k in self.p_list("capabilities")]
        self.capabilities = sorted((a for a in caps if a is not Action.SUSTAINED_CAMPAIGN), key=lambda a: a.rung)
        self.capability_rungs = np.array([a.rung for a in self.capabilities], dtype=np.int64)
        self.can_campaign = Action.SUSTAINED_CAMPAIGN in caps
        self.ttp_response_rung = Action.from_key(model.scenario.params[f"{name}.ttp_response"]).rung

    def p_list(self, key: str) -> list[str]:
        return self.model.scenario.params[f"{self.name}.{key}"]

    def decide(self, stream: str, propensity: np.ndarray | float) -> np.ndarray:
        """A choice per lane: a quantal response to the rule's ``propensity`` (``quantal_response``)."""
        chance = quantal_response(propensity, self.p("decision_noise"))
        return self.model.streams.bernoulli(f"{self.name}.{stream}", chance)

    def accepts_ceasefire(self, host: str) -> np.ndarray:
        """At talks hosted by ``host``, agree to a ceasefire: likely when the party's net pressure
        to fight is low. Each host has its own stream, so removing a mediator leaves the others'
        draws as they were (common random numbers)."""
        return self.decide(f"agreement.{host}", np.exp(-np.maximum(self.net_pressure(), 0)))

    # ---- phase 3: perception -------------------------------------------------------------
    def perceive(self) -> None:
        """Apply the attacks delivered to this party: losses, acknowledgements, grievance."""
        state_deaths = np.zeros(self.lanes)
        for attacker, action, mask, deaths in self.inbox:
            weight = self.p("ttp_attribution") * self.model.ttp_sanctuary if attacker == "ttp" else 1.0
            self.grievance += mask * weight * (
                self.p("grievance_per_attack") * action.rung / 10 + self.p("grievance_per_death") * deaths)
            # TTP violence blamed on the sanctuary provokes the party's chosen counter-terrorism means.
            provocation = self.ttp_response_rung if attacker == "ttp" else action.rung
            self.provocation_rung = np.where(mask & (np.asarray(weight) > 0),
                                             np.maximum(self.provocation_rung, provocation), self.provocation_rung)
            self.attacked_today |= mask
            self.provocation_today = np.maximum(self.provocation_today, mask * weight)
            if attacker == "ttp":
                continue
            state_deaths += deaths
            self.attacked_by_state = np.where(mask, 0, self.attacked_by_state)
        self.inbox.clear()
        u = self.model.streams.uniform(f"{self.name}.acknowledge")
        self.deaths_true += state_deaths
        self.deaths_acknowledged += np.floor(state_deaths * self.p("acknowledgement_ratio") + u) * (state_deaths > 0)
        self.fighting_cost += self.p("cost_per_death") * state_deaths

    def threat(self) -> np.ndarray | float:
        """Outside threat that amplifies grievance (India's ties with Kabul, for Pakistan)."""
        return self.model.india.threat_to(self.name)

    def backing(self) -> np.ndarray | float:
        """Resolve added by an ally's invoked defence pact."""
        return sum((m.backing_for(self.name) for m in self.model.mediators), 0.0)

    def restraint(self) -> np.ndarray | float:
        """Pressure to stop applied by engaged mediators, weighted by their leverage."""
        return sum((m.restraint_on(self.name) for m in self.model.mediators), 0.0)

    def net_pressure(self) -> np.ndarray:
        """What the party believes it gains by fighting on, minus what restrains it."""
        drive = (self.p("resolve") + self.backing()) * (1 + self.threat()) * self.grievance
        costs = self.p("cost_sensitivity") * (self.fighting_cost + self.closure_cost)
        satisfaction = self.p("claim_satisfaction") * self.recent_claims
        return drive - costs - satisfaction - self.restraint()

    # ---- phase 4: initiative ---------------------------------------------------------------
    def choose_initiative(self) -> tuple[np.ndarray, np.ndarray]:
        """Decide, per lane, whether to strike today and at which rung (simultaneous with the opponent)."""
        net = self.net_pressure()
        bound = self.model.bound[self.name]
        # A truce lowers the rate at which pressure turns into a strike: a bound party needs
        # 1 / (1 - commitment) times the pressure an unbound one does.
        rate = self.p("retaliation_propensity") * np.maximum(net, 0)
        willing = hazard(np.where(bound, (1 - self.p("ceasefire_commitment")) * rate, rate))
        prepared = self.attacked_by_state >= self.p("retaliation_delay")
        strike = self.decide("initiative", willing) & (self.provocation_rung > 0) & prepared
        strike |= self.campaign_active & ~bound
        incident = self.border_incident(bound) & ~strike
        rungs = np.where(incident, self.capability_rungs[0], self.choose_rung(net, "initiative"))
        return strike | incident, rungs

    def border_incident(self, bound: np.ndarray) -> np.ndarray:
        """A skirmish started by local units, not by a decision to retaliate.

        The article stresses frequent skirmishes along the disputed border even in calm years;
        tension (grievance) makes them likelier, and a party bound by a truce keeps its units
        in check in proportion to its commitment.
        """
        rate = self.p("border_incident_rate") * (1 + self.grievance)
        rate = np.where(bound, rate * (1 - self.p("ceasefire_commitment")), rate)
        return self.model.streams.bernoulli(f"{self.name}.incident", hazard(rate))

    def choose_rung(self, net: np.ndarray, stream: str) -> np.ndarray:
        """Match the worst recent provocation, or go one rung above it when pressed hard enough;
        map to what the party can do.

        A party that wants to go beyond every conventional means it has (the Taliban, who have
        no air force, answering airstrikes) turns to a sustained campaign if its pressure is high
        enough; otherwise it uses its highest means not above the wish.
        """
        step = self.decide(f"{stream}.escalate", hazard(self.p("escalation_propensity") * np.maximum(net, 0)))
        desired = self.provocation_rung + step
        beyond = desired > min(Action.AIRSTRIKE_CAPITAL.rung, int(self.capability_rungs[-1]))
        campaign = beyond & (net >= self.p("campaign_threshold"))
        campaign = (campaign & self.can_campaign) | self.campaign_active
        index = np.searchsorted(self.capability_rungs, np.minimum(desired, Action.AIRSTRIKE_CAPITAL.rung),
                                side="right") - 1
        rung = self.capability_rungs[np.maximum(index, 0)]
        return np.where(campaign, Action.SUSTAINED_CAMPAIGN.rung, rung)

    def strike(self, mask: np.ndarray, rungs: np.ndarray, location: str | None = None,
               deaths: float | None = None, action: Action | None = None) -> None:
        """Carry out kinetic actions in the lanes of ``mask``; log a violation first where bound.

        Every random draw is made for all lanes, whatever the mask, so that a lane's numbers
        never depend on what the other lanes do (see ``sim.streams``).
        """
        model = self.model
        actions = [action] if action is not None else list(RETALIATION_LADDER)
        rung_means = np.array([model.params.get(f"lethality.{a.key}") * np.ones(self.lanes) for a in actions])
        chosen = np.zeros(self.lanes, dtype=np.int64) if action is not None else np.clip(
            np.searchsorted([a.rung for a in actions], rungs), 0, len(actions) - 1)
        mean = np.take_along_axis(rung_means, chosen[None, :], axis=0)[0]
        true = model.streams.poisson(f"{self.name}.lethality", mean).astype(float)
        if deaths is not None:
            true = np.full(self.lanes, float(deaths))
        factor = model.streams.lognormal_factor(f"{self.name}.claim", self.p("claim_noise"))
        place_draw = model.streams.uniform(f"{self.name}.place")
        if not mask.any():
            return
        violating = mask & model.bound[self.name]
        if violating.any():
            model.emit(self.name, Action.CEASEFIRE_VIOLATED, self.opponent, violating)
        claimed = np.round(true * self.p("claim_inflation") * factor)
        for i, act in enumerate(actions):
            lanes = mask & (chosen == i) if action is None else mask
            if not lanes.any():
                continue
            true_here, claimed_here = true * lanes, claimed * lanes
            self.claimed_inflicted += claimed_here
            self.recent_claims += claimed_here
            self.fighting_cost += lanes * act.rung / 10
            if act is Action.SUSTAINED_CAMPAIGN:
                self.campaign_active |= lanes
            place = model.place_for(act, self.opponent, place_draw, location)
            model.emit(self.name, act, self.opponent, lanes, place, true_here, claimed_here)
            model.deliver(self.opponent, self.name, act, lanes, true_here)
            model.release_truce(lanes)
            if act.rung >= Action.AIRSTRIKE_BORDER_PROVINCE.rung and self.opponent != model.ttp.target:
                model.ttp.suffer_strikes(lanes)
        self.acted_today |= mask

    def take_initiative(self, decision: tuple[np.ndarray, np.ndarray]) -> None:
        strike, rungs = decision
        self.strike(strike, rungs)

    # ---- phase 5: same-night counter-strike ------------------------------------------------
    def counterstrike(self) -> None:
        """Answer an attack by the opponent state suffered today, the same night, if not already acting.

        A reflex of the forces attacked (their rules of engagement), so not weighed against the
        party's net pressure; whether to fight on is the next day's initiative.
        """
        hit = (self.attacked_by_state == 0) & ~self.acted_today & ~self.model.bound[self.name]
        answer = self.decide("counterstrike", self.p("counterstrike_probability"))
        net = self.net_pressure()
        rungs = self.choose_rung(net, "counterstrike")
        self.strike(hit & answer, rungs)

    # ---- phase 6: de-escalation, crossings, words ------------------------------------------
    def consider_halt(self) -> None:
        """Halt operations when restraint outweighs pressure, after striking today or yesterday."""
        fighting = self.acted_today | (self.days_since_strike == 0)
        net = self.net_pressure()
        willing = hazard(self.p("halt_propensity") * np.maximum(-net, 0))
        halt = fighting & ~self.model.bound[self.name] & self.decide("halt", willing)
        self.halt(halt)

    def halt(self, mask: np.ndarray) -> None:
        if mask.any():
            self.campaign_active &= ~mask
            self.model.emit(self.name, Action.HALT_OPERATIONS, self.opponent, mask)
            self.model.bind(self.name, mask)

    def manage_crossings(self) -> None:
        """Close the crossings after an attack; reopen them after quiet days."""
        if not self.model.scenario.params[f"{self.name}.closes_crossings"] or not self.model.crossing_names:
            return
        open_any = self.model.crossings_open.any(axis=1)
        closed_any = ~self.model.crossings_open.all(axis=1)
        provoked = self.attacked_by_state <= 1
        close = open_any & provoked & self.decide("close", self.p("closure_propensity"))
        quiet = self.model.days_since_kinetic >= 3
        reopen = closed_any & quiet & self.model.streams.bernoulli(f"{self.name}.reopen", self.p("reopen_propensity"))
        self.close_crossings(close)
        self.reopen_crossings(reopen & ~close)

    def close_crossings(self, mask: np.ndarray) -> None:
        for i in range(len(self.model.crossing_names)):
            lanes = mask & self.model.crossings_open[:, i]
            if lanes.any():
                self.model.emit(self.name, Action.CLOSE_CROSSING, self.opponent, lanes, self.model.crossing_place(i))
                self.model.set_crossing(i, lanes, False)

    def reopen_crossings(self, mask: np.ndarray) -> None:
        for i in range(len(self.model.crossing_names)):
            lanes = mask & ~self.model.crossings_open[:, i]
            if lanes.any():
                self.model.emit(self.name, Action.REOPEN_CROSSING, self.opponent, lanes, self.model.crossing_place(i))
                self.model.set_crossing(i, lanes, True)

    def consider_crackdown(self) -> None:
        """Crack down on the TTP under outside pressure (once per run)."""
        pressure = self.restraint() + self.p("cost_sensitivity") * (self.fighting_cost + self.closure_cost)
        crack = ~self.crackdown_done & self.model.streams.bernoulli(f"{self.name}.crackdown",
                                                                    hazard(self.p("crackdown_propensity") * pressure))
        self.crack_down(crack)

    def crack_down(self, mask: np.ndarray) -> None:
        mask = mask & ~self.crackdown_done
        if mask.any():
            self.crackdown_done |= mask
            self.model.emit(self.name, Action.CRACKDOWN_ON_TTP, self.opponent, mask, "")
            self.model.ttp.suffer_crackdown(mask)

    def speak(self) -> None:
        """After being hit without hitting back today: accuse, or threaten when pressure is high.

        TTP attacks provoke words only in proportion to the blame laid on the sanctuary.
        """
        chance = self.p("rhetoric_propensity") * self.provocation_today
        talk = ~self.acted_today & self.decide("rhetoric", chance)
        threat = talk & (self.net_pressure() > self.p("threat_threshold"))
        self.say(Action.THREAT_OF_FORCE, threat)
        self.say(Action.ACCUSATION, talk & ~threat)

    def say(self, action: Action, mask: np.ndarray) -> None:
        if mask.any():
            self.model.emit(self.name, action, self.opponent, mask)

    # ---- phase 8: end of day ---------------------------------------------------------------
    def bear_costs(self, closed_crossings: np.ndarray) -> None:
        """Closed crossings cost both trading partners every day; grievance, claims and costs fade."""
        keep_costs = 1 - self.p("cost_memory")
        self.closure_cost = self.closure_cost * keep_costs + closed_crossings * self.model.params.get(
            "crossings.closure_cost_per_day")
        self.fighting_cost *= keep_costs
        self.grievance *= 1 - self.p("grievance_decay")
        self.recent_claims *= 1 - self.p("grievance_decay")
        self.provocation_rung = np.where(self.attacked_today, self.provocation_rung,
                                         np.maximum(self.provocation_rung - 1, 0))
        self.attacked_by_state = np.minimum(self.attacked_by_state + 1, 999)
        self.days_since_strike = np.where(self.acted_today, 0, np.minimum(self.days_since_strike + 1, 999))
        self.attacked_today[:] = False
        self.provocation_today[:] = 0.0
        self.acted_today[:] = False


class MilitantGroup(Actor):
    """The TTP: attacks Pakistan's forces at a base rate scaled by its sanctuary and capacity."""

    def __init__(self, model: EscalationModel) -> None:
        super().__init__(model, "ttp")
        self.capacity = np.full(model.lanes, model.scenario.initial["ttp_capacity"])
        self.attacks = np.zeros(model.lanes, dtype=np.int64)
        self.deaths_inflicted = np.zeros(model.lanes)

    @property
    def target(self) -> str:
        return self.model.scenario.params["ttp.target"]

    def daily_rate(self) -> np.ndarray:
        """Attacks per day: base rate x capacity x (the part of it that the sanctuary still allows)."""
        dependence = self.p("sanctuary_dependence")
        return self.p("attack_rate") * self.capacity * (1 - dependence * (1 - self.model.ttp_sanctuary))

    def attack(self, count: np.ndarray | None = None, deaths: float | None = None,
               location: str | None = None) -> None:
        """Carry out the day's attacks; one event per lane-day, deaths summed over attacks."""
        if count is None:
            count = self.model.streams.poisson("ttp.attacks", self.daily_rate())
        lanes = count > 0
        true = self.model.streams.poisson("ttp.deaths", self.p("deaths_per_attack") * count).astype(float)
        if deaths is not None:
            true = np.full(self.lanes, float(deaths))
        place = self.model.place_for(Action.TTP_ATTACK, self.target, self.model.streams.uniform("ttp.place"), location)
        true *= lanes
        self.attacks += count
        self.deaths_inflicted += true
        if lanes.any():
            claimed = np.round(true * self.p("claim_inflation"))
            self.model.emit(self.name, Action.TTP_ATTACK, self.target, lanes, place, true, claimed, count)
            self.model.deliver(self.target, self.name, Action.TTP_ATTACK, lanes, true)

    def suffer_strikes(self, mask: np.ndarray) -> None:
        """Airstrikes on Afghan soil degrade the group's capacity a little."""
        self.capacity *= 1 - self.p("strike_attrition") * mask

    def suffer_crackdown(self, mask: np.ndarray) -> None:
        """A Taliban crackdown removes part of the sanctuary."""
        self.model.ttp_sanctuary = self.model.ttp_sanctuary * (1 - self.p("crackdown_effect") * mask)


class OutsideRival(Actor):
    """India: its ties with Kabul raise Pakistan's threat perception (a passive influence)."""

    def __init__(self, model: EscalationModel) -> None:
        super().__init__(model, "india")

    def threat_to(self, party: str) -> np.ndarray | float:
        if party != "pakistan":
            return 0.0
        return self.p("threat_factor") * self.p("ties_with_kabul")


class Mediator(Actor):
    """A third state that engages when the fighting reaches its trigger, in its own style.

    Styles nest: ``statement`` calls for restraint; ``mediation`` also offers to mediate and
    restrains more; ``host_talks`` also convenes talks that can produce a formal ceasefire.
    A mediator with an invoked defence pact stops mediating and backs its ally instead.
    """

    STYLE_WEIGHTS = {"statement": "mediation.statement_weight", "mediation": "mediation.mediation_weight",
                     "host_talks": "mediation.talks_weight"}

    def __init__(self, model: EscalationModel, name: str, index: int) -> None:
        super().__init__(model, name)
        self.index = index
        n = model.lanes
        engaged = name in model.scenario.initial["mediators_engaged"]
        self.engaged = np.full(n, engaged)
        self.attention = np.full(n, 1.0 if engaged else 0.0)  # 1 at engagement, fades without new violence
        self.engage_day = np.full(n, -1 if not engaged else 0, dtype=np.int64)
        self.style = model.scenario.params[f"{self.prefix}.style"]
        self.pact_with = model.scenario.params[f"{self.prefix}.pact_with"]
        self.pact_invoked = bool(model.scenario.params[f"{self.prefix}.pact_invoked"]) and bool(self.pact_with)
        self.capital = model.scenario.params[f"{self.prefix}.capital"]

    @property
    def prefix(self) -> str:
        return f"mediators.{self.name}"

    @property
    def label(self) -> str:
        return self.model.scenario.params[f"{self.prefix}.label"]

    def restraint_on(self, party: str) -> np.ndarray | float:
        if self.pact_invoked:
            return 0.0
        weight = self.model.params.get(self.STYLE_WEIGHTS[self.style])
        return self.attention * self.p(f"leverage.{party}") * weight

    def backing_for(self, party: str) -> np.ndarray | float:
        if not self.pact_invoked or party != self.pact_with:
            return 0.0
        return self.model.params.get("mediation.pact_backing")

    def step(self) -> None:
        """Phase 7: notice the crisis, engage after a delay, and (by style) talk."""
        self.notice_crisis()
        self.engage()
        if self.style == "host_talks" and not self.pact_invoked:
            self.host_talks()

    def notice_crisis(self) -> None:
        """Schedule engagement once the day's highest rung reaches the trigger; keep or lose attention."""
        alarm = self.model.rung_today >= self.p("trigger_rung")
        fade = np.exp2(-1.0 / self.p("attention_half_life"))
        self.attention = np.where(self.engaged & alarm, 1.0, self.attention * fade)
        triggered = (self.engage_day < 0) & alarm
        u = np.clip(self.model.streams.uniform(f"{self.prefix}.delay"), 1e-12, 1.0)
        delay = np.floor(self.p("response_lag") - np.log(u) * self.p("response_delay")).astype(np.int64)
        self.engage_day = np.where(triggered, self.model.day + delay, self.engage_day)

    def engage(self, mask: np.ndarray | None = None) -> None:
        """Make the statement (and offer) on the day engagement comes due."""
        due = (self.engage_day == self.model.day) & ~self.engaged if mask is None else mask & ~self.engaged
        self.engaged |= due
        self.attention = np.where(due, 1.0, self.attention)
        if not due.any() or self.pact_invoked:
            return
        self.model.emit(self.name, Action.CALL_FOR_RESTRAINT, "both", due, self.capital)
        if self.style in ("mediation", "host_talks"):
            self.model.emit(self.name, Action.MEDIATION_OFFER, "both", due, self.capital)

    def host_talks(self, mask: np.ndarray | None = None) -> None:
        """Convene talks when there is no ceasefire; they succeed if both parties want out."""
        model = self.model
        can = self.engaged & ~model.ceasefire_in_force & (model.days_since_kinetic < model.quiet_days)
        leverage = np.minimum(self.p("leverage.pakistan"), self.p("leverage.afghanistan"))
        chance = self.p("talks_propensity") * leverage * self.attention
        talks = can & model.streams.bernoulli(f"{self.prefix}.talks", chance)
        if mask is not None:
            talks = mask & ~model.ceasefire_in_force
        agree = talks & model.pakistan.accepts_ceasefire(self.name) & model.afghanistan.accepts_ceasefire(self.name)
        if talks.any():
            model.emit(self.name, Action.TALKS_HOSTED, "both", talks, self.capital)
            model.declare_ceasefire(agree, self)
