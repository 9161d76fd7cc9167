"""Batch runs: known answers, interval coverage, reproducibility across workers and backends, replay."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import DEFAULT, SCENARIOS, default_table, escalation
from hypothesis import given
from hypothesis import strategies as st

from sim.batch import run_batch
from sim.batch.compare import compare
from sim.batch.replay import load_run, stored_row
from sim.batch.stats import design_effect, kaplan_meier, mean_interval, parameter_interval, proportion, share
from sim.model import EscalationModel
from sim.results import RunResult
from sim.scenario import load_scenario, scenario_from_dict

TRUE_P_WAR = 0.3


def coin_scenario(p: float = TRUE_P_WAR, horizon: int = 1):
    """War iff Afghanistan counter-strikes on day 0, which it does with probability p: P(war) = p exactly
    (at decision noise 1 a choice is made with the rule's propensity itself)."""
    table = default_table()
    table["scenario"].update(name="coin", horizon_days=horizon)
    table["mediators"] = {}
    table["priors"] = {}
    table["afghanistan"].update(counterstrike_probability=p, decision_noise=1.0, escalation_propensity=1.0, campaign_threshold=0.0,
                                cost_sensitivity=0.0, claim_satisfaction=0.0,
                                capabilities=["cross_border_fire", "sustained_campaign"])
    table["shocks"] = [table["shocks"][0]]
    table["outcome"] = {"campaign_days": 1}  # the campaign's first day is war here
    for site in table["sites"].values():
        site["clash_rate"] = 0.0
    return scenario_from_dict(table, "coin")


@pytest.mark.slow
def test_known_answer_certain_deescalation():
    """One exchange of fire on day 0 and nobody with any will to go on: every run de-escalates."""
    table = default_table()
    table["scenario"]["name"] = "calm"
    table["shocks"] = [{"day": 0, "actor": "pakistan", "action": "cross_border_fire", "target": "afghanistan"}]
    table["ttp"]["attack_rate"] = 0.0
    for site in table["sites"].values():
        site["clash_rate"] = 0.0
    for party in ("pakistan", "afghanistan"):
        table[party].update(retaliation_propensity=0.0, counterstrike_probability=0.0)
    s = run_batch(scenario_from_dict(table, "calm"), 3000, seed=4, workers=1).summary()["calm"]
    assert s["outcomes"] == {"deescalated": 3000, "contained": 0, "war": 0, "calm": 0}
    assert s["p_deescalated"] == 1.0 and s["ci_low"] > 0.998


@pytest.mark.slow
def test_known_answer_share_computed_by_hand():
    runs = 20_000
    s = run_batch(coin_scenario(), runs, seed=9, workers=1).summary()["coin"]
    standard_error = (TRUE_P_WAR * (1 - TRUE_P_WAR) / runs) ** 0.5
    assert abs(s["p_war"] - TRUE_P_WAR) < 4 * standard_error  # fails by chance once in ~16,000 seeds
    assert s["outcomes"]["war"] + s["outcomes"]["contained"] == runs
    half_width = (s["p_war_ci_high"] - s["p_war_ci_low"]) / 2
    assert abs(half_width - 1.96 * standard_error) < 0.1 * standard_error


@pytest.mark.slow
def test_wilson_interval_covers_the_truth_at_the_nominal_rate():
    """400 batches of 300 runs of the coin scenario: the 95% interval covers p = 0.3 in ~95% of them."""
    batches, runs = 400, 300
    model = EscalationModel(coin_scenario(), seed=2024, lanes=batches * runs, record_events=False,
                            collect_series=False).run()
    war = (model.outcome() == 2).reshape(batches, runs).sum(axis=1)
    covered = [lo <= TRUE_P_WAR <= hi for _, lo, hi in (proportion(k, runs) for k in war)]
    rate, lo, hi = proportion(sum(covered), batches)
    assert lo <= 0.95 <= hi, f"coverage {rate:.3f} [{lo:.3f}, {hi:.3f}]"


@pytest.mark.slow
def test_workers_and_chunk_sizes_give_identical_tables(default_scenario):
    one = run_batch(default_scenario, 3000, seed=5, workers=1, chunk_size=3000).to_frame()
    two = run_batch(default_scenario, 3000, seed=5, workers=2, chunk_size=700).to_frame()
    pd.testing.assert_frame_equal(one, two)


@pytest.mark.slow
def test_dask_backend_gives_the_local_table(default_scenario):
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
                      processes=True) as cluster, Client(cluster) as client:
        remote = run_batch(default_scenario, 2000, seed=6, backend="dask", client=client, chunk_size=500).to_frame()
    local = run_batch(default_scenario, 2000, seed=6, workers=1).to_frame()
    pd.testing.assert_frame_equal(local, remote)


