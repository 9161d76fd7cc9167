"""Structural alternatives as data, and their ensemble weighted by evidence."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import escalation

from sim.batch.posterior import PosteriorSampler
from sim.calibrate.abc import Calibration
from sim.calibrate.ensemble import (
    build_ensemble,
    ensemble_to_files,
    read_calibration_record,
    write_calibration_record,
)
from sim.calibrate.joint import JointCalibration
from sim.calibrate.posterior import write_calibrated_scenario, write_posterior
from sim.calibrate.priors import PriorSpace, weighted_quantiles
from sim.calibrate.structures import Structure, load_structure
from sim.calibrate.validate import _draws
from sim.calibrate.workflow import loglik_path_for, write_loglik
from sim.errors import UsageError
from sim.scenario import load_scenario

CASES = ["E01", "E02", "october_2025"]


@pytest.fixture(scope="module")
def main():
    return load_scenario("october_2025")


def member(folder, main, structure: Structure, log_evidence: float, weights=(0.5, 1.0, 0.8), n=30, seed=0):
    """A calibration folder as `calibrate --episodes` writes it, with made-up particles and evidence."""
    priors = structure.priors_of(main)
    space = PriorSpace.from_priors(priors, main.source)
    rng = np.random.default_rng(seed)
    theta = space.sample(rng, n)
    result = JointCalibration(space, CASES, theta, rng.normal(-3, 1, (len(CASES), n)),
                              [{"log_evidence": log_evidence}], 1000, 1.0, weights=np.array(weights),
                              facts=[3, 3, 3])
    as_abc = Calibration(space, theta, np.full(n, 1 / n), np.zeros((n, 1)), seed=seed)
    path = write_posterior(as_abc, folder / "posteriors" / "october_2025.parquet", main)
    write_loglik(result, loglik_path_for(path))
    write_calibrated_scenario(main, as_abc, path, folder / "october_2025_calibrated.toml", "test")
    write_calibration_record(folder / "calibration.json", result, structure, "test", replicates=16)
    return folder


def test_the_shipped_structures_load_and_only_the_climate_frees_a_parameter(main):
    assert load_structure("shared", main).priors == {}
    climate = load_structure("episode_climate", main)
    assert list(climate.priors) == ["crisis.hostility_sd"] and climate.priors["crisis.hostility_sd"].high == 1.5
    assert set(climate.priors_of(main)) == set(main.priors) | {"crisis.hostility_sd"}


@pytest.mark.parametrize(("text", "message"), [
    ("[structure]\nname = 'x'\n[priors]\n'pakistan.nonsense' = { low = 0, high = 1 }\n", "unknown parameter"),
    ("[structure]\nname = 'x'\n[other]\n", "unknown section"),
    ("[structure]\nname = 'a b'\n", "structure.name"),
    ("[structure]\nname = 'x'\ncolour = 'red'\n", "structure.colour"),
    ("[structure\n", "not valid TOML"),
    ("[structure]\nname = 'x'\n[priors]\n'pakistan.resolve' = { low = 2, high = 1 }\n", "empty range"),
])
def test_a_bad_structure_file_is_one_line_naming_the_key(tmp_path, main, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(UsageError, match=message) as err:
        load_structure(str(path), main)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_the_ensemble_weighs_structures_by_their_evidence_and_fills_what_a_structure_fixes(tmp_path, main):
    shared = member(tmp_path / "a", main, load_structure("shared", main), -50.0)
    climate = member(tmp_path / "b", main, load_structure("episode_climate", main), -49.0, seed=1)
    ensemble = build_ensemble([shared, climate], main)
    expected = np.exp([-50.0, -49.0]) / np.exp([-50.0, -49.0]).sum()
    np.testing.assert_allclose(ensemble.probability, expected)
    frame = ensemble.posterior
    assert frame["weight"].sum() == pytest.approx(1.0)
    np.testing.assert_allclose(frame.groupby(ensemble.structure, sort=False)["weight"].sum().to_numpy(), expected)
    assert (frame.loc[ensemble.structure == "shared", "crisis.hostility_sd"] == 0.0).all()
    assert (frame.loc[ensemble.structure == "episode_climate", "crisis.hostility_sd"] > 0).all()
    assert len(ensemble.loglik) == len(frame) and list(ensemble.loglik.columns) == CASES


def test_the_installed_mixture_is_drawn_in_proportion_and_each_member_runs_alone(tmp_path, main):
    shared = member(tmp_path / "a", main, load_structure("shared", main), -50.0)
    climate = member(tmp_path / "b", main, load_structure("episode_climate", main), -50.0 + np.log(3), seed=1)
    ensemble, _ = ensemble_to_files([shared, climate], tmp_path / "out")
    mixed = load_scenario(tmp_path / "out" / "october_2025_calibrated.toml")
    assert "crisis.hostility_sd" in mixed.priors  # so that sensitivity varies it too
    draws = PosteriorSampler(mixed).draw(0, np.arange(200_000))["crisis.hostility_sd"]
    assert np.mean(draws > 0) == pytest.approx(0.75, abs=0.02)  # 3 : 1 by the evidence
    alone = load_scenario(tmp_path / "out" / "ensemble" / "october_2025_shared_calibrated.toml")
    assert (PosteriorSampler(alone).draw(0, np.arange(2000))["crisis.hostility_sd"] == 0).all()
    _, pick, weights = _draws(mixed, 60, 0)
    assert weights.sum() == pytest.approx(1.0) and len(np.unique(np.round(weights, 12))) == 2
    record = json.loads((tmp_path / "out" / "ensemble.json").read_text())
    assert [m["structure"] for m in record["structures"]] == ["shared", "episode_climate"]


def test_members_whose_evidences_are_of_different_likelihoods_are_refused(tmp_path, main):
    shared = member(tmp_path / "a", main, load_structure("shared", main), -50.0)
    other = member(tmp_path / "b", main, load_structure("episode_climate", main), -49.0, weights=(0.6, 1.0, 0.8))
    with pytest.raises(UsageError, match="--weights-from"):
        build_ensemble([shared, other], main)
    again = member(tmp_path / "c", main, load_structure("shared", main), -40.0)
    with pytest.raises(UsageError, match="at least two structures"):
        build_ensemble([shared, again], main)
    with pytest.raises(UsageError, match="given twice"):
        build_ensemble([shared, shared], main)


def test_calibrations_of_one_structure_pool_their_evidence_and_particles(tmp_path, main):
    shared = [member(tmp_path / f"a{i}", main, load_structure("shared", main), z, seed=i)
              for i, z in enumerate((-50.0, -51.0))]
    climate = member(tmp_path / "b", main, load_structure("episode_climate", main), -50.0, seed=5)
    ensemble = build_ensemble([*shared, climate], main)
    pooled = np.log((np.exp(-50.0) + np.exp(-51.0)) / 2)
    np.testing.assert_allclose(ensemble.log_evidence, [pooled, -50.0])
    assert ensemble.spread("shared") == pytest.approx(np.std([-50.0, -51.0], ddof=1))
    assert ensemble.spread("episode_climate") is None
    rows = ensemble.structure == "shared"
    assert rows.sum() == 60 and ensemble.posterior["weight"][rows].sum() == pytest.approx(ensemble.probability[0])
    first = ensemble.posterior["weight"][:30].sum() / ensemble.posterior["weight"][rows].sum()
    assert first == pytest.approx(np.exp(-50.0) / (np.exp(-50.0) + np.exp(-51.0)))  # shares by their evidence


def test_a_damaged_record_is_one_line(tmp_path, main):
    folder = member(tmp_path / "a", main, load_structure("shared", main), -50.0)
    (folder / "calibration.json").write_text('{"structure": "shared", "log_evidence": "high"}')
    with pytest.raises(UsageError, match="dependence_weights|log_evidence"):
        read_calibration_record(folder)
    (folder / "calibration.json").write_text("{")
    with pytest.raises(UsageError, match="not valid JSON"):
        read_calibration_record(folder)


def test_a_structure_name_that_is_a_path_is_refused_and_nothing_is_written_outside(tmp_path, main):
    """The structure's name becomes file names of the ensemble's output: a path in it would write
    beside, or far from, the folder the user chose."""
    good = member(tmp_path / "a", main, load_structure("shared", main), -50.0)
    bad = member(tmp_path / "b", main, load_structure("episode_climate", main), -51.0)
    record = json.loads((bad / "calibration.json").read_text())
    for name in ("../../evil", "/tmp/evil", "a b", ""):
        record["structure"] = name
        (bad / "calibration.json").write_text(json.dumps(record))
        with pytest.raises(UsageError, match="key 'structure'"):
            build_ensemble([good, bad], main)
    assert not list(tmp_path.parent.glob("evil*")) and not list(tmp_path.glob("evil*"))


def test_cli_ensemble_and_calibrate_structure_refuse_bad_input_with_one_line(tmp_path):
    for args in (["ensemble", str(tmp_path), str(tmp_path / "none"), "--out", str(tmp_path / "out")],
                 ["calibrate", "--episodes", "--structure", "no_such_structure", "--out", str(tmp_path / "c")]):
        proc = escalation(*args)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr


def test_weighted_quantiles_are_numpys_for_equal_weights_and_follow_the_weights():
    x = np.random.default_rng(0).normal(size=101)
    np.testing.assert_allclose(weighted_quantiles(x, [0.05, 0.95], np.ones(101)), np.quantile(x, [0.05, 0.95]))
    w = np.where(x > 0, 1.0, 1e-9)
    assert weighted_quantiles(x, [0.05], w)[0] > 0
    frame = pd.DataFrame({"x": x})
    assert weighted_quantiles(frame["x"], [0.5])[0] == pytest.approx(np.median(x))


def test_a_written_calibration_still_loads_after_its_folder_is_moved(tmp_path, main):
    import shutil

    shared = member(tmp_path / "a", main, load_structure("shared", main), -50.0)
    climate = member(tmp_path / "b", main, load_structure("episode_climate", main), -49.0, seed=1)
    ensemble_to_files([shared, climate], tmp_path / "out")
    written = (tmp_path / "out" / "october_2025_calibrated.toml").read_text()
    assert 'base = "october_2025.toml"' in written, "a shipped base is named, not reached by a relative path"
    moved = shutil.move(tmp_path / "out", tmp_path / "far" / "away" / "out")
    for path in (moved / "october_2025_calibrated.toml", tmp_path / "a" / "october_2025_calibrated.toml"):
        scenario = load_scenario(path)
        draws = PosteriorSampler(scenario).draw(0, np.arange(10))
        assert scenario.posterior and all(len(v) == 10 for v in draws.values())
