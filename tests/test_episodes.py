"""Episodes as data, the joint likelihood and its sampler, and the validation scores."""

from __future__ import annotations

import json
import re
import tomllib

import numpy as np
import pytest
from conftest import escalation
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.calibrate import joint
from sim.calibrate.distance import observe, terms
from sim.calibrate.episodes import (
    ATTACKS_DIR,
    EPISODES_DIR,
    SCOPE_DAYS,
    Episode,
    fact_matrix,
    load_episodes,
    persistence_facts,
    scoped_fact_matrix,
)
from sim.calibrate.joint import calibrate_joint, fact_log_likelihood, next_beta, systematic_resample
from sim.calibrate.priors import PriorSpace
from sim.calibrate.targets import load_targets
from sim.calibrate.validate import (
    Validation,
    _baselines,
    _mixture_log_score,
    _stacking_weight,
    psis,
    trigger_kind,
    validate,
)
from sim.errors import UsageError
from sim.model import EscalationModel
from sim.scenario import ScenarioError, load_scenario

REFERENCE = EPISODES_DIR.parents[2].parent / "shared" / "reference" / "episodes" / "episodes.toml"
ANNEX = REFERENCE.with_name("episodes.md")


@pytest.fixture(scope="module")
def episodes():
    return load_episodes()


def test_every_episode_is_a_scenario_with_sourced_facts(episodes):
    ids = [e.id for e in episodes]
    assert ids[-1] == "october_2025" and len(ids) == 17
    for episode in episodes[:-1]:
        assert episode.scenario.shocks, f"{episode.id}: the trigger must be scheduled"
        assert all(s.day == 0 for s in episode.scenario.shocks)
        assert set(episode.scenario.mediators) <= {"bilateral"}, "no third state engaged before October 2025"
        for target in episode.targets.targets:
            assert target.source.startswith(episode.id), f"{episode.id}.{target.name}: the source names its row"
        assert len(episode.fact_names) >= 2


@pytest.mark.skipif(not REFERENCE.is_file(), reason="the shared reference folder is not beside the checkout")
def test_the_episodes_are_those_of_the_reference_file_and_dated_as_it_dates_them(episodes):
    reference = {e["id"]: e for e in tomllib.loads(REFERENCE.read_text())["episode"]}
    for episode in episodes[:-1]:
        assert episode.id in reference
        start = str(episode.scenario.start_date)
        assert start <= reference[episode.id]["start"], f"{episode.id}: day 0 is the trigger, not later"


def test_a_fact_that_did_not_hold_is_met_by_runs_where_it_does_not(tmp_path):
    text = (EPISODES_DIR / "E03.targets.toml").read_text()
    path = tmp_path / "E03.targets.toml"
    (tmp_path / "E03.toml").write_text((EPISODES_DIR / "E03.toml").read_text().replace(
        'base = "border_years.toml"', f'base = "{EPISODES_DIR / "border_years.toml"}"'))
    path.write_text(text)
    scenario = load_scenario(tmp_path / "E03.toml")
    targets = load_targets(path, scenario)
    flipped = load_targets(path.write_text(text.replace("observed = false", "observed = true")) and path, scenario)
    model = EscalationModel(scenario, seed=0, run_indices=np.arange(200), record_events=False, collect_series=False,
                            horizon=30)
    obs = observe(model, targets)
    a, b = terms(obs, targets)[:len(targets.targets)] <= 1, terms(obs, flipped)[:len(flipped.targets)] <= 1
    changed = np.array([t.observed != u.observed for t, u in zip(targets.targets, flipped.targets, strict=True)])
    assert changed.any()
    assert (a[changed] == ~b[changed]).all() and (a[~changed] == b[~changed]).all()


@pytest.mark.parametrize("entry, message", [
    ('kind = "threshold"\nquantity = "kinetic_days"\nwindow = [0, 3]', "value"),
    ('kind = "threshold"\nquantity = "kinetic_days"\nvalue = 2\nwindow = [0, 3]\nobserved = "yes"', "true or false"),
    ('kind = "threshold"\nquantity = "kinetic_day"\nvalue = 2\nwindow = [0, 3]', "did you mean 'kinetic_days'"),
    ('kind = "threshold"\nquantity = "kinetic_days"\nvalue = 2\nwindow = [0, 3]\ntolerance = 1', "unknown key"),
])
def test_bad_threshold_facts_are_one_line(tmp_path, entry, message):
    path = tmp_path / "t.toml"
    path.write_text('[targets]\nhorizon_days = 5\n\n[[target]]\nname = "x"\nsource = "s"\n' + entry + "\n")
    with pytest.raises(ScenarioError, match=re.escape(message)):
        load_targets(path, load_scenario(EPISODES_DIR / "E03.toml"))