@pytest.mark.slow
def test_replay_is_exactly_the_run_the_batch_counted(tmp_path, default_scenario):
    out = tmp_path / "b"
    run_batch(default_scenario, 600, seed=3, workers=2, out=out, chunk_size=256)
    for k in (0, 257, 599):
        scenario, seed, runs, params = load_run(out, k)
        replayed = RunResult.simulate(scenario, seed, int(runs[0]), lane_params=params).summary
        row = stored_row(out, k)
        for key in ("outcome", "peak_rung", "first_ceasefire_day", "deaths_true", "deaths_claimed", "closed_days"):
            assert replayed[key] == row[key], (k, key)


@pytest.mark.slow
def test_replay_keeps_the_batch_horizon(tmp_path, default_scenario):
    """A batch run to a shorter horizon than its scenario's is replayed to that horizon."""
    out = tmp_path / "short"
    run_batch(default_scenario, 300, seed=5, workers=1, out=out, horizon=12)
    for k in (0, 150, 299):
        scenario, seed, runs, params = load_run(out, k)
        assert scenario.horizon_days == 12
        replayed = RunResult.simulate(scenario, seed, int(runs[0]), lane_params=params).summary
        row = stored_row(out, k)
        for key in ("outcome", "peak_rung", "first_ceasefire_day", "deaths_true", "closed_days"):
            assert replayed[key] == row[key], (k, key)


@pytest.mark.slow
def test_summary_json_records_what_reproduces_it(tmp_path, default_scenario):
    out = tmp_path / "b"
    run_batch(default_scenario, 500, seed=3, workers=1, out=out)
    data = json.loads((out / "summary.json").read_text())
    meta = data["metadata"]
    assert meta["seed"] == 3 and meta["runs"] == 500 and meta["chunk_size"] > 0 and meta["version"]
    assert meta["scenarios"][0]["content_hash"] == default_scenario.content_hash
    assert data["scenarios"]["october_2025"]["runs"] == 500


@pytest.mark.slow
def test_results_object_api(default_scenario, tmp_path):
    result = run_batch(default_scenario, 800, seed=1, workers=1)
    frame = result.to_frame()
    assert len(frame) == 800 and {"run", "outcome", "deaths_true", "first_ceasefire_day"} <= set(frame.columns)
    assert "de-escalated" in result.table()
    paths = result.plot(tmp_path)
    assert all(p.stat().st_size > 5000 for p in paths)


@pytest.mark.slow
def test_common_random_numbers_narrow_the_interval():
    a = load_scenario(DEFAULT)
    b = load_scenario(SCENARIOS / "no_india_factor.toml")
    d = compare(a, b, 3000, seed=2, workers=1).differences()
    assert d["p_deescalated"]["narrower_by"] > 1.5
    assert d["p_deescalated"]["ci_low"] <= d["p_deescalated"]["diff"] <= d["p_deescalated"]["ci_high"]


def test_kaplan_meier_by_hand():
    days, surv = kaplan_meier(np.array([0, 1, 1, -1]), 3)
    np.testing.assert_allclose(surv, [0.75, 0.25, 0.25, 0.25])


# ---- the CLI, in real processes ---------------------------------------------------------------

