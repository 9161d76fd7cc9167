"""The actors of the crisis as Mesa agents: declared state, one short rule per method.

Every state variable is a numpy array with one entry per lane (replicate), declared once in
``sim.state``; every rule is written over those arrays, so one agent serves R = 1 in the
browser and R = 4,096 in a batch. A rule changes only its own actor's state. What an actor
does to others is an ``Act`` that the rule returns: the day loop (``sim.model``) records it
and applies its effects to the targets, which change their own state in their own methods
(``receive``, ``release_truce``, ``enter_ceasefire``, ``suffer_strikes``, ``lose_sanctuary``).
Each rule's docstring is its paragraph in docs/ODD.md (``python -m sim.docs --write``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa
import numpy as np
from scipy import special

from .events import Act
from .geography import pick_places, place_index
from .ladder import RETALIATION_LADDER, Action
from .parameters import PARTIES
from .state import MEDIATOR_STATE, PARTY_STATE, TTP_STATE, StateVar, lane_arrays

if TYPE_CHECKING:
    from .model import EscalationModel
    from .scenario import Shock


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
    """Common plumbing: a name, declared lane state, and parameters read through the model."""

    STATE: tuple[StateVar, ...] = ()

    def __init__(self, model: EscalationModel, name: str, initial: dict[str, Any] | None = None,
                 overrides: dict[str, Any] | None = None) -> None:
        super().__init__(model)
        self.name = name
        for key, values in lane_arrays(self.STATE, model.lanes, initial, overrides).items():
            setattr(self, key, values)

    def p(self, key: str) -> np.ndarray | float:
        """This actor's parameter ``key`` (a float, or an array with one value per lane)."""
        return self.model.params.get(f"{self.prefix}.{key}")

    @property
    def prefix(self) -> str:
        return self.name

    @property
    def lanes(self) -> int:
        return self.model.lanes

    def start_day(self) -> None:
        """Reset the day's own flags (the ``daily`` state) before the day begins."""
        for var in self.STATE:
            if var.daily:
                getattr(self, var.name)[:] = var.default

    def say(self, action: Action, mask: np.ndarray, target: str = "both", location: str = "") -> list[Act]:
        """Words (an accusation, a threat, a call for restraint) in the lanes of ``mask``."""
        return [Act(self.name, action, target, mask, place_index(location))] if mask.any() else []