def test_persistence_keeps_the_trigger_and_nothing_else(episodes):
    by_id = {e.id: e for e in episodes}
    closed = dict(zip(by_id["E10"].fact_names, persistence_facts(by_id["E10"]), strict=True))
    assert closed["closure_over_7d"] and not closed["talks_within_30d"] and not closed["pakistan_fires_7d"]
    struck = dict(zip(by_id["E03"].fact_names, persistence_facts(by_id["E03"]), strict=True))
    assert not struck["pakistan_airstrike_7d"] and not struck["afghan_dead_in_fighting"]
    assert trigger_kind(by_id["E03"]) == "ttp_attack" and trigger_kind(by_id["E18"]) == "air_strike"
    assert trigger_kind(by_id["E08"]) == "closure_or_threat" and trigger_kind(by_id["E13"]) == "fire_across_the_border"


def test_the_dead_of_each_side_are_held_against_whoever_reported_them(episodes):
    """The file's death slots are each side's own figures ("Deaths - Pakistani side / Pakistani
    claims"): a fact of a side's dead is its admitted count, except where only the other
    government (a claim) or only independent media (the run's true toll) reported it."""
    reporters = {}
    for episode in episodes:
        for target in episode.targets.targets:
            if target.name.endswith("_dead_in_fighting"):
                reporters[(episode.id, target.name)] = target.quantity
    assert len(reporters) == 22
    others = {("E07", "afghan_dead_in_fighting"): "claimed_by_pakistan",
              ("E09", "afghan_dead_in_fighting"): "deaths_true_afghanistan"}
    for (case, name), quantity in reporters.items():
        side = "pakistan" if name.startswith("pakistani") else "afghanistan"
        assert quantity == others.get((case, name), f"acknowledged_{side}"), (case, name)


def test_a_death_the_side_does_not_admit_is_not_reported(episodes):
    """E04: fire between the states kills Pakistanis in some runs; Pakistan's dead count as reported
    only as far as it admits them (``acknowledgement_ratio``)."""
    case = {e.id: e for e in episodes}["E04"]
    fact = case.fact_names.index("pakistani_dead_in_fighting")
    runs = np.arange(256)
    reported = {ratio: fact_matrix(case, 3, runs, {"pakistan.acknowledgement_ratio": np.full(256, ratio)})[fact]
                for ratio in (0.0, 1.0)}
    assert not reported[0.0].any(), "a side that admits nothing reports no dead"
    assert reported[1.0].mean() > 0.3, "a side that admits all reports its dead whenever it has some"


def test_persistence_reports_the_dead_the_trigger_lists(episodes, tmp_path):
    """E18's drone strike lists 3 Afghan dead: if nothing follows, both sides report them, and no
    Pakistani dies."""
    drone = {e.id: e for e in episodes}["E18"]
    facts = ""
    for name, quantity in (("admitted", "acknowledged_afghanistan"), ("claimed", "claimed_by_pakistan"),
                           ("pakistani", "acknowledged_pakistan")):
        facts += (f'[[target]]\nname = "{name}"\nsource = "s"\nkind = "threshold"\nquantity = "{quantity}"\n'
                  f'value = 1\nwindow = [0, 29]\nobserved = true\n\n')
    path = tmp_path / "t.toml"
    path.write_text("[targets]\nhorizon_days = 30\n\n" + facts)
    case = Episode("E18", drone.scenario, load_targets(path, drone.scenario))
    assert persistence_facts(case).tolist() == [True, True, False]


def test_a_run_is_in_scope_once_the_states_fight_or_a_crossing_closes(episodes):
    by_id = {e.id: e for e in episodes}
    held, in_scope = scoped_fact_matrix(by_id["E04"], 3, np.arange(64))
    assert in_scope.all(), "fire between the states on day 0 makes every run an episode"
    assert (held == fact_matrix(by_id["E04"], 3, np.arange(64))).all(), "watching the scope changes no run"
    attack = by_id["E03"]
    eager = {"pakistan.sanctuary_strike_rate": np.full(256, 0.5), "pakistan.sanctuary_tolerance": np.zeros(256)}
    held, in_scope = scoped_fact_matrix(attack, 3, np.arange(256), eager)
    strike = held[attack.fact_names.index("pakistan_airstrike_7d")]
    assert strike.any() and not in_scope.all(), "after a TTP attack some runs stay quiet"
    assert in_scope[strike].all(), f"a strike within {SCOPE_DAYS} days puts the run in scope"


