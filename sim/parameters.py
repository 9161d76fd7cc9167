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
    "counterstrike_probability": Spec(float, 0.5, "probability", 0.0, 1.0,
                                      ASSUMED + "chance to answer an attack the same night; Article: Pakistan "
                                      "counter-struck the night the Taliban raided its posts"),
    "return_fire_probability": Spec(float, 0.5, "probability", 0.0, 1.0,
                                    ASSUMED + "chance that forces fired on across the border return the fire the "
                                    "same day; episodes: the fire went both ways in every clash at the border"),
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
    "capital_grievance": Spec(float, 0.0, "grievance units per strike on its capital", 0.0, 50.0,
                              "Article: a strike on Kabul 'would cross a red line in bilateral relations'; the "
                              "last foreign airstrike on Kabul was in 2022; none of the earlier episodes' strikes "
                              "hit a capital"),
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
    "closes_crossings": Spec(bool, False, "flag",
                             source="Article: Pakistan closed two crossings on 12 October; episodes: Pakistan "
                             "closed Chaman (E05), the Taliban closed Torkham (E08)"),
    "closure_after_clash": Spec(float, 0.5, "probability", 0.0, 1.0,
                                "Episodes (base_rates.md section 3): the gate shut after a clash at Torkham or "
                                "Chaman in 7 of 7 episodes; the chance that this party closes the crossing where a "
                                "clash happened, the day of the clash or the next"),
    "closure_as_pressure": Spec(float, 0.0, "probability", 0.0, 1.0,
                                "Article: Pakistan closed two crossings the day after the raids on its posts; "
                                "episodes: no closure followed the air-strike episodes (0 of 3); the chance of "
                                "closing every crossing the day of, or after, a raid or worse on this party"),
    "trade_dependence": Spec(float, 1.0, "multiplier of the closure cost", 0.0, 10.0,
                             ASSUMED + "how much a closed crossing costs this party: landlocked Afghanistan "
                             "depends on the crossings more than Pakistan (episodes E10: Pakistan's customs "
                             "counted a loss per day of closure; no figure for Afghanistan)"),
    "reopen_sensitivity": Spec(float, 0.05, "per cost unit", 0.0, 10.0,
                               "Episodes (base_rates.md section 3): closures lasted 2-10 days (median 4) and ended "
                               "at talks of officials, flag meetings or envoys; at talks the closing party reopens "
                               "with propensity (1 - exp(-sensitivity x its closure cost)) x exp(-grievance): the "
                               "chance grows with the cost borne and falls with grievance"),
    "crackdown_propensity": Spec(float, 0.0, "per day per unit of pressure above reluctance", 0.0, 1.0,
                                 "Article: 'reluctance within the Taliban to commit to a full-scale crackdown'; "
                                 "no crackdown in the episodes"),
    "crackdown_reluctance": Spec(float, 0.0, "pressure units", 0.0, 100.0,
                                 "Article: the Taliban are reluctant to crack down on the TTP, who fought beside "
                                 "them; pressure (restraint, costs) below this does not move them"),
    "sanctuary_strike_rate": Spec(float, 0.0, "per day per (attributed death above tolerance) ** exponent", 0.0, 1.0,
                                  "Episodes (base_rates.md sections 5 and 8): strikes inside Afghanistan came 2 "
                                  "days after attacks that killed 7 soldiers (E03, E11), 2 of 13 such attacks "
                                  "drew a strike within 7 days, fewer than one strike a year; the daily hazard "
                                  "of a strike on the sanctuary grows with the recent toll blamed on it"),
    "sanctuary_toll_exponent": Spec(float, 1.0, "exponent of the toll above tolerance", 0.0, 1.0,
                                    "Episodes (base_rates.md section 8): 'size alone does not predict a strike: the "
                                    "two largest attacks (84 and 23 dead) drew demarches'; how the hazard of a strike "
                                    "grows with the toll above tolerance, from not at all (0: any excess, whatever its "
                                    "size) to in proportion (1, the rule of versions 1-6)"),
    "sanctuary_tolerance": Spec(float, 10.0, "attributed deaths", 0.0, 1000.0,
                                "Episodes (base_rates.md section 8): most mass-casualty attacks drew protests, not "
                                "strikes; the recent toll blamed on the sanctuary that the party bears without "
                                "striking"),
    "toll_half_life": Spec(float, 3.0, "days", 0.25, 365.0,
                           "Episodes: the strikes came 2 days after the attacks they answered (E03, E11); how fast "
                           "the memory of a toll fades"),

    "ttp_attribution": Spec(float, 0.0, "share of TTP attacks blamed on this party", 0.0, 1.0,
                            "Article: Pakistan says Afghan soil is a base for terrorism against it"),
    "ttp_response": Spec(str, "airstrike_border_province", "kinetic action", choices=CAPABILITY_KEYS,
                         source="the means of a strike on the sanctuary; episodes: air or drone strikes in Khost, "
                         "Kunar, Paktika, Nangarhar (E03, E11, E18); Article: the 9 October strikes hit Kabul and "
                         "Paktika"),
}

