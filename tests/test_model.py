"""The rules: invariants over random valid scenarios and seeds, decision tests, lane equivalence."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import default_table, random_scenarios
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from sim.agents import quantal_response
from sim.ladder import MAX_RUNG, MIN_RUNG, Action
from sim.model import EscalationModel
from sim.outcomes import Outcome
from sim.scenario import scenario_from_dict

seeds = st.integers(0, 2**31 - 1)


def _run(scenario, seed, lanes=8, **kw):
    return EscalationModel(scenario, seed=seed, lanes=lanes, **kw).run()


@given(random_scenarios(), seeds)
def test_the_days_rung_is_the_highest_act_of_the_states_and_mediators_that_day(scenario, seed):
    """Rebuilt from the event log: each day's recorded rung is the highest rung of that day's acts by
    anyone but the TTP (0 on a day without any), and the peak is the highest of them."""
    model = _run(scenario, seed)
    assert model.rung_history.min() >= MIN_RUNG and model.rung_history.max() <= MAX_RUNG
    for lane in range(model.lanes):
        expected = np.zeros(model.horizon, dtype=int)
        seen = np.zeros(model.horizon, dtype=bool)
        for e in model.log.events(lane):
            if e.actor != "ttp":
                rung = Action.from_key(e.action).rung
                expected[e.day] = rung if not seen[e.day] else max(expected[e.day], rung)
                seen[e.day] = True
        assert model.rung_history[:, lane].tolist() == expected.tolist()
        assert model.peak_rung[lane] == max(0, expected.max())


@given(random_scenarios(), seeds)
def test_casualties_never_negative_nor_decreasing(scenario, seed):
    model = EscalationModel(scenario, seed=seed, lanes=6)
    keys = ("deaths_true", "deaths_claimed", "acknowledged_pakistan", "acknowledged_afghanistan", "ttp_deaths")
    previous = {k: model.summary()[k] for k in keys}
    while not model.finished:
        model.step()
        now = model.summary()
        for k in keys:
            assert (now[k] >= 0).all(), k
            assert (now[k] >= previous[k]).all(), k
        previous = {k: now[k] for k in keys}
    for e in model.log.events():
        assert e.deaths_true >= 0 and e.deaths_claimed >= 0


@given(random_scenarios(), seeds)
def test_bound_party_strikes_only_with_a_logged_violation(scenario, seed):
    """Replay the log: a state bound by its halt or a ceasefire never strikes without a violation event."""
    model = _run(scenario, seed, lanes=6)
    init = scenario.initial
    for lane in range(model.lanes):
        bound = {p: init[p]["bound"] for p in ("pakistan", "afghanistan")}
        violation_pending = {p: False for p in bound}
        for e in model.log.events(lane):
            action = Action.from_key(e.action)
            if action is Action.CEASEFIRE_VIOLATED:
                assert bound[e.actor], f"violation logged by an unbound party: {e}"
                violation_pending[e.actor] = True
            elif action.kinetic and e.actor in bound:
                if bound[e.actor]:
                    assert violation_pending[e.actor], f"bound party struck without a violation: {e}"
                bound = {p: False for p in bound}
                violation_pending = {p: False for p in bound}
            elif action is Action.HALT_OPERATIONS:
                bound[e.actor] = True
            elif action is Action.CEASEFIRE_DECLARED:
                bound[e.actor] = True


@given(random_scenarios(), seeds)
def test_days_closed_are_the_days_the_log_shows_a_crossing_shut(scenario, seed):
    """Rebuilt from the event log's closures and reopenings, day by day."""
    model = _run(scenario, seed)
    names = list(scenario.crossings)
    places = {scenario.crossings[n]["location"]: i for i, n in enumerate(names)}
    closed_days = model.summary()["closed_days"]
    for lane in range(model.lanes):
        is_open = [scenario.crossings[n]["open"] for n in names]
        by_day: dict[int, list] = {}
        for e in model.log.events(lane):
            if e.action in ("close_crossing", "reopen_crossing"):
                by_day.setdefault(e.day, []).append(e)
        days = 0
        for day in range(model.horizon):
            for e in by_day.get(day, []):
                is_open[places[e.location]] = e.action == "reopen_crossing"
            days += not all(is_open)
        assert closed_days[lane] == days
        assert model.crossings_open[lane].tolist() == is_open