def test_a_case_is_scored_given_that_it_is_an_episode_unless_told_otherwise():
    scores = {given: validate(particles=12, replicates=2, given=given) for given in ("episode", "trigger")}
    assert scores["trigger"].given == "trigger" and "given the trigger alone" in scores["trigger"].table()
    strike = ("E03", "pakistan_airstrike_7d")
    for forecaster in ("model", "event_model"):
        facts = {given: v.facts.set_index(["episode", "fact"])[forecaster] for given, v in scores.items()}
        assert np.allclose(facts["episode"].loc["E04"], facts["trigger"].loc["E04"]), "a fight on day 0: same runs"
        assert facts["episode"].loc[strike] > facts["trigger"].loc[strike], "quiet runs are not episodes"
    report = scores["episode"].to_json()["episodes"]
    assert report["E04"]["runs_in_scope"] == report["E04"]["runs"] == 24 > report["E03"]["runs_in_scope"]
    with pytest.raises(UsageError, match="--given"):
        validate(particles=12, replicates=2, given="anything")


def test_the_attacks_are_the_rows_of_annex_a_that_drew_no_strike(episodes):
    attacks = load_episodes(ATTACKS_DIR, main_case=False)
    assert len(attacks) == 10 and not {a.id for a in attacks} & {e.id for e in episodes}
    annex = ANNEX.read_text().split("## Annex A")[1].split("## Annex B")[0] if ANNEX.is_file() else None
    for attack in attacks:
        assert attack.fact_names == ["pakistan_airstrike_7d"] and not attack.observed.any()
        assert attack.targets.horizon == 8 and attack.targets.targets[0].source.startswith("Annex A")
        shocks = attack.scenario.shocks
        assert all(s.actor == "ttp" for s in shocks) and sum(s.deaths for s in shocks) >= 5
        if annex is not None:
            row = next(line for line in annex.splitlines() if line.startswith(f"| {attack.scenario.start_date} "))
            assert f"| {shocks[0].deaths:g} |" in row and "(E0" not in row and "(E1" not in row


def test_cli_calibrate_episodes_adds_the_attacks_unless_told_not_to(episodes, tmp_path):
    others = [e.id for e in episodes if e.id != "E04"] + [f"A{i:02d}" for i in range(2, 11)]
    settings_ = ["--population", "20", "--replicates", "1", "--moves", "1", "--final-moves", "1", "--workers", "1"]
    for flag, cases in ((["--exclude", *others], ["E04", "A01"]), (["--no-attacks", "--exclude", *others[:16]], ["E04"])):
        out = tmp_path / f"cases{len(cases)}"
        proc = escalation("calibrate", "--episodes", *settings_, *flag, "--out", str(out))
        assert proc.returncode == 0, proc.stderr
        assert list(json.loads((out / "calibration.json").read_text())["dependence_weights"]) == cases


def test_facts_of_a_run_depend_on_its_index_not_its_company(episodes):
    episode = episodes[2]
    together = fact_matrix(episode, 5, np.arange(40))
    alone = np.hstack([fact_matrix(episode, 5, np.arange(i, i + 1)) for i in (3, 17, 39)])
    assert (together[:, [3, 17, 39]] == alone).all()


@given(st.lists(st.integers(0, 16), min_size=1, max_size=12), st.data())
def test_the_synthetic_likelihood_is_a_sum_of_smoothed_bernoulli_terms(held, data):
    observed = np.array(data.draw(st.lists(st.booleans(), min_size=len(held), max_size=len(held))))
    k = np.array(held)[:, None]
    value = fact_log_likelihood(k, observed, 16)[0]
    p = (k[:, 0] + 0.5) / 17
    assert np.isclose(value, np.sum(np.where(observed, np.log(p), np.log(1 - p))))
    assert np.isfinite(value) and value < 0


@settings(max_examples=30)
@given(st.lists(st.floats(-200, 0, allow_nan=False), min_size=20, max_size=200), st.floats(0, 0.9))
def test_each_tempering_step_keeps_half_the_sample(loglik, beta):
    loglik = np.array(loglik)
    nxt = next_beta(loglik, beta, len(loglik) / 2)
    assert beta < nxt <= 1.0
    if nxt < 1.0:
        assert joint.ess((nxt - beta) * loglik) >= len(loglik) / 2 - 1e-6


