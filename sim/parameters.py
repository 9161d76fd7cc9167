"""Every model parameter, declared once: unit, allowed range, default and source.

A scenario file (see ``sim.scenario``) may set any of these; anything else is an error.
Sources are either a fact of the seed article (cited as "Article: ...") or an explicitly
named assumption ("Assumption: ..."), to be replaced by the calibrated posterior.

Parameters are addressed by dotted keys as written in TOML: ``pakistan.retaliation_propensity``,
``mediators.qatar.leverage.afghanistan``. Numeric parameters may be given per lane (one value
per replicate) by sweeps and calibration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .ladder import RETALIATION_LADDER, Action
from .state import PARTY_STATE, TTP_STATE, WORLD_STATE, StateVar


@dataclass(frozen=True)
class Spec:
    """Declaration of one parameter."""

    kind: type
    default: Any
    unit: str
    low: float | None = None
    high: float | None = None
    source: str = ""
    choices: tuple[str, ...] | None = None

    @property
    def numeric(self) -> bool:
        return self.kind in (float, int)

    def allowed(self) -> str:
        if self.choices is not None:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind is bool:
            return "true or false"
        if self.kind is list:
            return "a list"
        if self.kind is str:
            return "a string"
        lo = "-inf" if self.low is None else f"{self.low:g}"
        hi = "inf" if self.high is None else f"{self.high:g}"
        noun = "an integer" if self.kind is int else "a number"
        return f"{noun} in [{lo}, {hi}] ({self.unit})"


ASSUMED = "Assumption: "
PARTIES = ("pakistan", "afghanistan")
CAPABILITY_KEYS = tuple(a.key for a in RETALIATION_LADDER)

#: Parameters of a state party (Pakistan, Afghanistan's Taliban government).
STATE_SPECS: dict[str, Spec] = {
    "retaliation_propensity": Spec(float, 0.5, "per day per unit of net pressure", 0.0, 10.0,
                                   ASSUMED + "daily hazard of a kinetic response grows with net pressure"),
    "decision_noise": Spec(float, 0.05, "logit scale (1 = the propensities are the probabilities)", 0.01, 5.0,
                           ASSUMED + "how far a party's choices (strike, escalate, answer the same night, "
                           "halt, close the crossings, speak, accept a ceasefire) stray from what its situation "
                           "dictates; each choice is a logit quantal response with probability "
                           "expit(logit(p) / noise), p the rule's propensity: 1 leaves p as it is, small values "
                           "make the choice a threshold on the state (act when p > 1/2); not identified by the "
                           "article (docs/CALIBRATION.md, section 4)"),
    "retaliation_delay": Spec(float, 0.0, "days", 0.0, 30.0,
                              ASSUMED + "planned retaliation needs preparation: no initiative until this many "
                              "days after the last attack by the other state; Article: the Taliban struck back "
                              "two days after the strikes"),
    "border_incident_rate": Spec(float, 0.02, "skirmishes per day at zero grievance", 0.0, 1.0,
                                 "Article: frequent skirmishes and clashes along the disputed border; "
                                 "the rate is an assumption"),
    "counterstrike_probability": Spec(float, 0.5, "probability", 0.0, 1.0,
                                      ASSUMED + "chance to answer an attack the same night; Article: Pakistan "
                                      "counter-struck the night the Taliban raided its posts"),
    "escalation_propensity": Spec(float, 0.3, "per unit of net pressure", 0.0, 10.0,
                                  ASSUMED + "a response goes one rung above the provocation with propensity "
                                  "1 - exp(-escalation_propensity x net pressure): the harder pressed, the "
                                  "likelier"),
    "resolve": Spec(float, 1.0, "multiplier of pressure", 0.0, 5.0,
                    ASSUMED + "willingness to bear costs; 1 = neutral"),
    "grievance_decay": Spec(float, 0.15, "fraction per day", 0.0, 1.0,
                            ASSUMED + "memory of attacks fades with a half-life of a few days"),
    "grievance_per_attack": Spec(float, 1.0, "grievance units per attack at rung 10", 0.0, 10.0,
                                 ASSUMED + "an attack's sting scales with its rung"),
    "grievance_per_death": Spec(float, 0.02, "grievance units per own death", 0.0, 1.0,
                                ASSUMED + "own losses, known truly to the party, add grievance"),
    "cost_sensitivity": Spec(float, 0.01, "pressure units per cost unit", 0.0, 1.0,
                             ASSUMED + "accumulated costs of fighting and closures push towards a halt"),
    "cost_memory": Spec(float, 0.03, "fraction per day", 0.0, 1.0,
                        ASSUMED + "the weight of past costs fades slowly (half-life ~3 weeks at 0.03)"),
    "cost_per_death": Spec(float, 1.0, "cost units per own death", 0.0, 100.0,
                           ASSUMED + "unit of the cost scale"),
    "claim_satisfaction": Spec(float, 0.005, "pressure units per recently claimed enemy death", 0.0, 1.0,
                               ASSUMED + "a party that believes it has hit hard feels less need to go on, "
                               "a belief that fades like grievance; "
                               "Article: outbreaks 'retreat once both sides have asserted their claims'"),
    "claim_inflation": Spec(float, 2.0, "claimed / true enemy deaths (median)", 0.1, 100.0,
                            ASSUMED + "Article: claims exceed the other side's admissions by 2.5x (58 vs 23) "
                            "and >22x (200 vs 9); truth unknown"),
    "claim_noise": Spec(float, 0.3, "log-sd of the claim factor", 0.0, 2.0,
                        ASSUMED + "claims vary from clash to clash"),
    "acknowledgement_ratio": Spec(float, 0.8, "acknowledged / true own deaths", 0.0, 1.0,
                                  ASSUMED + "parties admit fewer losses than they suffer"),
    "ceasefire_commitment": Spec(float, 0.9, "share of the strike hazard rate held back by a truce", 0.0, 1.0,
                                 ASSUMED + "a bound party resists violating: its hazard rate of striking, and "
                                 "of skirmishes, is (1 - commitment) times an unbound party's"),
    "halt_propensity": Spec(float, 0.5, "per day per unit of negative net pressure", 0.0, 10.0,
                            ASSUMED + "daily hazard of halting operations when restraint outweighs pressure"),
    "rhetoric_propensity": Spec(float, 0.7, "probability per day", 0.0, 1.0,
                                ASSUMED + "chance to accuse or threaten after being hit without hitting back; "
                                "Article: the Taliban accused Pakistan the night of the strikes"),
    "threat_threshold": Spec(float, 1.0, "pressure units", 0.0, 20.0,
                             ASSUMED + "above this net pressure, rhetoric is a threat of force"),
    "campaign_threshold": Spec(float, 4.0, "pressure units", 0.0, 50.0,
                               ASSUMED + "net pressure needed to launch a sustained campaign"),
    "capabilities": Spec(list, list(CAPABILITY_KEYS), "kinetic actions", source=ASSUMED
                         + "Article: the Taliban retaliated on the ground; only Pakistan struck from the air"),
    "closes_crossings": Spec(bool, False, "flag", source="Article: Pakistan closed two crossings on 12 October"),
    "closure_propensity": Spec(float, 0.5, "probability per day after an attack", 0.0, 1.0,
                               ASSUMED + "chance to close the crossings the day after suffering an attack"),
    "reopen_propensity": Spec(float, 0.05, "probability per quiet day", 0.0, 1.0,
                              ASSUMED + "chance to reopen closed crossings on a quiet day under a truce"),
    "crackdown_propensity": Spec(float, 0.0, "per day per unit of outside pressure", 0.0, 1.0,
                                 ASSUMED + "Article: reluctance within the Taliban to a full crackdown"),
    "ttp_attribution": Spec(float, 0.0, "share of TTP attacks blamed on this party", 0.0, 1.0,
                            "Article: Pakistan says Afghan soil is a base for terrorism against it"),
    "ttp_response": Spec(str, "cross_border_fire", "kinetic action", choices=CAPABILITY_KEYS,
                         source="the means with which the party answers TTP violence it blames on the sanctuary; "
                         "Article: the 9 October strikes hit Kabul and Paktika"),
}

TTP_SPECS: dict[str, Spec] = {
    "attack_rate": Spec(float, 600 / 365, "attacks per day", 0.0, 20.0,
                        "Article: ACLED counts ~600 TTP attacks on Pakistan's military in a year"),
    "deaths_per_attack": Spec(float, 0.5, "mean deaths per attack", 0.0, 20.0,
                              ASSUMED + "most attacks are small; no figure in the article"),
    "sanctuary_dependence": Spec(float, 0.6, "share of capacity", 0.0, 1.0,
                                 ASSUMED + "Article: Pakistan says the TTP operates from Afghanistan"),
    "crackdown_effect": Spec(float, 0.5, "share of sanctuary removed by a crackdown", 0.0, 1.0,
                             ASSUMED + "a crackdown halves the sanctuary"),
    "strike_attrition": Spec(float, 0.02, "share of capacity lost per airstrike", 0.0, 1.0,
                             ASSUMED + "strikes on camps degrade the group a little"),
    "claim_inflation": Spec(float, 1.5, "claimed / true deaths", 0.1, 100.0, ASSUMED + "militants inflate too"),
    "target": Spec(str, "pakistan", "party", choices=PARTIES,
                   source="Article: the TTP attacks Pakistan's military; the other party is its host"),
}

INDIA_SPECS: dict[str, Spec] = {
    "ties_with_kabul": Spec(float, 0.6, "0 = hostile .. 1 = close", 0.0, 1.0,
                            "Article: historic visit of the Taliban foreign minister to New Delhi"),
    "threat_factor": Spec(float, 0.5, "pressure units on Pakistan per unit of ties", 0.0, 10.0,
                          ASSUMED + "Article: the visit raised Pakistan's sense of insecurity on both borders"),
}

MEDIATOR_STYLES = ("statement", "mediation", "host_talks")

MEDIATOR_SPECS: dict[str, Spec] = {
    "label": Spec(str, "", "display name"),
    "capital": Spec(str, "", "place where it hosts talks"),
    "style": Spec(str, "statement", "style", choices=MEDIATOR_STYLES,
                  source=ASSUMED + "statement < mediation < host_talks; each includes the ones before"),
    "leverage.pakistan": Spec(float, 0.3, "0..1", 0.0, 1.0, ASSUMED + "influence over Pakistan"),
    "leverage.afghanistan": Spec(float, 0.3, "0..1", 0.0, 1.0, ASSUMED + "influence over the Taliban"),
    "trigger_rung": Spec(int, 5, "rung", -6, 10, ASSUMED + "engages once a day's highest rung reaches this"),
    "response_lag": Spec(float, 0.0, "days", 0.0, 60.0,
                         ASSUMED + "fixed time from trigger to engagement (deliberation, travel); Article: the US "
                         "offer came on day 3, China's statement on day 4"),
    "response_delay": Spec(float, 1.0, "mean days", 0.0, 60.0,
                           ASSUMED + "random extra time to engagement (exponential, floored to days)"),
    "attention_half_life": Spec(float, 14.0, "days", 0.5, 3650.0,
                                ASSUMED + "a mediator's pressure fades without new violence (half-life), and "
                                "returns in full when the fighting reaches its trigger again"),
    "talks_propensity": Spec(float, 0.1, "probability per day", 0.0, 1.0,
                             ASSUMED + "chance to convene talks on a day when it can"),
    "pact_with": Spec(str, "", "party", choices=("",) + PARTIES,
                      source="Article: Saudi Arabia recently signed a defence pact with Pakistan"),
    "pact_invoked": Spec(bool, False, "flag", source=ASSUMED + "what-if: the pact is called upon"),
    "present": Spec(bool, True, "flag", source="lets a what-if remove a mediator without deleting its table"),
}

CROSSING_SPECS: dict[str, Spec] = {
    "label": Spec(str, "", "display name"),
    "location": Spec(str, "", "place"),
    "open": Spec(bool, True, "flag", source="initial state"),
}

GLOBAL_SPECS: dict[str, Spec] = {
    "lethality.cross_border_fire": Spec(float, 2.0, "mean true deaths per event", 0.0, 500.0, ASSUMED + "skirmish"),
    "lethality.raid_border_posts": Spec(float, 10.0, "mean true deaths per event", 0.0, 500.0,
                                        "Article: one night of raids and counter-strikes left 23-58 "
                                        "Pakistani and 9-200+ Afghan dead (claims)"),
    "lethality.airstrike_border_province": Spec(float, 8.0, "mean true deaths per event", 0.0, 500.0,
                                                ASSUMED + "strikes on camps and posts"),
    "lethality.airstrike_capital": Spec(float, 5.0, "mean true deaths per event", 0.0, 500.0,
                                        ASSUMED + "targeted strikes; article gives no toll"),
    "lethality.sustained_campaign": Spec(float, 40.0, "mean true deaths per day", 0.0, 2000.0,
                                         ASSUMED + "sustained campaigns reach the 1,000-death war threshold "
                                         "within weeks"),
    "mediation.statement_weight": Spec(float, 0.2, "pressure units per unit leverage", 0.0, 10.0,
                                       ASSUMED + "a statement restrains a little"),
    "mediation.mediation_weight": Spec(float, 1.0, "pressure units per unit leverage", 0.0, 10.0,
                                       "Article: the Taliban halted after Qatari and Saudi mediation"),
    "mediation.talks_weight": Spec(float, 1.5, "pressure units per unit leverage", 0.0, 10.0,
                                   ASSUMED + "hosting talks restrains most"),
    "mediation.pact_backing": Spec(float, 0.5, "resolve added to the ally", 0.0, 5.0,
                                   ASSUMED + "an invoked pact emboldens the ally"),
    "crossings.closure_cost_per_day": Spec(float, 1.0, "cost units per closed crossing per day", 0.0, 100.0,
                                           "Article: the two countries are major trading partners"),
    "outcome.quiet_days": Spec(int, 14, "days", 1, 365, "Issue definition: de-escalated = truce and 14 quiet days"),
    "outcome.war_deaths": Spec(float, 1000.0, "battle deaths", 1.0, 1e6,
                               "Correlates of War: a war has at least 1,000 battle deaths"),
}

def _initial_specs(declared: tuple[StateVar, ...], prefix: str) -> dict[str, Spec]:
    """The scenario keys that set declared state (``sim.state``), each checked by its first declaration."""
    specs: dict[str, Spec] = {}
    for var in declared:
        if var.key is None or not var.key.startswith(prefix):
            continue
        specs.setdefault(var.key.removeprefix(prefix), Spec(var.dtype, var.default, var.unit, var.low, var.high,
                                                            "initial state: " + var.meaning))
    return specs


INITIAL_STATE_SPECS: dict[str, Spec] = _initial_specs(PARTY_STATE, "initial.<party>.")

SCENARIO_SPECS: dict[str, Spec] = {
    "name": Spec(str, "", "identifier"),
    "description": Spec(str, "", "text"),
    "start_date": Spec(str, "2025-10-09", "ISO date of day 0"),
    "horizon_days": Spec(int, 90, "days", 1, 3650),
}

INITIAL_GLOBAL_SPECS: dict[str, Spec] = {
    **_initial_specs(WORLD_STATE + TTP_STATE, "initial."),
    "mediators_engaged": Spec(list, [], "mediator names",
                              source="initial state: the mediators that have already spoken on the crisis"),
}


def lethality_key(action: Action) -> str:
    return f"lethality.{action.key}"