@given(random_scenarios(), seeds)
def test_same_seed_same_run(scenario, seed):
    a, b = _run(scenario, seed, lanes=4), _run(scenario, seed, lanes=4)
    assert a.log.events() == b.log.events()
    for key, value in a.summary().items():
        np.testing.assert_array_equal(value, b.summary()[key], err_msg=key)


@given(random_scenarios(), seeds, st.integers(0, 15))
def test_lane_k_is_run_k_alone(scenario, seed, k):
    """Lane k of a 16-lane instance unfolds exactly as run k simulated alone (R = 1)."""
    many = _run(scenario, seed, lanes=16)
    alone = EscalationModel(scenario, seed=seed, run_indices=np.array([k])).run()
    assert [e.__dict__ | {"lane": 0} for e in many.log.events(k)] == [e.__dict__ for e in alone.log.events(0)]
    for key, value in many.summary().items():
        assert value[k] == alone.summary()[key][0], key


@pytest.mark.slow
def test_lanes_follow_the_rules_as_single_runs_do_statistically(default_scenario):
    """Outcomes of 600 lanes in one instance vs 150 separate one-lane instances of other runs."""
    many = _run(default_scenario, seed=7, lanes=600).summary()
    single = [EscalationModel(default_scenario, seed=8, run_indices=np.array([r]), collect_series=False).run()
              .summary() for r in range(150)]
    counts_many = np.bincount(many["outcome"], minlength=3)
    counts_single = np.bincount([s["outcome"][0] for s in single], minlength=3)
    table = np.array([counts_many, counts_single])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] > 1:
        assert stats.chi2_contingency(table).pvalue > 0.001
    peak_single = np.array([s["deaths_true"][0] for s in single])
    assert stats.mannwhitneyu(many["deaths_true"], peak_single).pvalue > 0.001


def test_different_seeds_differ(default_scenario):
    a, b = _run(default_scenario, 1, lanes=32), _run(default_scenario, 2, lanes=32)
    assert a.log.events() != b.log.events()


def _table(**changes):
    table = default_table()
    for dotted, value in changes.items():
        node = table
        *path, last = dotted.split(".")
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value
    if "mediators" in changes:
        table["priors"] = {}  # priors may name the mediators this test removes
    return scenario_from_dict(table, "test")


#: Every disputed site quiet: no clash at all unless a test sets one.
NO_CLASHES = {f"sites.{site}.clash_rate": 0.0 for site in default_table()["sites"]}

probabilities = st.floats(0.0, 1.0, allow_nan=False)
noises = st.floats(0.01, 5.0, allow_nan=False)


@given(probabilities, noises)
def test_quantal_response_is_a_probability_symmetric_about_one_half(p, noise):
    q = float(quantal_response(p, noise))
    assert 0.0 <= q <= 1.0
    mirror = 1 - p  # may round (1 - 1e-17 is 1.0): compare with the mirror of the mirror, not with p
    assert float(quantal_response(mirror, noise)) == pytest.approx(1 - float(quantal_response(1 - mirror, noise)),
                                                                   abs=1e-9)
    if p in (0.0, 1.0):
        assert q == p  # impossible and certain choices stay so at any noise


@given(probabilities, probabilities, noises)
def test_quantal_response_keeps_the_order_of_propensities(p, r, noise):
    if p < r:
        assert quantal_response(p, noise) <= quantal_response(r, noise)