def test_systematic_resampling_follows_the_weights():
    rng = np.random.default_rng(0)
    pick = systematic_resample(np.array([0.0, 3.0, 1.0, 0.0]), rng)
    assert sorted(np.bincount(pick, minlength=4).tolist()) == [0, 0, 1, 3]


def test_psis_weights_are_normalised_and_flag_a_degenerate_tail():
    rng = np.random.default_rng(1)
    log_w, k = psis(rng.normal(0, 0.5, 1000))
    assert np.isclose(np.exp(log_w).sum(), 1) and k < 0.5
    _, k_bad = psis(rng.normal(0, 8, 1000))
    assert k_bad > 0.7


def test_baselines_never_look_at_the_episode_they_score():
    import pandas as pd

    frame = pd.DataFrame({"episode": ["a", "b", "c"], "fact": ["f", "f", "f"], "observed": [True, True, False],
                          "model": [0.5] * 3, "persistent": [False, False, False],
                          "kind": ["x", "x", "y"]})
    out = _baselines(frame).set_index("episode")
    assert np.isclose(out.loc["a", "climatology"], (1 + 0.5) / 3)   # b yes, c no
    assert np.isclose(out.loc["c", "climatology"], (2 + 0.5) / 3)   # a, b yes
    assert np.isclose(out.loc["c", "persistence"], 1 - (0 + 0.5) / 3)  # persistence was wrong on a and b
    assert out["event_model_fallback"].all() and np.allclose(out["event_model"], out["trigger_rates"])
    counted = _baselines(frame.assign(count_model=[0.9, np.nan, 0.2])).set_index("episode")
    assert counted.loc["a", "event_model"] == 0.9 and not counted.loc["a", "event_model_fallback"]
    assert counted.loc["b", "event_model"] == counted.loc["b", "trigger_rates"] and counted.loc["b", "event_model_fallback"]
    v = Validation(out.reset_index()[["episode", "fact", "observed", "model", "climatology", "persistence",
                                      "event_model", "trigger_rates", "event_model_fallback"]], {}, False, 1, 1)
    assert v.to_json()["mean"]["brier"]["model"] == pytest.approx(0.25)
    assert v.to_json()["event_model"]["fallback_facts"] == 3 and "trigger_rates" in v.table()


def test_a_killed_joint_calibration_resumes_to_the_same_posterior(episodes, tmp_path, monkeypatch):
    chosen = [episodes[2], episodes[10]]
    space = PriorSpace.from_scenario(episodes[-1].scenario, ["pakistan.sanctuary_strike_rate",
                                                             "afghanistan.counterstrike_probability"])
    settings_ = {"population": 24, "replicates": 4, "seed": 3, "moves": 1, "workers": 1}
    whole = calibrate_joint(chosen, space, **settings_)
    saved = joint._save
    calls = []

    def killed_after_generation_1(path, state, key):
        saved(path, state, key)
        calls.append(state.generation)
        if state.generation == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(joint, "_save", killed_after_generation_1)
    with pytest.raises(KeyboardInterrupt):
        calibrate_joint(chosen, space, checkpoint=tmp_path / "c.npz", **settings_)
    monkeypatch.setattr(joint, "_save", saved)
    resumed = calibrate_joint(chosen, space, checkpoint=tmp_path / "c.npz", **settings_)
    assert resumed.resumed_after == 1 and calls == [0, 1]
    np.testing.assert_array_equal(resumed.theta, whole.theta)
    assert resumed.runs == whole.runs


class _GaussianOnFirstParameter:
    """A noise-free likelihood that informs the first coordinate only: N(0.3, 0.05) in the unit box."""

    def __init__(self, episodes, space, seed, replicates, workers=None):
        self.dim, self.runs, self.replicates = space.dim, 0, replicates
        self.weights, self.scatter = np.ones(1), [np.eye(1)]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __call__(self, unit, generation):
        assert unit.shape[1] == self.dim + joint.NULL_CONTROLS  # the unread controls travel with the particles
        self.runs += len(unit)
        return self.weights[:, None] * (-0.5 * ((unit[:, 0] - 0.3) / 0.05) ** 2)[None, :]