TTP_SPECS: dict[str, Spec] = {
    "attack_rate": Spec(float, 600 / 365, "attacks per day", 0.0, 20.0,
                        "Article: ACLED counts ~600 TTP attacks on Pakistan's military in a year"),
    "deaths_per_attack": Spec(float, 0.45, "mean security-force deaths per ordinary attack", 0.0, 20.0,
                              "Episodes (base_rates.md section 7): PICSS counts 0.51-0.57 security-force deaths "
                              "per militant attack (2024, H1 2025), the mass-casualty attacks included"),
    "major_attack_share": Spec(float, 0.006, "share of attacks", 0.0, 0.2,
                               "Episodes (base_rates.md section 7): attacks killing 5 or more soldiers came 2-5 "
                               "times a year (a lower bound) among some 600 a year"),
    "major_tail": Spec(float, 1.3, "exponent of P(toll >= x) ~ x^-a", 0.3, 5.0,
                       "Episodes (base_rates.md section 7): of the listed attacks with 5+ soldiers killed, half "
                       "killed 10+ and one in seven 20+; terrorist attacks' tolls are heavy-tailed (Clauset, "
                       "Young & Gleditsch 2007)"),
    "sanctuary_dependence": Spec(float, 0.6, "share of capacity", 0.0, 1.0,
                                 ASSUMED + "Article: Pakistan says the TTP operates from Afghanistan"),
    "crackdown_effect": Spec(float, 0.5, "share of sanctuary removed by a crackdown", 0.0, 1.0,
                             ASSUMED + "a crackdown halves the sanctuary"),
    "strike_attrition": Spec(float, 0.02, "share of capacity lost per airstrike on its host", 0.0, 1.0,
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

MEDIATOR_STYLES = ("statement", "mediation", "host_talks", "bilateral")

MEDIATOR_SPECS: dict[str, Spec] = {
    "label": Spec(str, "", "display name"),
    "capital": Spec(str, "", "place where it hosts talks"),
    "style": Spec(str, "statement", "style", choices=MEDIATOR_STYLES,
                  source=ASSUMED + "statement < mediation < host_talks, each including the ones before; "
                  "'bilateral' is the parties' own channel (officials, envoys, flag meetings, jirgas of elders), "
                  "which holds talks without statements; episodes (base_rates.md section 4): 5 of 16 episodes "
                  "ended at bilateral talks, 2 through local intermediaries, none through a third state"),
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
                             ASSUMED + "chance to convene talks on a day when it can (engaged, and a ceasefire "
                             "or a reopening still to agree)"),
    "pact_with": Spec(str, "", "party", choices=("",) + PARTIES,
                      source="Article: Saudi Arabia recently signed a defence pact with Pakistan"),
    "pact_invoked": Spec(bool, False, "flag", source=ASSUMED + "what-if: the pact is called upon; the ally then "
                         "backs its partner and restrains it (mediation.pact_backing, mediation.pact_restraint), "
                         "and hosts no talks"),
    "present": Spec(bool, True, "flag", source="lets a what-if remove a mediator without deleting its table"),
}

SITE_SPECS: dict[str, Spec] = {
    "label": Spec(str, "", "display name"),
    "location": Spec(str, "", "place"),
    "crossing": Spec(str, "", "crossing name", source="the crossing at this site, if any (its name in [crossings])"),
    "clash_rate": Spec(float, 0.5, "clashes per year at zero grievance", 0.0, 50.0,
                       "Episodes (base_rates.md section 9): construction of posts, fences or gates and incidents "
                       "at the gates set off 11 ground clashes in 4.15 years at Torkham, Chaman, Kurram and "
                       "Nangarhar/Kunar; tension (grievance) multiplies the rate"),
    "afghan_share": Spec(float, 0.5, "share", 0.0, 1.0,
                         "Episodes: who fires first is disputed in every episode where both sides spoke; the share "
                         "of this site's clashes that Afghan forces start"),
}

CROSSING_SPECS: dict[str, Spec] = {
    "label": Spec(str, "", "display name"),
    "location": Spec(str, "", "place"),
    "open": Spec(bool, True, "flag", source="initial state"),
    "closed_by": Spec(str, "", "party", choices=("",) + PARTIES,
                      source="initial state: who closed a crossing that starts closed (it decides on reopening)"),
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
    "lethality.toll_dispersion": Spec(float, 0.0, "variance of the gamma factor on each toll's mean (0: Poisson)",
                                      0.0, 50.0,
                                      "Episodes: most exchanges of fire left wounded and no dead reported "
                                      "(E07, E09, E11, E13, E14), a few several (E04: 3, E06: 7), October's "
                                      "one night 23-58; conflict tolls are over-dispersed and heavy-tailed "
                                      "(Clauset, Young & Gleditsch 2007; Bohorquez et al. 2009)"),
    "mediation.statement_weight": Spec(float, 0.2, "pressure units per unit leverage", 0.0, 10.0,
                                       ASSUMED + "a statement restrains a little"),
    "mediation.mediation_weight": Spec(float, 1.0, "pressure units per unit leverage", 0.0, 10.0,
                                       "Article: the Taliban halted after Qatari and Saudi mediation"),
    "mediation.talks_weight": Spec(float, 1.5, "pressure units per unit leverage", 0.0, 10.0,
                                   ASSUMED + "hosting talks restrains most"),
    "mediation.pact_backing": Spec(float, 0.5, "resolve added to the ally", 0.0, 5.0,
                                   ASSUMED + "an invoked pact emboldens the ally (moral hazard: Benson 2012)"),
    "mediation.pact_restraint": Spec(float, 1.0, "multiplier of the ally's leverage over its partner", 0.0, 10.0,
                                     "Alliances also restrain: an ally presses its partner not to escalate "
                                     "(Pressman 2008; Fang, Johnson & Leeds 2014); 0 = only emboldens, above 1 the "
                                     "pact makes the ally's restraint stronger than a mediator's"),
    "mediation.bilateral_weight": Spec(float, 0.0, "pressure units per unit leverage", 0.0, 10.0,
                                       ASSUMED + "the parties' own channel restrains only through what they agree "
                                       "at its talks"),
    "crisis.hostility_sd": Spec(float, 0.0, "logit units", 0.0, 5.0,
                                ASSUMED + "episodes differ beyond what the shared rules and their trigger explain: "
                                "each run draws a climate u ~ Normal(0, hostility_sd^2), added to the logit of "
                                "every choice of the two states that uses force or closes a crossing and taken "
                                "from every choice that halts, reopens or agrees (a random intercept per "
                                "episode, as in a multilevel logit; Gelman & Hill 2007, ch. 14). Episodes: "
                                "Pakistani air strikes after TTP attacks were answered by Afghan fire the same day "
                                "in E11 and not at all in E03 ('we tolerated that attack') or E18. 0 = no episode "
                                "effect (the shared structure)"),
    "crossings.closure_cost_per_day": Spec(float, 1.0, "cost units per closed crossing per day", 0.0, 100.0,
                                           "Article: the two countries are major trading partners"),
    "outcome.quiet_days": Spec(int, 14, "days", 1, 365,
                               "Definition: de-escalated = fighting between the states, then none in the last 14 "
                               "days of the horizon (whatever the formal state of truce: half the episodes ended "
                               "tacitly, base_rates.md section 4)"),
    "outcome.campaign_days": Spec(int, 7, "days", 1, 365,
                                  "Definition: a sustained campaign is war once it has lasted this many days (a "
                                  "first day of campaign is not yet war)"),
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
