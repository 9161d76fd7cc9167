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


def quantal_response(probability: np.ndarray | float, noise: np.ndarray | float,
                     shift: np.ndarray | float = 0.0) -> np.ndarray:
    """The chance of a choice whose rule gives propensity ``probability``, at decision noise ``noise``.

    A logit quantal response (McKelvey & Palfrey 1995): expit(logit(p) / noise + shift). At noise
    1 and shift 0 it is p itself; as noise falls the choice becomes a threshold on the party's
    situation (act when p > 1/2), so that what a party does follows from what has happened to it
    rather than from a coin. ``shift`` is a random intercept on the choice's logit (the crisis's
    climate, ``EscalationModel.hostility``). p = 0 and p = 1 stay impossible and certain at any
    noise and shift.
    """
    p = np.clip(np.asarray(probability, dtype=np.float64), 0.0, 1.0)
    noise = np.asarray(noise, dtype=np.float64)
    shift = np.asarray(shift, dtype=np.float64)
    plain = not shift.any()
    if plain and noise.ndim == 0 and noise == 1.0:
        return p
    with np.errstate(divide="ignore"):
        sharpened = special.expit(special.logit(p) / noise + shift)
    return np.where((noise == 1.0) & (shift == 0.0), p, sharpened)


#: The lean of a state's choice under the crisis's climate (``StateActor.decide``).
HOSTILE, CONCILIATORY = 1.0, -1.0


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
        self.index = PARTIES.index(name)
        self.inbox: list[Act] = []  # attacks delivered since the party last perceived
        caps = [Action.from_key(k) for k in model.scenario.params[f"{name}.capabilities"]]
        self.capabilities = sorted((a for a in caps if a is not Action.SUSTAINED_CAMPAIGN), key=lambda a: a.rung)
        self.capability_rungs = np.array([a.rung for a in self.capabilities], dtype=np.int64)
        self.can_campaign = Action.SUSTAINED_CAMPAIGN in caps
        self.ttp_response_rung = Action.from_key(model.scenario.params[f"{name}.ttp_response"]).rung

    def decide(self, stream: str, propensity: np.ndarray | float, lean: float = HOSTILE) -> np.ndarray:
        """A choice per lane: a quantal response to the rule's ``propensity`` (``quantal_response``),
        its logit shifted by the crisis's climate (``hostility``): towards force for a ``HOSTILE``
        choice, away from settling for a ``CONCILIATORY`` one."""
        chance = quantal_response(propensity, self.p("decision_noise"), lean * self.model.hostility)
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
        """Grievance, provocation and the toll blamed on the sanctuary from one attack.

        Grievance grows, in proportion to the blame laid, with the attack's rung
        (``grievance_per_attack`` at rung 10) and its toll (``grievance_per_death``), and by
        ``capital_grievance`` more for a strike on the capital (a red line, the article). An attack by
        the other state raises the provocation to its rung, at its place, and makes the day one
        on which the party was attacked. A TTP attack never sets the provocation (a response to
        the other state answers what that state did): its toll, times the blame, adds to the
        toll the party holds against the sanctuary (``strikes_sanctuary``), and it provokes words
        in proportion to the blame.
        """
        weight = self.blame(attack)
        mask = attack.lanes
        self.grievance += mask * weight * (self.p("grievance_per_attack") * attack.action.rung / 10
                                           + self.p("grievance_per_death") * attack.deaths_true)
        if attack.action is Action.AIRSTRIKE_CAPITAL:
            self.grievance += mask * self.p("capital_grievance")
        self.provocation_today = np.maximum(self.provocation_today, mask * weight)
        if attack.actor == "ttp":
            self.sanctuary_toll += mask * weight * attack.deaths_true
            return
        worse = mask & (attack.action.rung >= self.provocation_rung)
        self.provocation_place = np.where(worse, attack.place, self.provocation_place)
        self.provocation_rung = np.where(mask, np.maximum(self.provocation_rung, attack.action.rung),
                                         self.provocation_rung)
        self.attacked_today |= mask

    def count_losses(self, deaths: np.ndarray) -> None:
        """Own dead in interstate fighting: known truly, admitted in part (``acknowledgement_ratio``,
        rounded at random), and each one a cost of fighting (``cost_per_death``)."""
        u = self.model.streams.uniform(f"{self.name}.acknowledge")
        self.deaths_true += deaths
        self.deaths_acknowledged += np.floor(deaths * self.p("acknowledgement_ratio") + u) * (deaths > 0)
        self.fighting_cost += self.p("cost_per_death") * deaths

    # ---- initiative --------------------------------------------------------------------------------
    def choose_initiative(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Decide, per lane, whether to strike today, at which rung and where, from what the party
        knew at the end of yesterday (both states decide at once): a deliberate strike on the
        other state (``wants_to_strike``) or the next day of a campaign under way unless bound;
        else a strike on the TTP's sanctuary (``strikes_sanctuary``), at the rung of
        ``ttp_response``; else a clash at a disputed site (``border_clash``) at the party's lowest
        means. Returns (strike, rung, place; -1 where the place is drawn)."""
        net = self.net_pressure()
        retaliate = self.wants_to_strike(net) | (self.campaign_active & ~self.bound)
        rungs = self.choose_rung(net, "initiative")
        sanctuary = self.strikes_sanctuary() & ~retaliate
        rungs = np.where(sanctuary, self.ttp_response_rung, rungs)
        clash, site_place = self.border_clash()
        clash &= ~(retaliate | sanctuary)
        rungs = np.where(clash, self.capability_rungs[0], rungs)
        return retaliate | sanctuary | clash, rungs, np.where(clash, site_place, -1)

    def wants_to_strike(self, net: np.ndarray) -> np.ndarray:
        """Strike the other state deliberately: the hazard rate ``retaliation_propensity`` x positive
        net pressure, held back by a truce (a bound party's rate is ``1 - ceasefire_commitment``
        times it), only while provoked by that state and once ``retaliation_delay`` days have
        passed since its last attack (planned retaliation needs preparation)."""
        rate = self.p("retaliation_propensity") * np.maximum(net, 0)
        willing = hazard(np.where(self.bound, (1 - self.p("ceasefire_commitment")) * rate, rate))
        prepared = self.days_since_attacked >= self.p("retaliation_delay")
        return self.decide("initiative", willing) & (self.provocation_rung > 0) & prepared

    def strikes_sanctuary(self) -> np.ndarray:
        """Strike the TTP's sanctuary on the other state's soil when the recent toll the party blames
        on it exceeds what it tolerates: the hazard rate ``sanctuary_strike_rate`` x (toll -
        ``sanctuary_tolerance``) ** ``sanctuary_toll_exponent`` (0 where the toll is within
        tolerance), held back by a truce like any strike. Deciding to strike settles the toll.
        The toll includes attacks up to yesterday: a strike comes a day or more after the attack
        it answers (two days in E03 and E11).

        Sources: base_rates.md sections 5 and 8 (fewer than one strike a year; 2 of 13 attacks
        that killed 5+ soldiers drew a strike within 7 days; the largest drew demarches); the
        article's "key question" is the sanctuary (Salehyan 2007 on rebel sanctuaries and
        interstate conflict).
        """
        excess = self.sanctuary_toll - self.p("sanctuary_tolerance")
        pressure = np.where(excess > 0, np.maximum(excess, 0) ** self.p("sanctuary_toll_exponent"), 0.0)
        rate = self.p("sanctuary_strike_rate") * pressure
        rate = np.where(self.bound, (1 - self.p("ceasefire_commitment")) * rate, rate)
        strike = self.decide("sanctuary", hazard(rate))
        self.sanctuary_toll = np.where(strike, 0.0, self.sanctuary_toll)
        return strike

    def border_clash(self) -> tuple[np.ndarray, np.ndarray]:
        """A clash started by local forces at a disputed site (a post, fence or gate under
        construction, an incident at a crossing), not by a decision to retaliate.

        Each site of the scenario (``[sites]``) sees clashes at ``clash_rate`` a year in calm
        times, this party starting ``afghan_share`` of them (or the rest, for Pakistan); the
        party's grievance multiplies the rate (1 + grievance). A truce between the capitals does
        not hold local units back (an assumption: in the episodes clashes came back within days
        at the same site, E06, E15); a clash while bound is a violation. Drawn at the rate,
        without decision noise. Returns the lanes and the place of the (first) site that flared.

        Sources: base_rates.md section 9 (construction disputes set off 8 of the 12 ground
        clashes; who fired first is disputed in every episode).
        """
        clash = np.zeros(self.lanes, dtype=bool)
        place = np.full(self.lanes, -1, dtype=np.int64)
        tension = 1 + self.grievance
        for site, spec in self.model.scenario.sites.items():
            share = self.model.params.get(f"sites.{site}.afghan_share")
            share = share if self.name == "afghanistan" else 1 - share
            rate = self.model.params.get(f"sites.{site}.clash_rate") / 365 * share * tension
            flare = self.model.streams.bernoulli(f"{self.name}.clash.{site}", hazard(rate)) & ~clash
            place = np.where(flare, place_index(spec["location"]), place)
            clash |= flare
        return clash, place

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

    def strike(self, mask: np.ndarray, rungs: np.ndarray, places: np.ndarray | None = None,
               location: str | None = None, deaths: float | None = None) -> list[Act]:
        """Strike the other state in the lanes of ``mask``, each at its rung and place (``places``,
        where not -1; else drawn among the action's places, or ``location`` if given).

        The toll is Poisson with the action's lethality times a gamma factor of mean 1 and
        variance ``lethality.toll_dispersion`` (negative binomial: most exchanges kill no-one, a
        few kill many), or ``deaths`` for a scheduled strike;
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
        spread = model.streams.gamma_factor(f"{self.name}.toll_spread", model.params.get("lethality.toll_dispersion"),
                                            where=mask)
        true = model.streams.poisson(f"{self.name}.lethality",
                                     spread * np.take_along_axis(means, chosen[None, :], axis=0)[0]).astype(float)
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
            where = pick_places(action, self.opponent, place_draw, location)
            if places is not None:
                where = np.where(places >= 0, places, where)
            acts.append(Act(self.name, action, self.opponent, lanes, where, true_here, claimed_here))
        self.acted_today |= mask
        return acts

    # ---- same-night counter-strike ------------------------------------------------------------------
    def counterstrike(self) -> list[Act]:
        """Answer an attack by the other state suffered today, the same night, if not already acting
        and not bound. Fire across the border is returned in kind, where it came from, with
        propensity ``return_fire_probability`` (the border forces fired on: in the episodes the
        fire went both ways in every clash at the border); a raid or a strike is answered with
        propensity ``counterstrike_probability``, at the rung ``choose_rung`` gives.

        A reflex of the forces attacked (their rules of engagement), so not weighed against the
        party's net pressure; whether to fight on is the next day's initiative.
        """
        hit = (self.days_since_attacked == 0) & ~self.acted_today & ~self.bound
        fired_on = self.provocation_rung == Action.CROSS_BORDER_FIRE.rung
        chance = np.where(fired_on, self.p("return_fire_probability"), self.p("counterstrike_probability"))
        answer = self.decide("counterstrike", chance)
        rungs = np.where(fired_on, Action.CROSS_BORDER_FIRE.rung, self.choose_rung(self.net_pressure(), "counterstrike"))
        local = rungs == Action.CROSS_BORDER_FIRE.rung  # fire answered with fire, where it came from
        return self.strike(hit & answer, rungs, np.where(local, self.provocation_place, -1))

    # ---- deliberation: halts, crossings, crackdown, words ---------------------------------------
    def consider_halt(self) -> list[Act]:
        """Halt operations, or declare restraint, when restraint outweighs pressure: a hazard rate
        ``halt_propensity`` x negative net pressure, for a party in a fight (it struck, or was
        attacked by the other state, today or yesterday) and not yet bound. Declared restraint
        without a strike of one's own counts as a halt (E03: "we tolerated that attack")."""
        fighting = self.acted_today | (self.days_since_strike == 0) | (self.days_since_attacked <= 1)
        willing = hazard(self.p("halt_propensity") * np.maximum(-self.net_pressure(), 0))
        return self.halt(fighting & ~self.bound & self.decide("halt", willing, CONCILIATORY))

    def halt(self, mask: np.ndarray) -> list[Act]:
        """Halt: end any campaign and bind itself, until a strike between the states releases it."""
        if not mask.any():
            return []
        self.campaign_active &= ~mask
        self.bound |= mask
        return [Act(self.name, Action.HALT_OPERATIONS, self.opponent, mask)]

    def manage_crossings(self) -> list[Act]:
        """For a party that closes crossings (``closes_crossings``), a chosen act: close a crossing
        where a clash happened today or yesterday, with propensity ``closure_after_clash``; close
        every crossing as pressure the day of, or after, a raid or worse on it, with propensity
        ``closure_as_pressure``. Reopening is agreed at talks (``reopens_at_talks``)."""
        model = self.model
        if not model.scenario.params[f"{self.name}.closes_crossings"] or not model.crossing_names:
            return []
        recent_clash = model.clash_day >= model.day - 1
        after_clash = recent_clash & self.decide("close_after_clash", self.p("closure_after_clash"))[:, None]
        raided = (self.days_since_attacked <= 1) & (self.provocation_rung >= Action.RAID_BORDER_POSTS.rung)
        pressure = raided & self.decide("close_as_pressure", self.p("closure_as_pressure"))
        return self._crossing_acts(Action.CLOSE_CROSSING, ((after_clash | pressure[:, None]) & model.crossings_open).T)

    def close_crossings(self, mask: np.ndarray) -> list[Act]:
        """Close every open crossing in the lanes of ``mask``."""
        return self._crossing_acts(Action.CLOSE_CROSSING, mask & self.model.crossings_open.T)

    def reopen_crossings(self, mask: np.ndarray) -> list[Act]:
        """Reopen every closed crossing in the lanes of ``mask``."""
        return self._crossing_acts(Action.REOPEN_CROSSING, mask & ~self.model.crossings_open.T)

    def reopens_at_talks(self, talks: np.ndarray, host: str) -> list[Act]:
        """At talks, reopen a crossing this party closed, with propensity (1 - exp(-``reopen_sensitivity``
        x its closure cost)) x exp(-grievance): the costlier the closure has been for it, the likelier;
        the angrier it is, the less. One decision per crossing, on its own stream per host.

        Sources: base_rates.md section 3 (closures of 2-10 days ended at talks of officials, flag
        meetings or envoys; Pakistan's closure of Chaman lasted 8 days, the Taliban's of Torkham 4).
        """
        model = self.model
        willing = hazard(self.p("reopen_sensitivity") * self.closure_cost) * np.exp(-self.grievance)
        mine = ~model.crossings_open & (model.closed_by == self.index)
        lanes = np.array([talks & mine[:, i] & self.decide(f"reopen.{host}", willing, CONCILIATORY)
                          for i in range(len(model.crossing_names))])
        return self._crossing_acts(Action.REOPEN_CROSSING, lanes)

    def _crossing_acts(self, action: Action, lanes_by_crossing: np.ndarray) -> list[Act]:
        return [Act(self.name, action, self.opponent, lanes, place_index(self.model.crossing_place(i)), crossing=i)
                for i, lanes in enumerate(lanes_by_crossing) if lanes.any()]

    def consider_crackdown(self) -> list[Act]:
        """Crack down on the TTP under outside pressure, at most once a run: a hazard rate
        ``crackdown_propensity`` x the pressure (mediators' restraint + the costs borne) above
        ``crackdown_reluctance``. Drawn without decision noise. Article: "there is reluctance
        within the Taliban to commit to a full-scale crackdown"."""
        pressure = self.restraint() + self.p("cost_sensitivity") * (self.fighting_cost + self.closure_cost)
        excess = np.maximum(pressure - self.p("crackdown_reluctance"), 0)
        crack = ~self.crackdown_done & self.model.streams.bernoulli(
            f"{self.name}.crackdown", hazard(self.p("crackdown_propensity") * excess))
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
        return self.decide(f"agreement.{host}", np.exp(-np.maximum(self.net_pressure(), 0)), CONCILIATORY)

    def enter_ceasefire(self, lanes: np.ndarray) -> None:
        """A ceasefire is declared: end any campaign and be bound by it."""
        self.campaign_active &= ~lanes
        self.bound |= lanes

    def release_truce(self, lanes: np.ndarray) -> None:
        """A strike between the states ends every halt and ceasefire in its lanes."""
        self.bound &= ~lanes

    # ---- end of day ------------------------------------------------------------------------------------
    def bear_costs(self, closed_crossings: np.ndarray) -> None:
        """Every closed crossing costs each party ``crossings.closure_cost_per_day`` x its
        ``trade_dependence`` a day (landlocked Afghanistan depends on them more); the weight of
        every past cost fades by ``cost_memory`` a day."""
        keep_costs = 1 - self.p("cost_memory")
        daily = self.model.params.get("crossings.closure_cost_per_day") * self.p("trade_dependence")
        self.closure_cost = self.closure_cost * keep_costs + closed_crossings * daily
        self.fighting_cost *= keep_costs

    def forget(self) -> None:
        """Grievance and the felt claims fade by ``grievance_decay`` a day, the toll blamed on the
        sanctuary halves every ``toll_half_life`` days; the provocation falls one rung on a day the
        party was not attacked by the other state."""
        self.grievance *= 1 - self.p("grievance_decay")
        self.recent_claims *= 1 - self.p("grievance_decay")
        self.sanctuary_toll *= np.exp2(-1.0 / self.p("toll_half_life"))
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
            return self.strike(lanes, np.full(self.lanes, action.rung), location=shock.location or None,
                               deaths=shock.deaths)
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
        """The day's attacks, Poisson at the daily rate (or ``count``, scheduled), one act per
        lane-day, with a heavy-tailed toll of security-force deaths: an ordinary attack kills
        Poisson(``deaths_per_attack``), mostly none or one; a share ``major_attack_share`` of the
        attacks are mass-casualty attacks killing at least 5, with P(toll >= x) = (5 / x) **
        ``major_tail`` (a discrete Pareto tail, capped at 1,000). A scheduled attack has its
        shock's toll. Claims are the toll x ``claim_inflation``.

        Sources: base_rates.md section 7 (0.5-0.6 security-force deaths per attack; attacks killing
        5+ a few times a year, 10+ 0-3 times, 20+ twice in four years); Clauset, Young & Gleditsch
        (2007) on the power-law tail of terrorist attacks' tolls.
        """
        streams = self.model.streams
        rate = self.daily_rate()
        share = self.p("major_attack_share")
        ordinary = streams.poisson("ttp.attacks", rate * (1 - share)) if count is None else count
        major = streams.poisson("ttp.major", rate * share) if count is None else np.zeros(self.lanes, np.int64)
        count = ordinary + major
        true = streams.poisson("ttp.deaths", self.p("deaths_per_attack") * ordinary).astype(float)
        first, more = (np.floor(np.minimum(5 * (1 - streams.uniform("ttp.major_toll")) ** (-1 / self.p("major_tail")),
                                           1000)) for _ in range(2))
        true += (major >= 1) * first + np.maximum(major - 1, 0) * more
        if deaths is not None:
            true = np.full(self.lanes, float(deaths))
        lanes = count > 0
        place = pick_places(Action.TTP_ATTACK, self.target, streams.uniform("ttp.place"), location)
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
    """A third state, or the parties' own channel, that engages when the crisis reaches its trigger.

    Styles of a third state nest: ``statement`` calls for restraint; ``mediation`` also offers
    to mediate and restrains more; ``host_talks`` also convenes talks that can produce a formal
    ceasefire or a reopening. The ``bilateral`` style is the parties' own channel (local
    officials and commanders at flag meetings, envoys, jirgas of elders): it makes no
    statements and convenes talks. A mediator whose defence pact is invoked takes its
    partner's side: it backs the partner, presses it alone, and hosts no talks.
    """

    STATE = MEDIATOR_STATE
    STYLE_WEIGHTS = {"statement": "mediation.statement_weight", "mediation": "mediation.mediation_weight",
                     "host_talks": "mediation.talks_weight", "bilateral": "mediation.bilateral_weight"}

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
        """Whether it convenes talks: style ``host_talks`` or ``bilateral``, and no invoked pact."""
        return self.style in ("host_talks", "bilateral") and not self.pact_invoked

    def restraint_on(self, party: str) -> np.ndarray | float:
        """Pressure to stop on ``party``: attention x leverage over it x the weight of its style
        (``mediation.statement_weight`` < ``mediation_weight`` < ``talks_weight``; the parties' own
        channel ``bilateral_weight``). Once its pact is invoked it presses only its partner, with
        its leverage x ``mediation.pact_restraint`` (alliance restraint: Pressman 2008; Fang,
        Johnson & Leeds 2014)."""
        weight = self.model.params.get(self.STYLE_WEIGHTS[self.style])
        if self.pact_invoked:
            if party != self.pact_with:
                return 0.0
            weight = weight * self.model.params.get("mediation.pact_restraint")
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
        halves every ``attention_half_life`` days without. For the parties' own channel a crossing
        that stays closed keeps the alarm up: the shut gate is a dispute its officials meet over
        (episodes: every closure of known end was reopened through talks, or tacitly within days)."""
        alarm = self.model.rung_today >= self.p("trigger_rung")
        if self.style == "bilateral":
            alarm = alarm | ~self.model.crossings_open.all(axis=1)
        fade = np.exp2(-1.0 / self.p("attention_half_life"))
        self.attention = np.where(self.engaged & alarm, 1.0, self.attention * fade)
        triggered = (self.engage_day < 0) & alarm
        u = np.clip(self.model.streams.uniform(f"{self.prefix}.delay"), 1e-12, 1.0)
        delay = np.floor(self.p("response_lag") - np.log(u) * self.p("response_delay")).astype(np.int64)
        self.engage_day = np.where(triggered, self.model.day + delay, self.engage_day)

    def engage(self, mask: np.ndarray | None = None) -> list[Act]:
        """On the day engagement comes due (or in ``mask``): call for restraint, and, in the styles
        ``mediation`` and ``host_talks`` without an invoked pact, offer to mediate. The parties' own
        channel engages without statements."""
        due = (self.engage_day == self.model.day) & ~self.engaged if mask is None else mask & ~self.engaged
        self.engaged |= due
        self.attention = np.where(due, 1.0, self.attention)
        if not due.any() or self.style == "bilateral":
            return []
        acts = self.say(Action.CALL_FOR_RESTRAINT, due, "both", self.capital)
        if self.style in ("mediation", "host_talks") and not self.pact_invoked:
            acts += self.say(Action.MEDIATION_OFFER, due, "both", self.capital)
        return acts

    def convene_talks(self, forced: np.ndarray | None = None) -> np.ndarray:
        """The lanes where it hosts talks today: engaged, with something to agree (no ceasefire yet,
        or a crossing closed), quiet days included; with chance ``talks_propensity`` x its smaller
        leverage over the two parties x its attention, which fades without new violence (or in
        ``forced``, a scheduled round of talks)."""
        model = self.model
        can = self.engaged & (~model.ceasefire_in_force | ~model.crossings_open.all(axis=1))
        leverage = np.minimum(self.p("leverage.pakistan"), self.p("leverage.afghanistan"))
        chance = self.p("talks_propensity") * leverage * self.attention
        talks = can & model.streams.bernoulli(f"{self.prefix}.talks", chance)
        return talks if forced is None else forced.copy()

    def perform(self, shock: Shock, lanes: np.ndarray) -> list[Act]:
        """A scheduled call for restraint or offer: it engages at once."""
        return self.engage(lanes)

    @property
    def talks_action(self) -> Action:
        """What its talks are called: talks hosted by a third state, or the parties' own talks."""
        return Action.BILATERAL_TALKS if self.style == "bilateral" else Action.TALKS_HOSTED