def test_the_sampler_recovers_an_exact_posterior_and_leaves_uninformed_coordinates_at_their_prior(
        episodes, monkeypatch):
    monkeypatch.setattr(joint, "EpisodeLikelihood", _GaussianOnFirstParameter)
    space = PriorSpace.from_scenario(episodes[-1].scenario, ["pakistan.sanctuary_strike_rate",
                                                             "afghanistan.counterstrike_probability"])
    result = calibrate_joint(episodes[:1], space, population=600, replicates=1, seed=5, moves=6, workers=1)
    unit = space.to_unit(result.theta)
    assert abs(unit[:, 0].mean() - 0.3) < 0.01 and 0.04 < unit[:, 0].std() < 0.06
    ratio = result.identification()
    assert ratio["afghanistan.counterstrike_probability"] > 0.85  # uninformed: its prior's spread kept
    assert all(v > 0.85 for v in result.null_sd_ratio)


def test_cli_validate_and_calibrate_refuse_a_folder_without_episodes(tmp_path):
    for args in (["validate", "--episodes", str(tmp_path)], ["calibrate", "--episodes", str(tmp_path / "none"),
                                                              "--out", str(tmp_path / "out")],
                 ["validate", "--leave-one-out", "--refits", str(tmp_path / "none")],
                 ["calibrate", "--episodes", "--attacks", str(tmp_path / "none"), "--out", str(tmp_path / "out")],
                 ["calibrate", "--episodes", "--attacks", str(EPISODES_DIR), "--out", str(tmp_path / "out")],
                 ["calibrate", "--episodes", "--attacks", str(tmp_path), "--no-attacks"],
                 ["validate", "--given", "everything"]):
        proc = escalation(*args)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
        assert any(word in proc.stderr for word in ("episodes", "--refits", "--attacks", "--given")), proc.stderr
    assert not (tmp_path / "out").exists(), "a refused calibration writes nothing"


@pytest.mark.slow
def test_validate_leave_one_out_prints_the_documented_json():
    proc = escalation("validate", "--leave-one-out", "--json", "--particles", "40", "--replicates", "2")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out["mean"]) == {"brier", "log_score"} and "E03" in out["episodes"]
    fact = out["episodes"]["E03"]["facts"]["pakistan_airstrike_7d"]
    assert fact["observed"] == 1 and set(fact) == {"observed", "model", "climatology", "persistence", "event_model",
                                                   "trigger_rates", "stacked", "event_model_fallback"}
    assert all(0 < fact[k] < 1 for k in ("model", "climatology", "persistence", "event_model", "trigger_rates",
                                         "stacked"))
    w = out["episodes"]["E03"]["stacking_weight"]
    assert fact["stacked"] == pytest.approx(w * fact["model"] + (1 - w) * fact["climatology"])
    assert 0 <= out["stacking"]["weight_all_cases"] <= 1 and out["stacking"]["partner"] == "climatology"
    assert fact["event_model_fallback"] is False and 0 < out["event_model"]["fallback_facts"] < 122


def test_the_dependence_weight_counts_copies_of_a_fact_once_and_independent_facts_fully():
    rng = np.random.default_rng(1)
    agree = rng.random((1, 4000)) < 0.4
    independent = rng.random((3, 4000)) < 0.4

    def scatter(x):
        centred = x - x.mean(axis=1, keepdims=True)
        return centred @ centred.T

    copies = np.repeat(agree, 3, axis=0).astype(float)
    assert joint.dependence_weight(scatter(copies)) == pytest.approx(1 / 3)
    assert joint.dependence_weight(scatter(independent.astype(float))) == pytest.approx(1.0, abs=0.05)
    mixed = np.vstack([copies[:2], independent[:1]]).astype(float)  # two copies and one other: 1' C 1 = 5
    assert joint.dependence_weight(scatter(mixed)) == pytest.approx(3 / 5, abs=0.05)
    constant = np.vstack([copies[:1], np.ones((1, 4000))])  # a fact that never varies correlates with nothing
    assert joint.dependence_weight(scatter(constant)) == pytest.approx(1.0)


def _cases(rows: list[tuple[list[int], list[float], list[float]]]):
    return [(np.array(o, float), np.array(m, float), np.array(c, float)) for o, m, c in rows]