@pytest.mark.slow
def test_cli_batch_json_fields():
    proc = escalation("batch", str(DEFAULT), "--runs", "2000", "--json", "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    s = data["october_2025"]
    assert s["runs"] == 2000 and set(s["outcomes"]) == {"deescalated", "contained", "war", "calm"}
    assert sum(s["outcomes"].values()) == 2000
    for key in ("p_deescalated", "ci_low", "ci_high", "p_war", "p_war_ci_low", "p_war_ci_high"):
        assert 0 <= s[key] <= 1
    assert s["ci_low"] <= s["p_deescalated"] <= s["ci_high"]
    assert proc.stderr == ""  # no progress bar in --json mode


@pytest.mark.parametrize("args, fragment", [
    (["batch", str(DEFAULT), "--runs", "0"], "--runs"),
    (["batch", str(DEFAULT), "--seed", "-3"], "--seed"),
    (["batch", "nope.toml"], "no such scenario file"),
    (["batch", str(DEFAULT), "--backend", "dask"], "--scheduler"),
    (["batch", str(DEFAULT), "--backend", "dask", "--scheduler", "tcp://127.0.0.1:9"], "cannot reach"),
    (["sweep", str(DEFAULT), "--param", "pakistan.retaliation_propensty=0:1:3"], "did you mean"),
    (["sweep", str(DEFAULT), "--param", "mediators.qatar.style=0:1:3"], "cannot be swept"),
    (["sweep", str(DEFAULT), "--param", "pakistan.resolve=1:1:3"], "empty range"),
    (["sweep", str(DEFAULT), "--param", "pakistan.resolve=0:1:0"], "empty range"),
    (["sweep", str(DEFAULT), "--param", "pakistan.ceasefire_commitment=0:2:3"], "is not a number in [0, 1]"),
    (["replay", "/nonexistent-batch", "--run", "1"], "no batch here"),
])
@pytest.mark.slow
def test_cli_batch_bad_input(tmp_path, args, fragment):
    out = tmp_path / "out"
    proc = escalation(*args, "--out", str(out)) if args[0] != "replay" else escalation(*args)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert fragment in proc.stderr
    assert not (out / "summary.json").exists()


@pytest.mark.slow
def test_cli_refuses_to_mix_batches(tmp_path):
    out = tmp_path / "b"
    assert escalation("batch", str(DEFAULT), "--runs", "300", "--out", str(out), "--json").returncode == 0
    again = escalation("batch", str(DEFAULT), "--runs", "300", "--out", str(out))
    assert again.returncode == 2 and "--resume" in again.stderr
    other = escalation("batch", str(DEFAULT), "--runs", "500", "--out", str(out), "--resume")
    assert other.returncode == 2 and "'runs' differs" in other.stderr


@pytest.mark.slow
def test_cli_sweep_writes_points_and_figure(tmp_path):
    out = tmp_path / "s"
    proc = escalation("sweep", str(DEFAULT), "--param", "mediation.mediation_weight=0:2:3",
                      "--param", "india.threat_factor=0:1:2", "--runs", "200", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    points = pd.read_csv(out / "points.csv")
    assert len(points) == 6 and (points["runs"] == 200).all()
    assert (out / "sweep.png").stat().st_size > 5000


@pytest.mark.slow
def test_cli_replay_prints_the_timeline(tmp_path):
    out = tmp_path / "b"
    assert escalation("batch", str(DEFAULT), "--runs", "100", "--out", str(out), "--json").returncode == 0
    proc = escalation("replay", str(out), "--run", "42", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["run"] == 42 and data["events"][0]["action"] == "airstrike_capital"


@pytest.mark.slow
def test_runs_draw_their_parameters_from_the_posterior(tmp_path):
    """A scenario with a posterior: each run uses one sample, the same in a batch and in a replay."""
    samples = pd.DataFrame({"afghanistan.retaliation_propensity": [0.0, 5.0], "weight": [1.0, 3.0]})
    samples.to_parquet(tmp_path / "post.parquet")
    (tmp_path / "s.toml").write_text(f'posterior = "post.parquet"\n[scenario]\nbase = "{DEFAULT}"\nname = "post"\n')
    scenario = load_scenario(tmp_path / "s.toml")
    out = tmp_path / "b"
    frame = run_batch(scenario, 2000, seed=1, workers=1, out=out).to_frame()
    values = frame["param:afghanistan.retaliation_propensity"]
    from sim.batch.posterior import RUNS_PER_DRAW

    blocks = values.to_numpy().reshape(-1, RUNS_PER_DRAW)  # runs are in index order; a block shares its draw
    assert (blocks == blocks[:, :1]).all()
    draws = blocks[:, 0]
    assert set(draws) == {0.0, 5.0}
    assert abs((draws == 5.0).mean() - 0.75) < 3.5 * np.sqrt(0.75 * 0.25 / len(draws))  # weights 1:3
    _, _, _, params = load_run(out, 7)
    assert params == {"afghanistan.retaliation_propensity": values.iloc[7]}
    (tmp_path / "post.parquet").unlink()
    with pytest.raises(ValueError, match="posterior"):
        load_scenario(tmp_path / "s.toml")


@pytest.mark.slow
def test_what_if_on_a_calibrated_base_keeps_its_own_values(tmp_path):
    """Posterior draws never undo what a what-if sets itself (its pinned keys)."""
    samples = pd.DataFrame({"india.threat_factor": [0.7, 0.9], "pakistan.resolve": [1.1, 1.3]})
    samples.to_parquet(tmp_path / "post.parquet")
    (tmp_path / "cal.toml").write_text(f'posterior = "post.parquet"\n[scenario]\nbase = "{DEFAULT}"\nname = "cal"\n')
    (tmp_path / "what_if.toml").write_text('[scenario]\nbase = "cal.toml"\nname = "w"\n[india]\nthreat_factor = 0.0\n')
    scenario = load_scenario(tmp_path / "what_if.toml")
    assert scenario.pinned == {"india.threat_factor"}
    frame = run_batch(scenario, 200, seed=1, workers=1).to_frame()
    assert "param:india.threat_factor" not in frame and set(frame["param:pakistan.resolve"]) <= {1.1, 1.3}


def test_the_parameter_interval_removes_monte_carlo_noise_and_keeps_real_spread():
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(400), 20)
    same = rng.random(groups.size) < 0.4  # every draw has P = 0.4: the spread is all noise
    low, high = parameter_interval(same, groups)
    assert 0.33 < low <= high < 0.47
    p = np.where(np.arange(400) % 2 == 0, 0.1, 0.9)[groups]  # half the draws 0.1, half 0.9
    low, high = parameter_interval(rng.random(groups.size) < p, groups)
    assert low < 0.2 and high > 0.8
    assert parameter_interval(same[:100], groups[:100]) is None  # 5 draws: too few to say
    assert parameter_interval(same[:30], np.arange(30)) is None  # one run per draw: no within-draw noise to remove


def test_the_monte_carlo_interval_of_runs_sharing_draws_covers_the_predictive_share():
    """Runs of one posterior draw agree more than runs of different draws: an interval that counts
    them as independent under-covers; widened by the design effect it covers at about 95%."""
    rng = np.random.default_rng(3)
    groups = np.repeat(np.arange(100), 20)
    for a, b in ((2.0, 0.5), (0.3, 30.0)):  # draws' P spread widely, and a rare event
        truth = a / (a + b)
        covered = {"clustered": 0, "independent": 0}
        for _ in range(400):
            y = rng.random(groups.size) < rng.beta(a, b, 100)[groups]
            for name, g in (("clustered", groups), ("independent", None)):
                _, low, high = share(y, g)
                covered[name] += low <= truth <= high
        assert 0.92 <= covered["clustered"] / 400 <= 0.98, (a, b, covered)
        assert covered["independent"] / 400 < 0.9, (a, b, covered)


def test_without_shared_draws_the_intervals_are_the_independent_ones():
    rng = np.random.default_rng(4)
    y = rng.random(3000) < 0.3
    assert design_effect(y, None) == 1.0 and design_effect(y, np.arange(3000)) == 1.0
    assert share(y, np.arange(3000)) == share(y) == proportion(int(y.sum()), 3000)
    x = rng.normal(size=3000)
    assert mean_interval(x, groups=np.arange(3000)) == mean_interval(x)


@given(st.lists(st.booleans(), min_size=2, max_size=200), st.integers(1, 30))
def test_the_widened_interval_holds_the_share_and_the_independent_interval(values, per_draw):
    y = np.array(values)
    groups = np.arange(y.size) // per_draw
    assert design_effect(y, groups) >= 1.0
    p, low, high = share(y, groups)
    _, low_independent, high_independent = share(y)
    assert 0.0 <= low <= p <= high <= 1.0
    assert low <= low_independent + 1e-12 and high >= high_independent - 1e-12


def test_a_posterior_batch_reports_both_intervals_and_runs_share_draws_in_blocks():
    from sim.batch.posterior import RUNS_PER_DRAW, PosteriorSampler

    scenario = load_scenario(SCENARIOS / "october_2025_calibrated.toml")
    drawn = PosteriorSampler(scenario).draw(5, np.arange(3 * RUNS_PER_DRAW))
    values = next(iter(drawn.values()))
    assert (values[:RUNS_PER_DRAW] == values[0]).all() and len(set(values[::RUNS_PER_DRAW])) > 1
    summary = run_batch(scenario, 400, seed=1, workers=1).summary()[scenario.name]
    for key in ("deescalated", "contained", "war"):
        assert summary[f"p_{key}_param_low"] <= summary[f"p_{key}_param_high"]
        assert 0 <= summary[f"p_{key}_ci_low"] <= summary[f"p_{key}"] <= summary[f"p_{key}_ci_high"] <= 1


def test_a_posterior_without_rows_is_one_line_not_a_traceback(tmp_path):
    from sim.batch.posterior import PosteriorSampler
    from sim.scenario import ScenarioError

    pd.DataFrame({"pakistan.resolve": pd.Series([], dtype=float),
                  "weight": pd.Series([], dtype=float)}).to_parquet(tmp_path / "empty.parquet")
    (tmp_path / "empty.toml").write_text(f'posterior = "empty.parquet"\n[scenario]\nbase = "{DEFAULT}"\n')
    with pytest.raises(ScenarioError, match="no samples"):
        PosteriorSampler(load_scenario(tmp_path / "empty.toml"))


@pytest.mark.parametrize("seed", [-5, 2**70])
def test_replay_of_a_folder_whose_manifest_seed_is_out_of_range_is_one_line(tmp_path, seed):
    from sim.batch.store import StoreError

    run_batch(load_scenario(DEFAULT), 20, seed=1, workers=1, out=tmp_path / "b")
    manifest = tmp_path / "b" / "manifest.json"
    manifest.write_text(json.dumps(json.loads(manifest.read_text()) | {"seed": seed}))
    with pytest.raises(StoreError, match="'seed' outside"):
        load_run(tmp_path / "b", 1)
