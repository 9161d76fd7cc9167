"""The mechanisms against the earlier episodes (base_rates.md), on the calm-year scenario: each
model share must fall inside the episodes' 95% interval (experiments/mechanisms.py measures them)."""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "experiments"))


@pytest.fixture(scope="module")
def checks(tmp_path_factory):
    import mechanisms

    out = tmp_path_factory.mktemp("mechanisms")
    mechanisms.main(["--runs", "3000", "--seed", "11", "--out", str(out)])
    import json

    return json.loads((out / "mechanisms.json").read_text())


def _inside(model: dict, episodes: dict) -> None:
    assert episodes["ci_low"] <= model["p"] <= episodes["ci_high"], (model, episodes)


@pytest.mark.slow
def test_a_mass_casualty_attack_makes_a_strike_on_the_sanctuary_many_times_likelier(checks):
    after, before = checks["strike_within_7_days_after_a_15_death_attack"], checks["strike_within_7_days_without_it"]
    _inside(after, checks["episodes_strike_after_attack_5_plus"])
    assert after["ci_low"] > 5 * before["ci_high"]


@pytest.mark.slow
def test_the_taliban_answer_a_strike_in_a_calm_period_about_as_often_as_in_the_episodes(checks):
    _inside(checks["taliban_answer_within_7_days"], checks["episodes_taliban_answer"])


@pytest.mark.slow
def test_a_clash_at_torkham_closes_it_for_days_not_weeks(checks):
    _inside(checks["torkham_closed_within_a_day_of_a_clash"], checks["episodes_closure_after_clash"])
    days = checks["torkham_closure_days"]
    assert 2 <= days["median"] <= 9 and days["share_2_to_10_days"]["p"] > 0.5


@pytest.mark.slow
def test_ground_clashes_in_a_calm_year_at_the_episodes_rate(checks):
    rate = checks["ground_clashes_per_year"]
    low, high = rate["episodes"]["poisson_95"]
    assert low <= rate["mean"] <= high