def test_the_stacking_weight_follows_whichever_forecaster_was_right():
    sharp_and_right = _cases([([1, 0, 1], [0.9, 0.1, 0.8], [0.5, 0.5, 0.5])] * 3)
    sharp_and_wrong = _cases([([0, 1, 0], [0.9, 0.1, 0.8], [0.5, 0.5, 0.5])] * 3)
    assert _stacking_weight(sharp_and_right) > 0.99
    assert _stacking_weight(sharp_and_wrong) < 0.01


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.floats(0.01, 0.99), st.floats(0.01, 0.99)), min_size=2, max_size=12))
def test_the_stacking_weight_scores_no_worse_than_either_forecaster_alone(facts):
    obs, model, clim = (np.array(column, float) for column in zip(*facts, strict=True))
    cases = [(obs, model, clim)]
    w = _stacking_weight(cases)
    assert 0 <= w <= 1
    best = _mixture_log_score(w, cases)
    assert best <= min(_mixture_log_score(0.0, cases), _mixture_log_score(1.0, cases)) + 1e-6


@pytest.mark.slow
def test_a_case_stacking_weight_never_looks_at_its_own_facts(tmp_path):
    import shutil

    same, changed = tmp_path / "same", tmp_path / "episodes"
    shutil.copytree(EPISODES_DIR, same)
    shutil.copytree(EPISODES_DIR, changed)
    shutil.copy(EPISODES_DIR.parent / "calm_2024.toml", tmp_path)  # the base of border_years.toml
    targets = changed / "E05.targets.toml"
    first = re.search(r"^observed = (true|false)$", targets.read_text(), flags=re.M)
    targets.write_text(targets.read_text().replace(first.group(0), "observed = " + {"true": "false", "false": "true"}[
        first.group(1)], 1))
    before, after = ({e.id: e for e in load_episodes(folder)}["E05"].observed for folder in (None, changed))
    assert (before != after).sum() == 1
    shipped, moved = (validate(episodes, leave_one_out=True, particles=12, replicates=2).stacking["weights"]
                      for episodes in (same, changed))
    assert moved["E05"] == shipped["E05"], "E05's weight is fitted on the other cases only"
    assert any(moved[c] != shipped[c] for c in shipped if c != "E05"), "the other cases' weights see E05's facts"


@pytest.mark.slow
def test_a_folder_of_new_cases_is_scored_out_of_sample_beside_baselines_fitted_on_every_other_case(tmp_path):
    """A new case elsewhere (here E05 under another name) builds on the shipped episodes' base by
    name; it alone is scored, out of sample, and its baselines read the shipped cases too."""
    folder = tmp_path / "new"
    folder.mkdir()
    for suffix in ("toml", "targets.toml", "sequence.csv"):
        text = (EPISODES_DIR / f"E05.{suffix}").read_text()
        (folder / f"X01.{suffix}").write_text(text.replace('name = "E05"', 'name = "X01"')
                                              .replace('"E05.toml"', '"X01.toml"'))
    new = validate(folder, particles=12, replicates=2)
    assert list(new.facts["episode"].unique()) == ["X01"] and new.unseen() == ["X01"]
    assert "out of sample" in new.table() and "october_2025" in new.reference
    report = new.to_json()
    assert report["unseen_by_calibration"] == ["X01"] and "E05" in report["baselines_also_fitted_on"]
    shipped = validate(particles=12, replicates=2)
    assert shipped.unseen() == [] and not shipped.reference and "in sample" in shipped.table()
    mine = new.facts.set_index("fact")["climatology"]
    e05 = shipped.facts[shipped.facts["episode"] == "E05"].set_index("fact")["climatology"]
    assert not np.allclose(mine, e05), "X01's climatology counts E05's facts, E05's does not"
    with pytest.raises(UsageError, match="out of sample already"):
        validate(folder, leave_one_out=True, particles=12, replicates=2)


def test_the_differences_to_each_baseline_are_per_case_means_with_their_spread():
    import pandas as pd

    rows = [{"episode": e, "fact": "f", "observed": True, "model": m, "climatology": 0.5, "persistence": 0.5,
             "event_model": 0.5, "trigger_rates": 0.5, "event_model_fallback": False}
            for e, m in (("a", 0.9), ("b", 0.8), ("c", 0.2))]
    gaps = -np.log([0.9, 0.8, 0.2]) + np.log(0.5)
    versus = Validation(pd.DataFrame(rows), {}, True, 1, 1).differences()["model"]["climatology"]
    assert versus["mean"] == pytest.approx(gaps.mean()) and versus["cases_better"] == 2 and versus["cases"] == 3
    assert versus["se"] == pytest.approx(gaps.std(ddof=1) / np.sqrt(3))
    alone = Validation(pd.DataFrame(rows[:1]), {}, True, 1, 1)
    assert alone.differences()["model"]["persistence"]["se"] is None and "n/a" in alone.table()
    assert json.loads(json.dumps(alone.to_json(), allow_nan=False))["log_score_differences"]
