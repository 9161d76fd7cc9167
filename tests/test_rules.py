"""Scripted decision tests, one or more per rule, in the style of the Axelrod library's strategy tests:
a handful of lanes, each a scripted situation, and the exact choices the rule must make in them.

Chance is switched off (no TTP, no skirmishes, no mediators, no shocks) and decision noise is
0.01, so a choice whose propensity is above 1/2 is always made and one below never; propensities
of exactly 0 or 1 are impossible or certain at any noise.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import default_table

from sim.events import Act
from sim.geography import place_index
from sim.ladder import Action
from sim.model import EscalationModel
from sim.outcomes import Outcome
from sim.scenario import scenario_from_dict

T, F = True, False


def quiet_table(**changes) -> dict:
    """The default scenario with every chance event switched off, changed by dotted keys."""
    table = default_table()
    table["shocks"], table["priors"], table["mediators"] = [], {}, {}
    table["ttp"]["attack_rate"] = 0.0
    for site in table["sites"].values():
        site["clash_rate"] = 0.0
    for party in ("pakistan", "afghanistan"):
        table[party].update(decision_noise=0.01, retaliation_propensity=0.0, counterstrike_probability=0.0,
                            return_fire_probability=0.0,
                            rhetoric_propensity=0.0, closure_after_clash=0.0, closure_as_pressure=0.0,
                            crackdown_propensity=0.0, halt_propensity=0.0, escalation_propensity=0.0,
                            sanctuary_strike_rate=0.0)
    for dotted, value in changes.items():
        node = table
        *path, last = dotted.split(".")
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value
    return table


def world(lanes: int, **changes) -> EscalationModel:
    """A model at the start of day 0 (streams ready), its state to be scripted lane by lane."""
    model = EscalationModel(scenario_from_dict(quiet_table(**changes), "scripted"), seed=1, lanes=lanes)
    model.begin_day()
    return model


def lanes_of(acts: list[Act], action: Action) -> list[bool]:
    """The lanes in which ``acts`` hold ``action`` (all such acts together)."""
    found = [a.lanes for a in acts if a.action is action]
    return np.any(found, axis=0).tolist() if found else []


def events(model: EscalationModel, lane: int = 0) -> list[tuple[int, str, str]]:
    return [(e.day, e.actor, e.action) for e in model.log.events(lane)]


# ---- initiative -----------------------------------------------------------------------------------------
def test_strike_deliberately_only_provoked_prepared_pressed_and_unbound():
    model = world(5, **{"afghanistan.retaliation_propensity": 10.0, "afghanistan.retaliation_delay": 2.0,
                        "afghanistan.ceasefire_commitment": 1.0})
    afg = model.afghanistan
    afg.provocation_rung[:] = [8, 0, 8, 8, 8]
    afg.grievance[:] = [5, 5, 5, 5, 0]
    afg.days_since_attacked[:] = [2, 2, 1, 2, 2]
    afg.bound[:] = [F, F, F, T, F]
    # provoked+ready | not provoked | attacked yesterday, not prepared | bound, fully committed | no pressure
    assert afg.wants_to_strike(afg.net_pressure()).tolist() == [T, F, F, F, F]


def test_a_truce_holds_back_the_strike_rate_by_the_commitment():
    model = world(2, **{"afghanistan.retaliation_propensity": 0.2, "afghanistan.ceasefire_commitment": 0.9})
    afg = model.afghanistan
    afg.provocation_rung[:] = 7
    afg.grievance[:] = 10.0  # rate 0.2 x 1.2 x 10 = 2.4: hazard 0.91 unbound, 0.21 bound
    afg.bound[:] = [F, T]
    assert afg.wants_to_strike(afg.net_pressure()).tolist() == [T, F]


def test_local_forces_clash_at_the_disputed_sites_at_their_rates_truce_or_not():
    model = world(3, **{"sites.kurram.clash_rate": 50.0, "sites.kurram.afghan_share": 0.0})
    model.pakistan.grievance[:] = 50.0  # tension multiplies the rate: about 7 a day
    model.pakistan.bound[:] = [F, T, F]  # a truce between the capitals does not hold local units back
    clash, place = model.pakistan.border_clash()
    assert clash.tolist() == [T, T, T] and set(place.tolist()) == {place_index("kurram")}
    assert not model.afghanistan.border_clash()[0].any()  # Pakistan starts all of Kurram's clashes here
    assert not world(3).pakistan.border_clash()[0].any()  # every site at rate 0


def test_a_clash_is_fired_at_its_site_and_answered_there():
    model = world(1, **{"sites.torkham.clash_rate": 50.0, "sites.torkham.afghan_share": 1.0,
                        "afghanistan.grievance_per_attack": 0.0, "pakistan.return_fire_probability": 1.0})
    model.afghanistan.grievance[:] = 50.0
    model.initiative()
    model.perception()
    model.counterstrikes()
    assert [(e.actor, e.action, e.location) for e in model.log.events(0)] == [
        ("afghanistan", "cross_border_fire", "torkham"), ("pakistan", "cross_border_fire", "torkham")]
    assert model.clash_day[0].tolist() == [0, -999]  # a clash at the Torkham crossing, not at Chaman


def test_a_campaign_goes_on_every_day_the_party_is_not_bound():
    model = world(3)
    pak = model.pakistan
    pak.campaign_active[:] = [T, T, F]
    pak.bound[:] = [F, T, F]
    strike, rungs, _ = pak.choose_initiative()
    assert strike.tolist() == [T, F, F]
    assert rungs[0] == Action.SUSTAINED_CAMPAIGN.rung


def test_a_response_matches_the_provocation_or_goes_one_rung_higher_within_the_means():
    calm = world(4)
    calm.pakistan.provocation_rung[:] = [5, 7, 8, 9]
    assert calm.pakistan.choose_rung(np.full(4, 3.0), "initiative").tolist() == [5, 7, 8, 9]
    pressed = world(4, **{"pakistan.escalation_propensity": 10.0, "pakistan.campaign_threshold": 2.0})
    pressed.pakistan.provocation_rung[:] = [5, 7, 8, 9]
    # one rung above cross-border fire is the bookkeeping rung 6: still cross-border fire;
    # above an airstrike on the capital lies only the campaign, launched when pressed enough
    assert pressed.pakistan.choose_rung(np.array([3.0, 3.0, 3.0, 3.0]), "initiative").tolist() == [5, 8, 9, 10]
    assert pressed.pakistan.choose_rung(np.array([3.0, 3.0, 3.0, 1.0]), "initiative").tolist()[3] == 9


def test_a_party_without_an_air_force_answers_airstrikes_with_a_campaign_only_when_pressed_enough():
    model = world(2, **{"afghanistan.campaign_threshold": 4.0})
    model.afghanistan.provocation_rung[:] = 8
    assert model.afghanistan.choose_rung(np.array([5.0, 3.0]), "initiative").tolist() == [10, 7]


# ---- strikes -------------------------------------------------------------------------------------------------
def test_a_strike_claims_kills_costs_and_violates_a_truce_first():
    model = world(3, **{"pakistan.claim_inflation": 4.0, "pakistan.claim_noise": 0.0})
    pak = model.pakistan
    pak.bound[:] = [F, T, F]
    acts = pak.strike(np.array([T, T, F]), np.array([8, 9, 8]), deaths=10)
    assert [a.action for a in acts] == [Action.CEASEFIRE_VIOLATED, Action.AIRSTRIKE_BORDER_PROVINCE,
                                        Action.AIRSTRIKE_CAPITAL]
    assert acts[0].lanes.tolist() == [F, T, F]
    assert lanes_of(acts, Action.AIRSTRIKE_BORDER_PROVINCE) == [T, F, F]
    assert lanes_of(acts, Action.AIRSTRIKE_CAPITAL) == [F, T, F]
    assert pak.claimed_inflicted.tolist() == [40.0, 40.0, 0.0]
    assert pak.recent_claims.tolist() == [40.0, 40.0, 0.0]
    assert pak.fighting_cost.tolist() == pytest.approx([0.8, 0.9, 0.0])
    assert pak.acted_today.tolist() == [T, T, F]
    assert acts[2].place[1] == 0  # the capital: Kabul, the first place


@pytest.mark.parametrize("dispersion", [0.0, 4.0])
def test_a_strikes_toll_is_negative_binomial_with_the_declared_dispersion(dispersion):
    """Mean lethality 3 per exchange of fire; the dispersion leaves the mean and adds
    dispersion x mean^2 to the variance, so that more exchanges kill no-one (Poisson at 0)."""
    lanes = 40_000
    model = world(lanes, **{"lethality.cross_border_fire": 3.0, "lethality.toll_dispersion": dispersion})
    acts = model.pakistan.strike(np.ones(lanes, bool), np.full(lanes, Action.CROSS_BORDER_FIRE.rung))
    toll = acts[0].deaths_true
    assert toll.mean() == pytest.approx(3.0, abs=0.06)
    assert toll.var() == pytest.approx(3.0 + dispersion * 9.0, rel=0.1)
    none = (1 + dispersion * 3.0) ** (-1 / dispersion) if dispersion else np.exp(-3.0)
    assert (toll == 0).mean() == pytest.approx(none, abs=0.01)


def test_a_strike_in_no_lane_changes_nothing_but_still_draws():
    model = world(2)
    before = model.streams._counters.copy()
    assert model.pakistan.strike(np.zeros(2, bool), np.array([8, 8])) == []
    assert model.streams._counters != before and not model.pakistan.acted_today.any()


def test_launching_a_campaign_keeps_it_going():
    model = world(1)
    model.afghanistan.strike(np.array([T]), np.array([10]))
    assert model.afghanistan.campaign_active.tolist() == [T]


# ---- counter-strike -------------------------------------------------------------------------------------------
def test_the_same_night_answer_comes_only_after_an_attack_today_unanswered_and_unbound():
    model = world(4, **{"afghanistan.counterstrike_probability": 1.0, "afghanistan.campaign_threshold": 50.0})
    afg = model.afghanistan
    afg.days_since_attacked[:] = [0, 1, 0, 0]
    afg.acted_today[:] = [F, F, T, F]
    afg.bound[:] = [F, F, F, T]
    afg.provocation_rung[:] = 8
    acts = model.afghanistan.counterstrike()
    assert lanes_of(acts, Action.RAID_BORDER_POSTS) == [T, F, F, F]
    never = world(1, **{"afghanistan.counterstrike_probability": 0.0})
    never.afghanistan.days_since_attacked[:] = 0
    never.afghanistan.provocation_rung[:] = 8
    assert never.afghanistan.counterstrike() == []


def test_fire_across_the_border_is_returned_in_kind_by_its_own_rule_and_a_raid_by_the_counterstrike_rule():
    model = world(3, **{"afghanistan.return_fire_probability": 1.0, "afghanistan.counterstrike_probability": 0.0,
                        "afghanistan.campaign_threshold": 50.0, "afghanistan.escalation_propensity": 10.0})
    afg = model.afghanistan
    afg.days_since_attacked[:] = 0
    afg.provocation_rung[:] = [Action.CROSS_BORDER_FIRE.rung, Action.RAID_BORDER_POSTS.rung,
                               Action.CROSS_BORDER_FIRE.rung]
    afg.provocation_place[:] = place_index("chaman")
    afg.grievance[:] = 50.0  # however hard pressed, returned fire stays fire
    acts = afg.counterstrike()
    assert lanes_of(acts, Action.CROSS_BORDER_FIRE) == [T, F, T]
    assert all((np.asarray(a.place)[a.lanes] == place_index("chaman")).all() for a in acts)
    assert all(a.action is Action.CROSS_BORDER_FIRE for a in acts)  # the raid went unanswered (probability 0)
    held = world(1, **{"afghanistan.return_fire_probability": 0.0, "afghanistan.counterstrike_probability": 1.0})
    held.afghanistan.days_since_attacked[:] = 0
    held.afghanistan.provocation_rung[:] = Action.CROSS_BORDER_FIRE.rung
    assert held.afghanistan.counterstrike() == []  # fire is not answered by the strike rule


# ---- halts -------------------------------------------------------------------------------------------------------
def test_a_party_attacked_without_striking_back_may_declare_restraint():
    model = world(2, **{"afghanistan.halt_propensity": 10.0, "afghanistan.claim_satisfaction": 0.1})
    afg = model.afghanistan
    afg.days_since_attacked[:] = [1, 5]
    afg.recent_claims[:] = 100  # net pressure -10
    assert lanes_of(afg.consider_halt(), Action.HALT_OPERATIONS) == [T, F]


def test_a_party_halts_after_fighting_when_restraint_outweighs_pressure():
    model = world(4, **{"afghanistan.halt_propensity": 10.0, "afghanistan.claim_satisfaction": 0.1})
    afg = model.afghanistan
    afg.acted_today[:] = [T, F, T, T]
    afg.days_since_strike[:] = [0, 5, 0, 0]
    afg.bound[:] = [F, F, T, F]
    afg.recent_claims[:] = [100, 100, 100, 0]   # net pressure -10 in the first three lanes
    afg.grievance[:] = [0, 0, 0, 5]             # and +6 in the last
    acts = afg.consider_halt()
    assert lanes_of(acts, Action.HALT_OPERATIONS) == [T, F, F, F]
    assert afg.bound.tolist() == [T, F, T, F]


def test_a_hot_crisis_answers_what_a_cold_one_lets_pass_and_settles_less():
    """The crisis's climate shifts the logit of every choice: towards force in a hot one (lane 0),
    away from it in a cold one (lane 1); a halt and a ceasefire the other way round."""
    model = world(2, **{"pakistan.decision_noise": 1.0, "pakistan.counterstrike_probability": 0.4,
                        "pakistan.halt_propensity": 0.05, "pakistan.claim_satisfaction": 0.1})
    pak = model.pakistan
    model.hostility[:] = [30.0, -30.0]
    pak.days_since_attacked[:] = 0
    pak.provocation_rung[:] = Action.RAID_BORDER_POSTS.rung
    assert lanes_of(pak.counterstrike(), Action.RAID_BORDER_POSTS) == [T, F]
    pak.acted_today[:] = True
    pak.bound[:] = False
    pak.recent_claims[:] = 100  # net pressure -10: a halt with propensity 1 - exp(-0.5) in a neutral climate
    assert lanes_of(pak.consider_halt(), Action.HALT_OPERATIONS) == [F, T]
    pak.recent_claims[:] = 0
    pak.grievance[:] = 0.3
    assert 0 < pak.net_pressure().min() < 3  # a ceasefire neither certain nor impossible
    assert pak.accepts_ceasefire("qatar").tolist() == [F, T]


def test_each_run_draws_its_own_climate_from_the_declared_spread():
    calm = world(4)
    assert calm.hostility.tolist() == [0.0] * 4
    table = quiet_table(**{"crisis.hostility_sd": 0.8})
    model = EscalationModel(scenario_from_dict(table, "climate"), seed=3, lanes=4000)
    assert abs(model.hostility.mean()) < 0.05 and model.hostility.std() == pytest.approx(0.8, rel=0.05)
    alone = EscalationModel(scenario_from_dict(table, "climate"), seed=3, run_indices=np.array([17]))
    assert alone.hostility[0] == model.hostility[17]  # a run's climate does not depend on its batch


def test_halting_ends_a_campaign():
    model = world(2)
    model.pakistan.campaign_active[:] = T
    model.pakistan.halt(np.array([T, F]))
    assert model.pakistan.campaign_active.tolist() == [F, T] and model.pakistan.bound.tolist() == [T, F]


# ---- crossings --------------------------------------------------------------------------------------------------
def test_a_crossing_closes_after_a_clash_there_and_all_close_as_pressure_after_a_raid():
    model = world(4, **{"pakistan.closure_after_clash": 1.0, "pakistan.closure_as_pressure": 1.0})
    pak = model.pakistan
    model.day = 5
    model.clash_day[:] = [[5, -999], [3, -999], [-999, -999], [4, -999]]
    pak.days_since_attacked[:] = [0, 0, 1, 1]
    pak.provocation_rung[:] = [5, 5, 7, 5]
    acts = pak.manage_crossings()
    # clash at Torkham today | clash three days ago | raided yesterday: both as pressure | clash yesterday
    by_crossing = {a.crossing: a.lanes.tolist() for a in acts}
    assert by_crossing == {0: [T, F, T, T], 1: [F, F, T, F]}
    model.carry_out(acts)
    assert model.closed_by[:, 0].tolist() == [0, -1, 0, 0] and model.first_closed_day[:, 0].tolist() == [5, -1, 5, 5]


def test_a_party_that_does_not_close_crossings_never_does():
    model = world(2, **{"afghanistan.closure_after_clash": 1.0, "afghanistan.closes_crossings": False})
    model.clash_day[:] = 0
    assert model.afghanistan.manage_crossings() == []


def test_at_talks_the_closer_reopens_the_costlier_the_closure_and_the_calmer_it_is():
    model = world(4, **{"pakistan.reopen_sensitivity": 1.0})
    pak = model.pakistan
    model.crossings_open[:] = [[F, T], [F, T], [F, T], [F, T]]
    model.closed_by[:] = [[0, -1], [0, -1], [0, -1], [1, -1]]
    pak.closure_cost[:] = [10.0, 0.1, 10.0, 10.0]
    pak.grievance[:] = [0.0, 0.0, 5.0, 0.0]
    acts = pak.reopens_at_talks(np.array([T, T, T, T]), "bilateral")
    # costly and calm | nearly costless | costly but angry | closed by the other party
    assert lanes_of(acts, Action.REOPEN_CROSSING) == [T, F, F, F] and acts[0].crossing == 0


# ---- crackdown and words ---------------------------------------------------------------------------------------
def test_a_crackdown_comes_under_pressure_once_a_run():
    model = world(3, **{"afghanistan.crackdown_propensity": 1.0})
    afg = model.afghanistan
    afg.fighting_cost[:] = [1000.0, 0.0, 1000.0]
    afg.crackdown_done[:] = [F, F, T]
    assert lanes_of(afg.consider_crackdown(), Action.CRACKDOWN_ON_TTP) == [T, F, F]
    assert afg.crackdown_done.tolist() == [T, F, T]


def test_a_party_hit_without_hitting_back_accuses_or_threatens_when_pressed():
    model = world(4, **{"afghanistan.rhetoric_propensity": 1.0, "afghanistan.threat_threshold": 6.0})
    afg = model.afghanistan
    afg.provocation_today[:] = [1, 0, 1, 1]
    afg.acted_today[:] = [F, F, T, F]
    afg.grievance[:] = [1, 1, 1, 10]  # net pressure 1.2 or 12
    acts = afg.speak()
    assert lanes_of(acts, Action.ACCUSATION) == [T, F, F, F]
    assert lanes_of(acts, Action.THREAT_OF_FORCE) == [F, F, F, T]


def test_ceasefire_accepted_with_nothing_left_to_fight_for_refused_when_pressed():
    model = world(2)
    model.pakistan.grievance[:] = [0.0, 20.0]
    assert model.pakistan.accepts_ceasefire("qatar").tolist() == [T, F]


# ---- perception ---------------------------------------------------------------------------------------------------
def test_an_attack_by_the_other_state_angers_provokes_and_kills():
    model = world(2, **{"pakistan.grievance_per_attack": 1.0, "pakistan.grievance_per_death": 0.1,
                        "pakistan.acknowledgement_ratio": 1.0, "pakistan.cost_per_death": 2.0})
    pak = model.pakistan
    pak.receive(Act("afghanistan", Action.RAID_BORDER_POSTS, "pakistan", np.array([T, F]), -1,
                    np.array([10.0, 0.0]), np.array([25.0, 0.0])))
    pak.perceive()
    assert pak.grievance.tolist() == pytest.approx([1.0 + 0.7 + 1.0, 1.0])  # initial grievance 1 (the article)
    assert pak.provocation_rung.tolist() == [7, 0]
    assert pak.deaths_true.tolist() == [10.0, 0.0] and pak.deaths_acknowledged.tolist() == [10.0, 0.0]
    assert pak.fighting_cost.tolist() == [20.0, 0.0]
    assert pak.days_since_attacked.tolist() == [0, 999] and pak.attacked_today.tolist() == [T, F]
    assert pak.inbox == []


@pytest.mark.parametrize("attribution", [0.0, 1.0])
def test_ttp_violence_adds_to_the_toll_blamed_on_the_sanctuary_never_to_the_provocation(attribution):
    model = world(1, **{"pakistan.ttp_attribution": attribution, "initial.ttp_sanctuary": 0.5})
    pak = model.pakistan
    pak.receive(Act("ttp", Action.TTP_ATTACK, "pakistan", np.array([T]), -1, np.array([4.0]), np.array([6.0])))
    pak.perceive()
    assert pak.sanctuary_toll.tolist() == [4.0 * 0.5 * attribution]
    assert pak.attacked_today.tolist() == [F] and pak.provocation_rung.tolist() == [0]
    assert pak.provocation_today.tolist() == [0.5 * attribution]  # words, in proportion to the blame
    assert pak.deaths_true.tolist() == [0.0]  # TTP victims are not battle deaths between the states


def test_the_sanctuary_is_struck_when_the_toll_exceeds_what_the_party_tolerates_and_that_settles_it():
    model = world(3, **{"pakistan.sanctuary_strike_rate": 1.0, "pakistan.sanctuary_tolerance": 5.0,
                        "pakistan.ceasefire_commitment": 1.0})
    pak = model.pakistan
    pak.sanctuary_toll[:] = [20.0, 4.0, 20.0]
    pak.bound[:] = [F, F, T]
    # far above tolerance | below | above, but bound by a truce it fully keeps
    assert pak.strikes_sanctuary().tolist() == [T, F, F]
    assert pak.sanctuary_toll.tolist() == [0.0, 4.0, 20.0]
    strike, rungs, _ = world(1, **{"pakistan.sanctuary_strike_rate": 1.0}).pakistan.choose_initiative()
    assert not strike.any()  # no toll, no strike


@pytest.mark.parametrize("exponent", [0.0, 0.5, 1.0])
def test_the_strike_hazard_grows_with_the_toll_above_tolerance_as_its_exponent_says(exponent):
    model = world(4, **{"pakistan.sanctuary_strike_rate": 0.2, "pakistan.sanctuary_tolerance": 5.0,
                        "pakistan.sanctuary_toll_exponent": exponent})
    pak = model.pakistan
    pak.sanctuary_toll[:] = [5.0, 6.0, 9.0, 89.0]  # at tolerance, then 1, 4 and 84 deaths above it
    asked = []
    pak.decide = lambda stream, propensity, lean=1.0: asked.append(propensity) or np.zeros(4, dtype=bool)
    pak.strikes_sanctuary()
    excess = np.array([0.0, 1.0, 4.0, 84.0])
    expected = np.where(excess > 0, 1 - np.exp(-0.2 * excess ** exponent), 0.0)
    assert np.allclose(asked[0], expected) and asked[0][0] == 0.0  # within tolerance: never, even at exponent 0


def test_a_strike_on_the_sanctuary_is_the_partys_counter_terrorism_means():
    model = world(1, **{"pakistan.sanctuary_strike_rate": 1.0, "pakistan.sanctuary_tolerance": 0.0,
                        "pakistan.ttp_response": "airstrike_border_province"})
    model.pakistan.sanctuary_toll[:] = 30.0
    strike, rungs, places = model.pakistan.choose_initiative()
    assert strike.tolist() == [T] and rungs.tolist() == [Action.AIRSTRIKE_BORDER_PROVINCE.rung]


def test_a_strike_on_the_capital_is_a_red_line():
    model = world(2, **{"afghanistan.capital_grievance": 5.0, "afghanistan.grievance_per_attack": 0.0,
                        "afghanistan.grievance_per_death": 0.0})
    for action, lane in ((Action.AIRSTRIKE_CAPITAL, 0), (Action.AIRSTRIKE_BORDER_PROVINCE, 1)):
        lanes = np.array([lane == 0, lane == 1])
        model.afghanistan.receive(Act("pakistan", action, "afghanistan", lanes, -1, np.zeros(2), np.zeros(2)))
    model.afghanistan.perceive()
    assert model.afghanistan.grievance.tolist() == [5.0, 0.0]


# ---- end of the day -------------------------------------------------------------------------------------------------
def test_costs_are_borne_and_memories_fade_each_day():
    model = world(2, **{"pakistan.cost_memory": 0.5, "crossings.closure_cost_per_day": 3.0,
                        "pakistan.grievance_decay": 0.25, "pakistan.trade_dependence": 1.0,
                        "afghanistan.trade_dependence": 2.5, "pakistan.toll_half_life": 1.0})
    pak = model.pakistan
    pak.fighting_cost[:] = 8.0
    pak.grievance[:] = 4.0
    pak.provocation_rung[:] = 7
    pak.attacked_today[:] = [T, F]
    pak.acted_today[:] = [F, T]
    pak.sanctuary_toll[:] = 8.0
    pak.bear_costs(np.array([2, 0]))
    model.afghanistan.bear_costs(np.array([2, 0]))
    pak.forget()
    pak.count_days()
    assert pak.closure_cost.tolist() == [6.0, 0.0] and pak.fighting_cost.tolist() == [4.0, 4.0]
    assert model.afghanistan.closure_cost.tolist() == [15.0, 0.0]  # landlocked: more dependent on the crossings
    assert pak.sanctuary_toll.tolist() == [4.0, 4.0]  # a half-life of one day
    assert pak.grievance.tolist() == [3.0, 3.0]
    assert pak.provocation_rung.tolist() == [7, 6]  # attacked today: the provocation stays
    assert pak.days_since_strike.tolist() == [999, 0]


# ---- the TTP ---------------------------------------------------------------------------------------------------------
def test_the_ttp_attacks_at_a_rate_its_sanctuary_and_capacity_allow():
    model = world(3, **{"ttp.attack_rate": 2.0, "ttp.sanctuary_dependence": 0.5})
    ttp = model.ttp
    ttp.capacity[:] = [1.0, 0.5, 1.0]
    ttp.sanctuary[:] = [1.0, 1.0, 0.0]
    assert ttp.daily_rate().tolist() == [2.0, 1.0, 1.0]
    assert world(2).ttp.attack() == []  # attack rate 0


def test_a_scheduled_ttp_attack_happens_once_with_its_toll():
    model = world(2, **{"ttp.claim_inflation": 2.0})
    acts = model.ttp.attack(np.array([1, 1]), deaths=15.0)
    assert len(acts) == 1 and acts[0].count.tolist() == [1, 1]
    assert acts[0].deaths_true.tolist() == [15.0, 15.0] and acts[0].deaths_claimed.tolist() == [30.0, 30.0]
    assert model.ttp.attacks.tolist() == [1, 1]


def test_strikes_wear_the_ttp_down_and_a_crackdown_takes_its_sanctuary():
    model = world(2, **{"ttp.strike_attrition": 0.1, "ttp.crackdown_effect": 0.5})
    model.ttp.suffer_strikes(np.array([T, F]))
    model.ttp.lose_sanctuary(np.array([F, T]))
    assert model.ttp.capacity.tolist() == [0.9, 1.0] and model.ttp.sanctuary.tolist() == [1.0, 0.5]


# ---- mediators ---------------------------------------------------------------------------------------------------------
def _mediated(lanes: int, **mediator) -> EscalationModel:
    spec = {"style": "host_talks", "capital": "doha", "trigger_rung": 7, "response_lag": 2.0, "response_delay": 0.0,
            "talks_propensity": 1.0, "leverage": {"pakistan": 1.0, "afghanistan": 1.0}} | mediator
    return world(lanes, **{"mediators": {"qatar": spec}})


def test_a_mediator_engages_its_lag_after_the_fighting_reaches_its_trigger():
    model = _mediated(3)
    qatar = model.mediators[0]
    model.rung_today[:] = [8, 5, 7]
    qatar.notice_crisis()
    assert qatar.engage_day.tolist() == [2, -1, 2]
    model.day = 2
    acts = qatar.engage()
    assert lanes_of(acts, Action.CALL_FOR_RESTRAINT) == [T, F, T] and lanes_of(acts, Action.MEDIATION_OFFER) == [T, F, T]
    assert qatar.attention.tolist() == [1.0, 0.0, 1.0]
    assert qatar.restraint_on("afghanistan").tolist() == [1.5, 0.0, 1.5]  # attention x leverage x talks weight


def test_attention_halves_over_its_half_life_without_new_fighting():
    model = _mediated(1, attention_half_life=2.0)
    qatar = model.mediators[0]
    qatar.engaged[:], qatar.attention[:] = T, 1.0
    for _ in range(2):
        model.rung_today[:] = 0
        qatar.notice_crisis()
    assert qatar.attention.tolist() == pytest.approx([0.5])


def test_an_invoked_pact_backs_the_partner_and_restrains_it_alone():
    model = _mediated(1, pact_with="pakistan", pact_invoked=True)
    qatar = model.mediators[0]
    acts = qatar.engage(np.array([T]))
    assert [a.action for a in acts] == [Action.CALL_FOR_RESTRAINT] and not qatar.hosts_talks  # no offer, no talks
    assert qatar.backing_for("pakistan") == 0.5 and qatar.backing_for("afghanistan") == 0.0
    assert qatar.restraint_on("afghanistan") == 0.0
    assert qatar.restraint_on("pakistan").tolist() == [1.5]  # attention 1 x leverage 1 x talks weight 1.5 x restraint 1
    stronger = _mediated(1, pact_with="pakistan", pact_invoked=True)
    stronger.params.set("mediation.pact_restraint", 3.0)
    stronger.mediators[0].engage(np.array([T]))
    assert stronger.mediators[0].restraint_on("pakistan").tolist() == [4.5]


def test_the_parties_own_channel_meets_without_statements_and_can_reopen_a_crossing():
    model = _mediated(2, style="bilateral", capital="")
    channel = model.mediators[0]
    assert channel.engage(np.array([T, T])) == [] and channel.hosts_talks
    model.crossings_open[:] = [[F, T], [T, T]]
    model.closed_by[:] = [[0, -1], [-1, -1]]
    model.ceasefire_in_force[:] = T
    model.pakistan.closure_cost[:] = 50.0
    model.pakistan.grievance[:] = 0.0
    model.params.set("pakistan.reopen_sensitivity", 1.0)
    model.hold_talks(channel, channel.convene_talks())
    assert events(model, 0) == [(0, "qatar", "bilateral_talks"), (0, "pakistan", "reopen_crossing")]
    assert events(model, 1) == []  # a ceasefire holds and every crossing is open: nothing to talk about


def test_talks_are_convened_while_engaged_and_something_is_left_to_agree_quiet_days_included():
    model = _mediated(5)
    qatar = model.mediators[0]
    qatar.engaged[:], qatar.attention[:] = [T, F, T, T, T], 1.0
    model.ceasefire_in_force[:] = [F, F, T, F, T]
    model.crossings_open[:] = [[T, T], [T, T], [T, T], [T, T], [F, T]]
    model.days_since_kinetic[:] = [2, 2, 2, 40, 40]
    # engaged, no ceasefire | not engaged | ceasefire, crossings open | quiet for weeks | ceasefire, a crossing shut
    assert qatar.convene_talks().tolist() == [T, F, F, T, T]


# ---- the day loop applies effects -------------------------------------------------------------------------------------
def test_talks_end_in_a_ceasefire_where_both_parties_accept():
    model = _mediated(2)
    model.pakistan.grievance[:] = 0.0
    model.afghanistan.grievance[:] = [0.0, 30.0]  # Afghanistan still wants to fight in lane 1
    model.hold_talks(model.mediators[0], np.array([T, T]))
    assert model.ceasefire_in_force.tolist() == [T, F]
    assert model.pakistan.bound.tolist() == [T, F] and model.afghanistan.bound.tolist() == [T, F]
    assert model.first_ceasefire_day.tolist() == [0, -1] and model.ceasefire_host.tolist() == [0, -1]
    assert events(model, 1) == [(0, "qatar", "talks_hosted")]


def test_a_strike_between_the_states_ends_every_truce_and_airstrikes_wear_down_the_ttp():
    model = world(2, **{"ttp.strike_attrition": 0.1})
    model.pakistan.bound[:], model.afghanistan.bound[:], model.ceasefire_in_force[:] = T, T, T
    model.carry_out(model.pakistan.strike(np.array([T, F]), np.array([8, 8])))
    assert model.pakistan.bound.tolist() == [F, T] and model.afghanistan.bound.tolist() == [F, T]
    assert model.ceasefire_in_force.tolist() == [F, T]
    assert model.ttp.capacity.tolist() == [0.9, 1.0]
    assert len(model.afghanistan.inbox) == 1
    assert events(model, 0) == [(0, "pakistan", "ceasefire_violated"), (0, "pakistan", "airstrike_border_province")]


def test_the_days_rung_is_set_by_the_states_and_mediators_not_by_the_ttp():
    model = world(1, **{"ttp.attack_rate": 20.0})
    model.ttp_attacks()
    assert model.rung_today.tolist() == [-99]
    model.carry_out(model.pakistan.say(Action.ACCUSATION, np.array([T]), "afghanistan"))
    model.end_day()
    assert model.rung_history[0].tolist() == [1] and model.kinetic_today.tolist() == [F]


# ---- whole days, scripted --------------------------------------------------------------------------------------------
def test_an_airstrike_answered_the_same_night_then_crossings_close_then_quiet():
    """Day 0: Pakistan strikes a border province (scheduled); Afghanistan, answering every attack
    the same night and without an air force, raids border posts; Pakistan, hit, closes both crossings.
    Nobody has any further initiative, so nothing more happens."""
    table = quiet_table(**{"afghanistan.counterstrike_probability": 1.0, "afghanistan.campaign_threshold": 50.0,
                           "pakistan.closure_as_pressure": 1.0})
    table["shocks"] = [{"day": 0, "actor": "pakistan", "action": "airstrike_border_province", "target": "afghanistan"}]
    model = EscalationModel(scenario_from_dict(table, "scripted"), seed=3, lanes=3).run(days=10)
    expected = [(0, "pakistan", "airstrike_border_province"), (0, "afghanistan", "raid_border_posts"),
                (0, "pakistan", "close_crossing"), (0, "pakistan", "close_crossing")]
    for lane in range(3):
        assert events(model, lane) == expected


def test_a_halt_after_claims_of_a_hard_hit_holds_without_new_provocation():
    """Afghanistan raids once (scheduled), believes its claims and halts the same night; Pakistan,
    which never retaliates, accuses; the halt holds and the run ends de-escalated."""
    table = quiet_table(**{"afghanistan.halt_propensity": 10.0, "afghanistan.claim_satisfaction": 1.0,
                           "afghanistan.claim_noise": 0.0, "pakistan.rhetoric_propensity": 1.0,
                           "pakistan.threat_threshold": 20.0, "lethality.raid_border_posts": 30.0})
    table["shocks"] = [{"day": 0, "actor": "afghanistan", "action": "raid_border_posts", "target": "pakistan"}]
    model = EscalationModel(scenario_from_dict(table, "scripted"), seed=5, lanes=2).run()
    for lane in range(2):
        assert events(model, lane) == [(0, "afghanistan", "raid_border_posts"), (0, "pakistan", "accusation"),
                                       (0, "afghanistan", "halt_operations")]
    assert model.summary()["outcome"].tolist() == [0, 0]


# ---- outcomes by behaviour --------------------------------------------------------------------------------------------
def _outcome_model(**changes) -> EscalationModel:
    model = world(4, **changes)
    model.day = 40
    return model


def test_outcomes_follow_what_the_states_did_not_the_state_of_truce():
    model = _outcome_model(**{"outcome.quiet_days": 14})
    model.kinetic_days[:] = [3, 3, 0, 3]
    model.days_since_kinetic[:] = [20, 5, 999, 20]
    model.war_day[:] = [-1, -1, -1, 12]
    # fought, then quiet (no truce needed) | fought recently | never fought | war, even if quiet since
    assert model.outcome().tolist() == [Outcome.DEESCALATED.code, Outcome.CONTAINED.code, Outcome.CALM.code,
                                        Outcome.WAR.code]


def test_a_run_that_begins_after_fighting_and_stays_quiet_has_de_escalated():
    model = _outcome_model(**{"initial.days_since_kinetic": 2})
    model.days_since_kinetic[:] = 42
    assert (model.outcome() == Outcome.DEESCALATED.code).all()


def test_a_campaign_is_war_only_once_it_has_lasted():
    table = quiet_table(**{"outcome.campaign_days": 3, "lethality.sustained_campaign": 0.0})
    table["shocks"] = [{"day": 0, "actor": "afghanistan", "action": "sustained_campaign", "target": "pakistan"}]
    model = EscalationModel(scenario_from_dict(table, "scripted"), seed=1, lanes=1)
    model.run(days=2)
    assert model.outcome().tolist() == [Outcome.CONTAINED.code] and model.campaign_days.tolist() == [2]
    model.run(days=1)
    assert model.outcome().tolist() == [Outcome.WAR.code] and model.war_day.tolist() == [2]


def test_renewed_fighting_and_major_escalation_are_recorded_along_the_path():
    table = quiet_table(**{"pakistan.sanctuary_strike_rate": 1.0, "pakistan.sanctuary_tolerance": 0.0,
                           "pakistan.ttp_response": "airstrike_capital"})
    table["shocks"] = [{"day": 0, "actor": "pakistan", "action": "airstrike_capital", "target": "afghanistan"},
                       {"day": 1, "actor": "afghanistan", "action": "halt_operations"},
                       {"day": 3, "actor": "ttp", "action": "ttp_attack", "deaths": 40.0}]
    model = EscalationModel(scenario_from_dict(table, "scripted"), seed=2, lanes=2).run(days=8)
    s = model.summary()
    assert s["first_halt_day"].tolist() == [1, 1]
    assert (s["renewed_fighting_day"] >= 4).all()  # the strike on the sanctuary after the TTP attack
    assert (s["major_escalation_day"] >= 4).all()  # day 0's scheduled strike on Kabul does not count
    assert s["kinetic_days"].tolist() == [2, 2] and s["first_kinetic_day"].tolist() == [0, 0]


def test_a_mass_casualty_tail_with_the_declared_share_and_exponent():
    """Attacks killing 5+ are the declared share, and P(toll >= 10 | toll >= 5) is (5/10) ** tail."""
    model = world(40_000, **{"ttp.attack_rate": 1.0, "ttp.major_attack_share": 0.2, "ttp.major_tail": 1.0,
                             "ttp.deaths_per_attack": 0.0})
    tolls = []
    for day in range(3):
        model.day = day
        model.begin_day()
        for act in model.ttp.attack():
            tolls.append(act.deaths_true[act.lanes & (act.count == 1)])
    toll = np.concatenate(tolls)
    major = toll >= 5
    assert abs(major.mean() - 0.2) < 0.01
    assert abs((toll[major] >= 10).mean() - 0.5) < 0.02 and abs((toll[major] >= 20).mean() - 0.25) < 0.02


def test_a_closed_crossing_keeps_the_parties_own_channel_attending_and_an_open_one_lets_it_fade():
    model = world(2, **{"mediators.bilateral.style": "bilateral", "mediators.bilateral.trigger_rung": 3,
                        "mediators.bilateral.leverage": {"pakistan": 1.0, "afghanistan": 1.0},
                        "mediators.bilateral.attention_half_life": 1.0})
    channel = model.mediator("bilateral")
    channel.engaged[:] = True
    channel.attention[:] = 1.0
    model.crossings_open[0, :] = False  # lane 0: a crossing shut; lane 1: all open, and no fighting
    channel.notice_crisis()
    assert channel.attention.tolist() == [1.0, 0.5]