@given(probabilities, noises, noises)
def test_less_noise_pushes_a_choice_towards_its_threshold(p, noise, less):
    """Below noise 1, lowering the noise moves the chance away from 1/2 on the side of p."""
    low, high = sorted((noise, less))
    q_low, q_high = float(quantal_response(p, low)), float(quantal_response(p, high))
    if p > 0.5:
        assert q_low >= q_high - 1e-12
    elif p < 0.5:
        assert q_low <= q_high + 1e-12


@given(probabilities, noises, st.floats(-10.0, 10.0, allow_nan=False), st.floats(-10.0, 10.0, allow_nan=False))
def test_a_climate_shift_moves_a_choice_its_way_and_keeps_certainties(p, noise, shift, more):
    low, high = sorted((shift, more))
    q_low, q_high = float(quantal_response(p, noise, low)), float(quantal_response(p, noise, high))
    assert 0.0 <= q_low <= q_high + 1e-12 <= 1.0 + 1e-12
    if p in (0.0, 1.0):
        assert q_low == q_high == p
    assert float(quantal_response(p, noise, 0.0)) == float(quantal_response(p, noise))


def test_quantal_response_at_noise_one_is_the_propensity_itself():
    p = np.linspace(0, 1, 101)
    np.testing.assert_array_equal(quantal_response(p, 1.0), p)
    np.testing.assert_array_equal(quantal_response(p, np.ones_like(p)), p)


@pytest.mark.parametrize(("propensity", "expected"), [(0.6, 1.0), (0.4, 0.0)])
def test_low_decision_noise_makes_the_same_night_answer_a_threshold(propensity, expected):
    """Afghanistan answers the day-0 strikes the same night: at noise 0.01 always when its
    propensity is above 1/2, never below; at noise 1 in the stated share of runs."""
    def share(noise):
        scenario = _table(**{"afghanistan.counterstrike_probability": propensity, "afghanistan.decision_noise": noise,
                             "scenario.horizon_days": 2, "mediators": {}, "afghanistan.retaliation_propensity": 0.0,
                             **NO_CLASHES})
        model = _run(scenario, 4, lanes=4000)
        days = np.array([model.first_day_of("afghanistan", a) for a in Action if a.kinetic and a is not Action.TTP_ATTACK])
        return float((days == 0).any(axis=0).mean())

    assert share(0.01) == expected
    assert abs(share(1.0) - propensity) < 4 * np.sqrt(propensity * (1 - propensity) / 4000)


def test_no_retaliation_when_propensities_are_zero():
    scenario = _table(**{"afghanistan.retaliation_propensity": 0.0, "afghanistan.counterstrike_probability": 0.0,
                         **NO_CLASHES})
    model = _run(scenario, 3, lanes=200)
    assert not any(e.actor == "afghanistan" and Action.from_key(e.action).kinetic for e in model.log.events())


@pytest.mark.parametrize("delay", [1, 2, 3])
def test_certain_retaliation_waits_exactly_the_preparation_delay(delay):
    scenario = _table(**{"afghanistan.retaliation_propensity": 10.0, "afghanistan.counterstrike_probability": 0.0,
                         "afghanistan.grievance_per_attack": 10.0, "afghanistan.escalation_propensity": 0.0,
                         "afghanistan.retaliation_delay": float(delay), "mediators": {},
                         "pakistan.retaliation_propensity": 0.0, "ttp.attack_rate": 0.0,
                         "pakistan.sanctuary_strike_rate": 0.0, **NO_CLASHES})
    model = _run(scenario, 3, lanes=100)
    kinetic = [model.first_day_of("afghanistan", a) for a in Action if a.kinetic and a is not Action.TTP_ATTACK]
    first = np.min(np.where(np.array(kinetic) >= 0, kinetic, 999), axis=0)
    assert (first == delay).all()