class StateActor(Actor):
    """Pakistan or Afghanistan's Taliban government: strikes, answers, halts, closes crossings, talks.

    The decision variable is the *net pressure* to fight,

        net = resolve' * (1 + threat) * grievance
              - cost_sensitivity * (fighting cost + closure cost)
              - claim_satisfaction * recently claimed enemy dead
              - restraint from engaged mediators,

    built from what the party believes: its own losses (known to it), its *claims* of the
    damage it inflicted (not the truth), and the pressure of mediators it is exposed to.
    """

    STATE = PARTY_STATE

    def __init__(self, model: EscalationModel, name: str, opponent: str) -> None:
        super().__init__(model, name, initial=model.scenario.initial[name])
        self.opponent = opponent
        self.inbox: list[Act] = []  # attacks delivered since the party last perceived
        caps = [Action.from_key(k) for k in model.scenario.params[f"{name}.capabilities"]]
        self.capabilities = sorted((a for a in caps if a is not Action.SUSTAINED_CAMPAIGN), key=lambda a: a.rung)
        self.capability_rungs = np.array([a.rung for a in self.capabilities], dtype=np.int64)
        self.can_campaign = Action.SUSTAINED_CAMPAIGN in caps
        self.ttp_response_rung = Action.from_key(model.scenario.params[f"{name}.ttp_response"]).rung

    def decide(self, stream: str, propensity: np.ndarray | float) -> np.ndarray:
        """A choice per lane: a quantal response to the rule's ``propensity`` (``quantal_response``)."""
        chance = quantal_response(propensity, self.p("decision_noise"))
        return self.model.streams.bernoulli(f"{self.name}.{stream}", chance)

    # ---- what the party believes -----------------------------------------------------------
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
        """What the party believes it gains by fighting on, minus what restrains it (class docstring)."""
        drive = (self.p("resolve") + self.backing()) * (1 + self.threat()) * self.grievance
        costs = self.p("cost_sensitivity") * (self.fighting_cost + self.closure_cost)
        satisfaction = self.p("claim_satisfaction") * self.recent_claims
        return drive - costs - satisfaction - self.restraint()

    # ---- perception ------------------------------------------------------------------------------
    def receive(self, attack: Act) -> None:
        """Take delivery of an attack; the party takes it in when it next perceives."""
        self.inbox.append(attack)

    def perceive(self) -> None:
        """Take in the attacks delivered since the last look (``feel``), then count the own losses
        they caused (``count_losses``); an attack by the other state restarts its days since
        attacked."""
        state_deaths = np.zeros(self.lanes)
        for attack in self.inbox:
            self.feel(attack)
            if attack.actor != "ttp":
                state_deaths += attack.deaths_true
                self.days_since_attacked = np.where(attack.lanes, 0, self.days_since_attacked)
        self.inbox.clear()
        self.count_losses(state_deaths)

    def blame(self, attack: Act) -> np.ndarray | float:
        """How much of an attack the party lays on the other state: all of the other state's own
        attacks; of the TTP's, the share it attributes to the sanctuary (``ttp_attribution``)
        times the part of the sanctuary the TTP still has."""
        return self.p("ttp_attribution") * self.model.ttp.sanctuary if attack.actor == "ttp" else 1.0

    def feel(self, attack: Act) -> None:
        """Grievance and provocation from one attack, in proportion to the blame laid for it.

        Grievance grows with the attack's rung (``grievance_per_attack`` at rung 10) and its
        toll (``grievance_per_death``). The provocation rises to the attack's rung, or, for TTP
        violence blamed on the sanctuary, to the rung of the party's chosen counter-terrorism
        means (``ttp_response``). The day counts as one on which the party was attacked, unless
        it blames no one for the attack (a TTP attack at no attribution): then its provocation
        fades as on a quiet day.
        """
        weight = self.blame(attack)
        mask = attack.lanes
        self.grievance += mask * weight * (self.p("grievance_per_attack") * attack.action.rung / 10
                                           + self.p("grievance_per_death") * attack.deaths_true)
        provocation = self.ttp_response_rung if attack.actor == "ttp" else attack.action.rung
        blamed = mask & (np.asarray(weight) > 0)
        self.provocation_rung = np.where(blamed, np.maximum(self.provocation_rung, provocation), self.provocation_rung)
        self.attacked_today |= blamed
        self.provocation_today = np.maximum(self.provocation_today, mask * weight)

    def count_losses(self, deaths: np.ndarray) -> None:
        """Own dead in interstate fighting: known truly, admitted in part (``acknowledgement_ratio``,
        rounded at random), and each one a cost of fighting (``cost_per_death``)."""
        u = self.model.streams.uniform(f"{self.name}.acknowledge")
        self.deaths_true += deaths
        self.deaths_acknowledged += np.floor(deaths * self.p("acknowledgement_ratio") + u) * (deaths > 0)
        self.fighting_cost += self.p("cost_per_death") * deaths

    # ---- initiative --------------------------------------------------------------------------------
    def choose_initiative(self) -> tuple[np.ndarray, np.ndarray]:
        """Decide, per lane, whether to strike today and at which rung, from what the party knew at
        the end of yesterday (both states decide at once): a deliberate strike (``wants_to_strike``),
        the next day of a campaign under way unless bound, or else a local skirmish
        (``border_incident``) at the party's lowest means."""
        net = self.net_pressure()
        strike = self.wants_to_strike(net) | (self.campaign_active & ~self.bound)
        incident = self.border_incident() & ~strike
        rungs = np.where(incident, self.capability_rungs[0], self.choose_rung(net, "initiative"))
        return strike | incident, rungs

    def wants_to_strike(self, net: np.ndarray) -> np.ndarray:
        """Strike deliberately: the hazard rate ``retaliation_propensity`` x positive net pressure,
        held back by a truce (a bound party's rate is ``1 - ceasefire_commitment`` times it), only
        while provoked and once ``retaliation_delay`` days have passed since the other state's
        last attack (planned retaliation needs preparation)."""
        rate = self.p("retaliation_propensity") * np.maximum(net, 0)
        willing = hazard(np.where(self.bound, (1 - self.p("ceasefire_commitment")) * rate, rate))
        prepared = self.days_since_attacked >= self.p("retaliation_delay")
        return self.decide("initiative", willing) & (self.provocation_rung > 0) & prepared

    def border_incident(self) -> np.ndarray:
        """A skirmish started by local units, not by a decision to retaliate.

        The article stresses frequent skirmishes along the disputed border even in calm years;
        tension (grievance) makes them likelier (rate ``border_incident_rate`` x (1 + grievance)),
        and a party bound by a truce keeps its units in check in proportion to its commitment.
        Not a choice: it is drawn at the rate, without decision noise.
        """
        rate = self.p("border_incident_rate") * (1 + self.grievance)
        rate = np.where(self.bound, rate * (1 - self.p("ceasefire_commitment")), rate)
        return self.model.streams.bernoulli(f"{self.name}.incident", hazard(rate))

    def choose_rung(self, net: np.ndarray, stream: str) -> np.ndarray:
        """Match the worst recent provocation, or go one rung above it with propensity
        ``1 - exp(-escalation_propensity x net pressure)``; then map the wish to what the party can do.

        A party that wants to go beyond every conventional means it has (the Taliban, who have
        no air force, answering airstrikes) turns to a sustained campaign if its net pressure is
        at least ``campaign_threshold``; otherwise it uses its highest means not above the wish.
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
               deaths: float | None = None) -> list[Act]:
        """Strike the other state in the lanes of ``mask``, each at its rung.

        The toll is Poisson with the action's lethality (or ``deaths``, for a scheduled strike);
        the party claims the toll x ``claim_inflation`` x a lognormal factor (``claim_noise``)
        and believes its claim. Its own strikes cost it (rung / 10 a strike), and a campaign
        once launched goes on. A party bound by a truce first violates it (a logged act).
        Every random draw is made for all lanes, whatever the mask, so that a lane's numbers
        never depend on what the other lanes do (see ``sim.streams``).
        """
        model = self.model
        ladder = np.array([a.rung for a in RETALIATION_LADDER])
        chosen = np.clip(np.searchsorted(ladder, rungs), 0, len(ladder) - 1)
        means = np.array([model.params.get(f"lethality.{a.key}") * np.ones(self.lanes) for a in RETALIATION_LADDER])
        true = model.streams.poisson(f"{self.name}.lethality",
                                     np.take_along_axis(means, chosen[None, :], axis=0)[0]).astype(float)
        if deaths is not None:
            true = np.full(self.lanes, float(deaths))
        factor = model.streams.lognormal_factor(f"{self.name}.claim", self.p("claim_noise"))
        place_draw = model.streams.uniform(f"{self.name}.place")
        if not mask.any():
            return []
        acts = []
        violating = mask & self.bound
        if violating.any():
            acts.append(Act(self.name, Action.CEASEFIRE_VIOLATED, self.opponent, violating))
        claimed = np.round(true * self.p("claim_inflation") * factor)
        for i, action in enumerate(RETALIATION_LADDER):
            lanes = mask & (chosen == i)
            if not lanes.any():
                continue
            true_here, claimed_here = true * lanes, claimed * lanes
            self.claimed_inflicted += claimed_here
            self.recent_claims += claimed_here
            self.fighting_cost += lanes * action.rung / 10
            if action is Action.SUSTAINED_CAMPAIGN:
                self.campaign_active |= lanes
            acts.append(Act(self.name, action, self.opponent, lanes,
                            pick_places(action, self.opponent, place_draw, location), true_here, claimed_here))
        self.acted_today |= mask
        return acts

    # ---- same-night counter-strike ------------------------------------------------------------------
    def counterstrike(self) -> list[Act]:
        """Answer an attack by the other state suffered today, the same night, if not already acting
        and not bound: with propensity ``counterstrike_probability``, at the rung ``choose_rung`` gives.

        A reflex of the forces attacked (their rules of engagement), so not weighed against the
        party's net pressure; whether to fight on is the next day's initiative.
        """
        hit = (self.days_since_attacked == 0) & ~self.acted_today & ~self.bound
        answer = self.decide("counterstrike", self.p("counterstrike_probability"))
        rungs = self.choose_rung(self.net_pressure(), "counterstrike")
        return self.strike(hit & answer, rungs)

    # ---- deliberation: halts, crossings, crackdown, words ---------------------------------------
    def consider_halt(self) -> list[Act]:
        """Halt operations when restraint outweighs pressure: a hazard rate ``halt_propensity`` x
        negative net pressure, for a party that struck today or yesterday and is not bound."""
        fighting = self.acted_today | (self.days_since_strike == 0)
        willing = hazard(self.p("halt_propensity") * np.maximum(-self.net_pressure(), 0))
        return self.halt(fighting & ~self.bound & self.decide("halt", willing))

    def halt(self, mask: np.ndarray) -> list[Act]:
        """Halt: end any campaign and bind itself, until a strike between the states releases it."""
        if not mask.any():
            return []
        self.campaign_active &= ~mask
        self.bound |= mask
        return [Act(self.name, Action.HALT_OPERATIONS, self.opponent, mask)]

    def manage_crossings(self) -> list[Act]:
        """For a party that closes crossings (``closes_crossings``): close them the day it is
        attacked or the day after, with propensity ``closure_propensity``; reopen closed ones at
        the rate ``reopen_propensity`` a day once three days have passed without fighting between
        the states, and none today."""
        model = self.model
        if not model.scenario.params[f"{self.name}.closes_crossings"] or not model.crossing_names:
            return []
        open_any = model.crossings_open.any(axis=1)
        closed_any = ~model.crossings_open.all(axis=1)
        close = open_any & (self.days_since_attacked <= 1) & self.decide("close", self.p("closure_propensity"))
        quiet = (model.days_since_kinetic >= 3) & ~model.kinetic_today
        reopen = closed_any & quiet & model.streams.bernoulli(f"{self.name}.reopen", self.p("reopen_propensity"))
        return self.close_crossings(close) + self.reopen_crossings(reopen & ~close)

    def close_crossings(self, mask: np.ndarray) -> list[Act]:
        """Close every open crossing in the lanes of ``mask``."""
        return self._crossing_acts(Action.CLOSE_CROSSING, mask & self.model.crossings_open.T)

    def reopen_crossings(self, mask: np.ndarray) -> list[Act]:
        """Reopen every closed crossing in the lanes of ``mask``."""
        return self._crossing_acts(Action.REOPEN_CROSSING, mask & ~self.model.crossings_open.T)

    def _crossing_acts(self, action: Action, lanes_by_crossing: np.ndarray) -> list[Act]:
        return [Act(self.name, action, self.opponent, lanes, place_index(self.model.crossing_place(i)), crossing=i)
                for i, lanes in enumerate(lanes_by_crossing) if lanes.any()]

    def consider_crackdown(self) -> list[Act]:
        """Crack down on the TTP under outside pressure, at most once a run: a hazard rate
        ``crackdown_propensity`` x (mediators' restraint + the costs borne). Drawn without decision noise."""
        pressure = self.restraint() + self.p("cost_sensitivity") * (self.fighting_cost + self.closure_cost)
        crack = ~self.crackdown_done & self.model.streams.bernoulli(
            f"{self.name}.crackdown", hazard(self.p("crackdown_propensity") * pressure))
        return self.crack_down(crack)

    def crack_down(self, mask: np.ndarray) -> list[Act]:
        """Crack down on the TTP (its effect: the TTP loses part of its sanctuary)."""
        mask = mask & ~self.crackdown_done
        if not mask.any():
            return []
        self.crackdown_done |= mask
        return [Act(self.name, Action.CRACKDOWN_ON_TTP, self.opponent, mask)]

    def speak(self) -> list[Act]:
        """After being hit without hitting back today, with propensity ``rhetoric_propensity`` x
        today's provocation: accuse, or threaten force when net pressure exceeds ``threat_threshold``.

        TTP attacks provoke words only in proportion to the blame laid on the sanctuary.
        """
        chance = self.p("rhetoric_propensity") * self.provocation_today
        talk = ~self.acted_today & self.decide("rhetoric", chance)
        threat = talk & (self.net_pressure() > self.p("threat_threshold"))
        return (self.say(Action.THREAT_OF_FORCE, threat, self.opponent)
                + self.say(Action.ACCUSATION, talk & ~threat, self.opponent))

    # ---- ceasefires and truces ------------------------------------------------------------------------
    def accepts_ceasefire(self, host: str) -> np.ndarray:
        """At talks hosted by ``host``, agree to a ceasefire with propensity exp(-positive net
        pressure): likely when the party has little left to fight for. Each host has its own
        random stream, so removing a mediator leaves the others' draws as they were."""
        return self.decide(f"agreement.{host}", np.exp(-np.maximum(self.net_pressure(), 0)))

    def enter_ceasefire(self, lanes: np.ndarray) -> None:
        """A ceasefire is declared: end any campaign and be bound by it."""
        self.campaign_active &= ~lanes
        self.bound |= lanes

    def release_truce(self, lanes: np.ndarray) -> None:
        """A strike between the states ends every halt and ceasefire in its lanes."""
        self.bound &= ~lanes

    # ---- end of day ------------------------------------------------------------------------------------
    def bear_costs(self, closed_crossings: np.ndarray) -> None:
        """Closed crossings cost both trading partners ``crossings.closure_cost_per_day`` each a day;
        the weight of every past cost fades by ``cost_memory`` a day."""
        keep_costs = 1 - self.p("cost_memory")
        self.closure_cost = self.closure_cost * keep_costs + closed_crossings * self.model.params.get(
            "crossings.closure_cost_per_day")
        self.fighting_cost *= keep_costs

    def forget(self) -> None:
        """Grievance and the felt claims fade by ``grievance_decay`` a day; the provocation falls one
        rung on a day the party was not attacked."""
        self.grievance *= 1 - self.p("grievance_decay")
        self.recent_claims *= 1 - self.p("grievance_decay")
        self.provocation_rung = np.where(self.attacked_today, self.provocation_rung,
                                         np.maximum(self.provocation_rung - 1, 0))

    def count_days(self) -> None:
        """One more day since the party was last attacked and since it last struck (capped at 999)."""
        self.days_since_attacked = np.minimum(self.days_since_attacked + 1, 999)
        self.days_since_strike = np.where(self.acted_today, 0, np.minimum(self.days_since_strike + 1, 999))

    def perform(self, shock: Shock, lanes: np.ndarray) -> list[Act]:
        """Carry out a scheduled act with the rule that carries it out by choice."""
        action = shock.action
        if action.kinetic:
            return self.strike(lanes, np.full(self.lanes, action.rung), shock.location or None, shock.deaths)
        if action is Action.HALT_OPERATIONS:
            return self.halt(lanes)
        if action is Action.CLOSE_CROSSING:
            return self.close_crossings(lanes)
        if action is Action.REOPEN_CROSSING:
            return self.reopen_crossings(lanes)
        if action is Action.CRACKDOWN_ON_TTP:
            return self.crack_down(lanes)
        return self.say(action, lanes, shock.target or self.opponent, shock.location)


class MilitantGroup(Actor):
    """The TTP: attacks its target's forces at a base rate scaled by its capacity and sanctuary."""

    STATE = TTP_STATE

    def __init__(self, model: EscalationModel) -> None:
        super().__init__(model, "ttp", initial=model.scenario.initial)

    @property
    def target(self) -> str:
        """The state the TTP attacks (``ttp.target``)."""
        return self.model.scenario.params["ttp.target"]

    @property
    def host(self) -> str:
        """The state whose soil is its sanctuary: the other party."""
        return next(p for p in PARTIES if p != self.target)

    def daily_rate(self) -> np.ndarray:
        """Attacks per day: ``attack_rate`` x capacity x (the part of it the sanctuary still allows:
        1 - ``sanctuary_dependence`` x the share of sanctuary lost)."""
        dependence = self.p("sanctuary_dependence")
        return self.p("attack_rate") * self.capacity * (1 - dependence * (1 - self.sanctuary))

    def attack(self, count: np.ndarray | None = None, deaths: float | None = None,
               location: str | None = None) -> list[Act]:
        """The day's attacks, Poisson at the daily rate (or ``count``, scheduled): one act per
        lane-day, its toll Poisson with mean ``deaths_per_attack`` per attack (or ``deaths``),
        claimed x ``claim_inflation``."""
        if count is None:
            count = self.model.streams.poisson("ttp.attacks", self.daily_rate())
        lanes = count > 0
        true = self.model.streams.poisson("ttp.deaths", self.p("deaths_per_attack") * count).astype(float)
        if deaths is not None:
            true = np.full(self.lanes, float(deaths))
        place = pick_places(Action.TTP_ATTACK, self.target, self.model.streams.uniform("ttp.place"), location)
        true *= lanes
        self.attacks += count
        self.deaths_inflicted += true
        if not lanes.any():
            return []
        claimed = np.round(true * self.p("claim_inflation"))
        return [Act(self.name, Action.TTP_ATTACK, self.target, lanes, place, true, claimed, count)]

    def suffer_strikes(self, lanes: np.ndarray) -> None:
        """Airstrikes on its host's soil degrade the group: capacity x (1 - ``strike_attrition``)."""
        self.capacity *= 1 - self.p("strike_attrition") * lanes

    def lose_sanctuary(self, lanes: np.ndarray) -> None:
        """A crackdown by its host removes ``crackdown_effect`` of the sanctuary left."""
        self.sanctuary = self.sanctuary * (1 - self.p("crackdown_effect") * lanes)

    def perform(self, shock: Shock, lanes: np.ndarray) -> list[Act]:
        """A scheduled attack: one, with the shock's toll and place if it gives them."""
        return self.attack(lanes.astype(np.int64), shock.deaths, shock.location or None)


class OutsideRival(Actor):
    """India: its ties with Kabul raise Pakistan's threat perception (a passive influence)."""

    def __init__(self, model: EscalationModel) -> None:
        super().__init__(model, "india")

    def threat_to(self, party: str) -> np.ndarray | float:
        """``threat_factor`` x ``ties_with_kabul`` for Pakistan; nothing for anyone else."""
        if party != "pakistan":
            return 0.0
        return self.p("threat_factor") * self.p("ties_with_kabul")

    def perform(self, shock: Shock, lanes: np.ndarray) -> list[Act]:
        """Scheduled words."""
        return self.say(shock.action, lanes, shock.target or "both", shock.location)


class Mediator(Actor):
    """A third state that engages when the fighting reaches its trigger, in its own style.

    Styles nest: ``statement`` calls for restraint; ``mediation`` also offers to mediate and
    restrains more; ``host_talks`` also convenes talks that can produce a formal ceasefire.
    A mediator with an invoked defence pact stops mediating and backs its ally instead.
    """

    STATE = MEDIATOR_STATE
    STYLE_WEIGHTS = {"statement": "mediation.statement_weight", "mediation": "mediation.mediation_weight",
                     "host_talks": "mediation.talks_weight"}

    def __init__(self, model: EscalationModel, name: str, index: int) -> None:
        engaged = name in model.scenario.initial["mediators_engaged"]
        super().__init__(model, name, overrides={"engaged": engaged, "attention": 1.0 if engaged else 0.0,
                                                 "engage_day": 0 if engaged else -1})
        self.index = index
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

    @property
    def hosts_talks(self) -> bool:
        """Whether it convenes talks: style ``host_talks``, and no invoked pact."""
        return self.style == "host_talks" and not self.pact_invoked

    def restraint_on(self, party: str) -> np.ndarray | float:
        """Pressure to stop on ``party``: attention x leverage over it x the weight of its style
        (``mediation.statement_weight`` < ``mediation_weight`` < ``talks_weight``); none once its pact is invoked."""
        if self.pact_invoked:
            return 0.0
        weight = self.model.params.get(self.STYLE_WEIGHTS[self.style])
        return self.attention * self.p(f"leverage.{party}") * weight

    def backing_for(self, party: str) -> np.ndarray | float:
        """Resolve added to its ally once its defence pact is invoked (``mediation.pact_backing``)."""
        if not self.pact_invoked or party != self.pact_with:
            return 0.0
        return self.model.params.get("mediation.pact_backing")

    def notice_crisis(self) -> None:
        """Once the day's rung reaches ``trigger_rung``, schedule engagement ``response_lag`` days
        later plus an exponential delay of mean ``response_delay`` (floored to whole days); an
        engaged mediator's attention returns to 1 while the fighting stays at its trigger and
        halves every ``attention_half_life`` days without."""
        alarm = self.model.rung_today >= self.p("trigger_rung")
        fade = np.exp2(-1.0 / self.p("attention_half_life"))
        self.attention = np.where(self.engaged & alarm, 1.0, self.attention * fade)
        triggered = (self.engage_day < 0) & alarm
        u = np.clip(self.model.streams.uniform(f"{self.prefix}.delay"), 1e-12, 1.0)
        delay = np.floor(self.p("response_lag") - np.log(u) * self.p("response_delay")).astype(np.int64)
        self.engage_day = np.where(triggered, self.model.day + delay, self.engage_day)

    def engage(self, mask: np.ndarray | None = None) -> list[Act]:
        """On the day engagement comes due (or in ``mask``): call for restraint, and, in the styles
        ``mediation`` and ``host_talks``, offer to mediate. A mediator whose pact is invoked stays silent."""
        due = (self.engage_day == self.model.day) & ~self.engaged if mask is None else mask & ~self.engaged
        self.engaged |= due
        self.attention = np.where(due, 1.0, self.attention)
        if not due.any() or self.pact_invoked:
            return []
        acts = self.say(Action.CALL_FOR_RESTRAINT, due, "both", self.capital)
        if self.style in ("mediation", "host_talks"):
            acts += self.say(Action.MEDIATION_OFFER, due, "both", self.capital)
        return acts

    def convene_talks(self, forced: np.ndarray | None = None) -> np.ndarray:
        """The lanes where it hosts talks today: engaged, no ceasefire yet, and fighting within the
        last ``outcome.quiet_days`` days; with chance ``talks_propensity`` x its smaller leverage
        over the two parties x its attention (or in ``forced``, a scheduled round of talks)."""
        model = self.model
        can = self.engaged & ~model.ceasefire_in_force & (model.days_since_kinetic < model.quiet_days)
        leverage = np.minimum(self.p("leverage.pakistan"), self.p("leverage.afghanistan"))
        chance = self.p("talks_propensity") * leverage * self.attention
        talks = can & model.streams.bernoulli(f"{self.prefix}.talks", chance)
        return talks if forced is None else forced & ~model.ceasefire_in_force

    def perform(self, shock: Shock, lanes: np.ndarray) -> list[Act]:
        """A scheduled call for restraint or offer: it engages at once."""
        return self.engage(lanes)