def test_clashes_at_a_site_happen_at_its_rate_in_calm_times():
    """No grievance, no shocks, no TTP: the first clash Afghanistan starts at Torkham comes at the set rate."""
    rate = 0.05
    scenario = _table(**{"shocks": [], "ttp.attack_rate": 0.0, **NO_CLASHES, "sites.torkham.clash_rate": rate * 365,
                         "sites.torkham.afghan_share": 1.0, "initial.pakistan.grievance": 0.0})
    model = _run(scenario, 8, lanes=4000)
    first = model.first_day_of("afghanistan", Action.CROSS_BORDER_FIRE)
    expected = 1 - np.exp(-rate)
    observed = (first == 0).mean()
    assert abs(observed - expected) < 4 * np.sqrt(expected * (1 - expected) / 4000)


def test_full_commitment_means_no_violations():
    scenario = _table(**{"pakistan.ceasefire_commitment": 1.0, "afghanistan.ceasefire_commitment": 1.0,
                         "initial.ceasefire_in_force": True, "initial.pakistan.bound": True,
                         "initial.afghanistan.bound": True, "shocks": [], "pakistan.sanctuary_strike_rate": 0.0,
                         **NO_CLASHES})
    model = _run(scenario, 5, lanes=200)
    assert not any(Action.from_key(e.action).kinetic and e.actor != "ttp" for e in model.log.events())
    assert (model.outcome() == Outcome.CALM.code).all()  # they never fought


def test_campaign_is_war():
    scenario = _table(shocks=[{"day": 0, "actor": "pakistan", "action": "sustained_campaign", "target": "afghanistan"}],
                      **{"outcome.campaign_days": 1})
    model = _run(scenario, 5, lanes=50)
    assert (model.outcome() == Outcome.WAR.code).all()


def test_mediator_engages_after_trigger_and_restrains():
    scenario = _table(**{"mediators": {"iran": {"style": "mediation", "capital": "tehran", "trigger_rung": 9,
                                                "response_delay": 0.0, "leverage": {"pakistan": 1.0,
                                                                                    "afghanistan": 1.0}}}})
    model = _run(scenario, 5, lanes=20)
    first = model.summary()["first_call_for_restraint"]
    assert (first == 0).all()
    assert model.mediators[0].restraint_on("afghanistan").min() > 0


def test_day_zero_shocks_happen_in_every_lane(default_scenario):
    model = _run(default_scenario, 11, lanes=50)
    s = model.summary()
    assert (s["first_airstrike_capital"] == 0).all()
    assert (s["first_airstrike_border_province"] == 0).all()
    places = {e.location for e in model.log.events() if e.day == 0 and e.action == "airstrike_capital"}
    assert places == {"kabul"}


def test_phase_order_within_a_day(default_scenario):
    """Shocks come first, then the TTP, then initiatives, counter-strikes, deliberation, mediators."""
    phase = {"airstrike_capital": 1, "airstrike_border_province": 1, "ttp_attack": 2,
             "call_for_restraint": 7, "mediation_offer": 7, "talks_hosted": 7}
    model = _run(default_scenario, 2, lanes=20)
    for lane in range(model.lanes):
        day0 = [phase[e.action] for e in model.log.events(lane) if e.day == 0 and e.action in phase]
        assert day0 == sorted(day0)


def test_per_lane_parameters_change_lanes_independently(default_scenario):
    lanes = 400
    values = np.where(np.arange(lanes) < lanes // 2, 0.0, 5.0)
    model = EscalationModel(default_scenario, seed=3, lanes=lanes,
                            lane_params={"afghanistan.retaliation_propensity": values}).run()
    raided = model.summary()["first_raid_border_posts"] >= 0
    assert raided[: lanes // 2].mean() < raided[lanes // 2:].mean()


def test_bad_lane_parameters_are_rejected(default_scenario):
    with pytest.raises(ValueError, match="per-lane"):
        EscalationModel(default_scenario, lanes=4, lane_params={"pakistan.resolve": np.ones(3)})
    with pytest.raises(ValueError, match="outside"):
        EscalationModel(default_scenario, lanes=2, lane_params={"pakistan.ceasefire_commitment": np.array([0.5, 2])})
    with pytest.raises(ValueError, match="unknown"):
        EscalationModel(default_scenario, lanes=2, lane_params={"pakistan.style": 1.0})
